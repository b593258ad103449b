// Switch: its position, and a button per position (labelled, if the switch
// has labels) that sets it; the current one is pressed.

import { SwitchClient, type RobotClient } from '@viamrobotics/sdk';
import { h } from '../dom';
import { Card } from './card';

export class SwitchCard extends Card<SwitchClient> {
  private readonly position = h('span', { class: 'value', testid: 'position' });
  private readonly positionLabel = h('span', { testid: 'position-label' });
  private readonly buttons = h('div', { class: 'row switch-positions', testid: 'positions', role: 'group' });
  /** The positions the buttons were made for: their count and labels. */
  private shape = '';

  constructor(...args: ConstructorParameters<typeof Card>) {
    super(...args);
    this.body.append(
      this.buttons,
      h('dl', { class: 'kv' }, h('dt', {}, 'position'), h('dd', {}, this.position, ' ', this.positionLabel)),
    );
  }

  protected makeClient(robot: RobotClient): SwitchClient {
    return new SwitchClient(robot, this.id.name);
  }

  protected async refresh(): Promise<void> {
    const sw = this.client!;
    // The positions are asked each time: a reconfigured switch may have others.
    const [[count, labels], position] = await Promise.all([sw.getNumberOfPositions(), sw.getPosition()]);
    const shape = JSON.stringify([count, labels]);
    if (shape !== this.shape) {
      this.shape = shape;
      this.makeButtons(count, labels);
    }
    this.show(position);
  }

  private makeButtons(count: number, labels: string[]): void {
    this.buttons.replaceChildren(
      ...Array.from({ length: count }, (_, i) => {
        const label = labels[i] || String(i);
        const button = h('button', {
          type: 'button',
          class: 'switch-position',
          testid: `position-${i}`,
          'data-position': i,
          'aria-pressed': 'false',
          title: `SetPosition ${i}`,
        }, label);
        button.addEventListener('click', () => {
          void this.act('SetPosition', async (s) => {
            await s.setPosition(i);
            this.show(i);
          });
        });
        return button;
      }),
    );
  }

  private show(position: number): void {
    this.position.textContent = String(position);
    let label = '';
    for (const button of this.buttons.querySelectorAll<HTMLButtonElement>('button')) {
      const current = Number(button.dataset.position) === position;
      button.setAttribute('aria-pressed', String(current));
      button.classList.toggle('current', current);
      if (current && button.textContent !== String(position)) label = `(${button.textContent})`;
    }
    this.positionLabel.textContent = label;
  }
}
