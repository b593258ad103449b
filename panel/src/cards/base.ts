// Base: forward and back (MoveStraight), left and right (Spin; positive
// turns left), Stop; moving state and properties (width, turning radius).

import { BaseClient, Code, type RobotClient } from '@viamrobotics/sdk';
import { errorCode, h, inputNumber, labelled, num } from '../dom';
import { Card } from './card';

export class BaseCard extends Card<BaseClient> {
  protected interval = 500;
  private readonly distance = h('input', { type: 'number', min: 0, step: 1, value: 200, testid: 'distance' });
  private readonly speed = h('input', { type: 'number', min: 0, step: 'any', value: 200, testid: 'speed' });
  private readonly angle = h('input', { type: 'number', min: 0, step: 'any', value: 90, testid: 'angle' });
  private readonly angularSpeed = h('input', { type: 'number', min: 0, step: 'any', value: 90, testid: 'angular-speed' });
  private readonly forward = h('button', { type: 'button', testid: 'forward', title: 'MoveStraight forward' }, '↑ Forward');
  private readonly back = h('button', { type: 'button', testid: 'back', title: 'MoveStraight backward' }, '↓ Back');
  private readonly left = h('button', { type: 'button', testid: 'left', title: 'Spin left' }, '↺ Left');
  private readonly right = h('button', { type: 'button', testid: 'right', title: 'Spin right' }, '↻ Right');
  private readonly stop = h('button', { type: 'button', class: 'stop', testid: 'stop' }, 'Stop');
  private readonly moving = h('span', { testid: 'moving' });
  private readonly width = h('span', { testid: 'width' });
  private readonly turningRadius = h('span', { testid: 'turning-radius' });
  /** Properties are read once per connection. */
  private propertiesRead = false;

  constructor(...args: ConstructorParameters<typeof Card>) {
    super(...args);
    this.forward.addEventListener('click', () => void this.straight(1));
    this.back.addEventListener('click', () => void this.straight(-1));
    this.left.addEventListener('click', () => void this.spin(1));
    this.right.addEventListener('click', () => void this.spin(-1));
    this.stop.addEventListener('click', () => {
      void this.act('Stop', (b) => b.stop());
    });
    this.body.append(
      h('div', { class: 'row' }, this.forward, this.back, this.left, this.right, this.stop),
      h('div', { class: 'row' }, labelled('distance mm', this.distance), labelled('mm/s', this.speed)),
      h('div', { class: 'row' }, labelled('angle °', this.angle), labelled('°/s', this.angularSpeed)),
      h('dl', { class: 'kv' },
        h('dt', {}, 'state'), h('dd', {}, this.moving),
        h('dt', {}, 'width'), h('dd', {}, this.width, ' mm'),
        h('dt', {}, 'turning radius'), h('dd', {}, this.turningRadius, ' mm')),
    );
  }

  protected makeClient(robot: RobotClient): BaseClient {
    return new BaseClient(robot, this.id.name);
  }

  protected async bound(): Promise<void> {
    this.propertiesRead = false;
  }

  protected async refresh(): Promise<void> {
    const base = this.client!;
    this.moving.textContent = (await base.isMoving()) ? 'moving' : 'stopped';
    if (!this.propertiesRead) {
      try {
        const p = await base.getProperties();
        this.width.textContent = num(p.widthMeters * 1000, 1);
        this.turningRadius.textContent = num(p.turningRadiusMeters * 1000, 1);
      } catch (error) {
        if (errorCode(error) !== Code.Unimplemented) throw error;
        this.width.textContent = 'n/a';
        this.turningRadius.textContent = 'n/a';
      }
      this.propertiesRead = true;
    }
  }

  /** MoveStraight by the distance, forward (1) or back (-1). */
  private async straight(sign: number): Promise<void> {
    await this.act('MoveStraight', async (b) => {
      // The API's distance is whole millimetres.
      const mm = Math.round(inputNumber(this.distance, 'the distance'));
      await b.moveStraight(sign * mm, inputNumber(this.speed, 'the speed'));
    });
  }

  /** Spin by the angle, left (1) or right (-1). */
  private async spin(sign: number): Promise<void> {
    await this.act('Spin', async (b) => {
      await b.spin(sign * inputNumber(this.angle, 'the angle'), inputNumber(this.angularSpeed, 'the angular speed'));
    });
  }
}
