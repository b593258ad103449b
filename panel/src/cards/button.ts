// Button: Push. The API has nothing to read.

import { ButtonClient, type RobotClient } from '@viamrobotics/sdk';
import { h } from '../dom';
import { Card } from './card';

export class ButtonCard extends Card<ButtonClient> {
  private readonly push = h('button', { type: 'button', testid: 'push' }, 'Push');
  private readonly pushed = h('span', { class: 'readout', testid: 'pushed', 'data-pushes': 0 });
  /** Pushes sent from this card (answered without error). */
  private pushes = 0;

  constructor(...args: ConstructorParameters<typeof Card>) {
    super(...args);
    this.push.addEventListener('click', () => {
      void this.act('Push', async (b) => {
        await b.push();
        this.pushes++;
        this.pushed.dataset.pushes = String(this.pushes);
        this.pushed.textContent = `pushed ${this.pushes}× from here, last at ${new Date().toLocaleTimeString()}`;
      });
    });
    this.body.append(h('div', { class: 'row' }, this.push, this.pushed));
  }

  protected makeClient(robot: RobotClient): ButtonClient {
    return new ButtonClient(robot, this.id.name);
  }
}
