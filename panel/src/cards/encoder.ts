// Encoder: position (ticks or degrees, as the encoder reports it), reset.

import { EncoderClient, EncoderPositionType, type RobotClient } from '@viamrobotics/sdk';
import { h, num } from '../dom';
import { Card } from './card';

export class EncoderCard extends Card<EncoderClient> {
  protected interval = 500;
  private readonly position = h('span', { testid: 'position' });
  private readonly unit = h('span', { testid: 'position-type' });
  private readonly reset = h('button', { type: 'button', testid: 'reset' }, 'Reset');

  constructor(...args: ConstructorParameters<typeof Card>) {
    super(...args);
    this.reset.addEventListener('click', () => {
      void this.act('ResetPosition', (e) => e.resetPosition());
    });
    this.body.append(
      h('div', { class: 'row' },
        h('dl', { class: 'kv' }, h('dt', {}, 'position'), h('dd', {}, this.position, ' ', this.unit)),
        this.reset),
    );
  }

  protected makeClient(robot: RobotClient): EncoderClient {
    return new EncoderClient(robot, this.id.name);
  }

  protected async refresh(): Promise<void> {
    const [position, type] = await this.client!.getPosition();
    this.position.textContent = num(position);
    this.unit.textContent = type === EncoderPositionType.ANGLE_DEGREES ? 'degrees' : 'ticks';
  }
}
