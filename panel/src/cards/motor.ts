// Motor: power slider (SetPower), GoFor, Stop; position and moving state.

import { Code, MotorClient, type RobotClient } from '@viamrobotics/sdk';
import { errorCode, h, labelled, num } from '../dom';
import { Card } from './card';

export class MotorCard extends Card<MotorClient> {
  protected interval = 500;
  private readonly power = h('input', { type: 'range', min: -1, max: 1, step: 0.05, value: 0, testid: 'power' });
  private readonly powerValue = h('output', { testid: 'power-value' }, '0');
  private readonly powered = h('span', { testid: 'powered' });
  private readonly rpm = h('input', { type: 'number', value: 60, step: 'any', testid: 'go-rpm' });
  private readonly revs = h('input', { type: 'number', value: 1, step: 'any', testid: 'go-revs' });
  private readonly go = h('button', { type: 'button', testid: 'go' }, 'GoFor');
  private readonly stop = h('button', { type: 'button', class: 'stop', testid: 'stop' }, 'Stop');
  private readonly position = h('span', { testid: 'position' });
  private readonly moving = h('span', { testid: 'moving' });
  private positionSupported = true;
  private poweredSupported = true;
  /** When the user last moved the slider: until 2 s later, refreshes leave it alone. */
  private touchedAt = 0;
  /** Power to send once the SetPower in flight returns (a drag makes many). */
  private pendingPower: number | undefined;
  private sending = false;

  constructor(...args: ConstructorParameters<typeof Card>) {
    super(...args);
    this.power.addEventListener('input', () => {
      this.touchedAt = Date.now();
      this.powerValue.textContent = this.power.value;
      this.sendPower(Number(this.power.value));
    });
    this.go.addEventListener('click', () => {
      void this.act('GoFor', (m) => m.goFor(Number(this.rpm.value), Number(this.revs.value)));
    });
    this.stop.addEventListener('click', () => {
      this.setSlider(0);
      void this.act('Stop', (m) => m.stop());
    });
    this.body.append(
      h('div', { class: 'row' }, labelled('power', this.power), this.powerValue, this.stop),
      h('div', { class: 'row' }, labelled('rpm', this.rpm), labelled('revolutions', this.revs), this.go),
      h('dl', { class: 'kv' },
        h('dt', {}, 'position'), h('dd', {}, this.position, ' rev'),
        h('dt', {}, 'state'), h('dd', {}, this.moving),
        h('dt', {}, 'powered'), h('dd', {}, this.powered)),
    );
  }

  protected makeClient(robot: RobotClient): MotorClient {
    return new MotorClient(robot, this.id.name);
  }

  protected async bound(): Promise<void> {
    this.positionSupported = true;
    this.poweredSupported = true;
  }

  protected async refresh(): Promise<void> {
    const motor = this.client!;
    this.moving.textContent = (await motor.isMoving()) ? 'moving' : 'stopped';
    if (this.positionSupported) {
      try {
        this.position.textContent = num(await motor.getPosition());
      } catch (error) {
        if (errorCode(error) !== Code.Unimplemented) throw error;
        this.positionSupported = false;
        this.position.textContent = 'n/a';
      }
    }
    if (this.poweredSupported) {
      try {
        const [on, pct] = await motor.isPowered();
        this.powered.textContent = on ? `yes, ${num(pct * 100, 0)} %` : 'no';
        // The slider shows the motor's power unless the user is using it.
        if (Date.now() - this.touchedAt > 2000 && !this.sending) this.setSlider(on ? pct : 0);
      } catch (error) {
        if (errorCode(error) !== Code.Unimplemented) throw error;
        this.poweredSupported = false;
        this.powered.textContent = 'n/a';
      }
    }
  }

  stopped(): void {
    this.touchedAt = 0;
    this.pendingPower = undefined;
    this.setSlider(0);
  }

  private setSlider(power: number): void {
    this.power.value = String(power);
    this.powerValue.textContent = num(Number(this.power.value), 2);
  }

  private sendPower(power: number): void {
    this.pendingPower = power;
    if (this.sending) return;
    this.sending = true;
    void (async () => {
      while (this.pendingPower !== undefined) {
        const next = this.pendingPower;
        this.pendingPower = undefined;
        await this.act('SetPower', (m) => m.setPower(next));
      }
      this.sending = false;
    })();
  }
}
