// Servo: Move to an angle; position readout.

import { ServoClient, type RobotClient } from '@viamrobotics/sdk';
import { h, labelled, num } from '../dom';
import { Card } from './card';

export class ServoCard extends Card<ServoClient> {
  protected interval = 500;
  private readonly angle = h('input', { type: 'number', min: 0, max: 360, step: 1, value: 90, testid: 'angle' });
  private readonly move = h('button', { type: 'button', testid: 'move' }, 'Move');
  private readonly stop = h('button', { type: 'button', class: 'stop', testid: 'stop' }, 'Stop');
  private readonly position = h('span', { testid: 'position' });

  constructor(...args: ConstructorParameters<typeof Card>) {
    super(...args);
    this.move.addEventListener('click', () => {
      void this.act('Move', (s) => s.move(Number(this.angle.value)));
    });
    this.stop.addEventListener('click', () => {
      void this.act('Stop', (s) => s.stop());
    });
    this.body.append(
      h('div', { class: 'row' }, labelled('angle °', this.angle), this.move, this.stop),
      h('dl', { class: 'kv' }, h('dt', {}, 'position'), h('dd', {}, this.position, '°')),
    );
  }

  protected makeClient(robot: RobotClient): ServoClient {
    return new ServoClient(robot, this.id.name);
  }

  protected async refresh(): Promise<void> {
    this.position.textContent = num(await this.client!.getPosition());
  }
}
