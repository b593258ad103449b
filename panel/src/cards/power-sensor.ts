// Power sensor: voltage and current (each AC or DC) and power. A reading
// answering UNIMPLEMENTED is shown as n/a and not asked again on this
// connection.

import { Code, PowerSensorClient, type RobotClient } from '@viamrobotics/sdk';
import { errorCode, errorText, h, num } from '../dom';
import { Card } from './card';

type Reading = 'voltage' | 'current' | 'power';
const READINGS: Reading[] = ['voltage', 'current', 'power'];

export class PowerSensorCard extends Card<PowerSensorClient> {
  private readonly voltage = h('span', { class: 'value', testid: 'voltage' });
  private readonly voltageType = h('span', { testid: 'voltage-type' });
  private readonly current = h('span', { class: 'value', testid: 'current' });
  private readonly currentType = h('span', { testid: 'current-type' });
  private readonly power = h('span', { class: 'value', testid: 'power' });
  private active = new Set(READINGS);

  constructor(...args: ConstructorParameters<typeof Card>) {
    super(...args);
    this.body.append(
      h('dl', { class: 'kv' },
        h('dt', {}, 'voltage'), h('dd', {}, this.voltage, ' V ', this.voltageType),
        h('dt', {}, 'current'), h('dd', {}, this.current, ' A ', this.currentType),
        h('dt', {}, 'power'), h('dd', {}, this.power, ' W')),
    );
  }

  protected makeClient(robot: RobotClient): PowerSensorClient {
    return new PowerSensorClient(robot, this.id.name);
  }

  protected async bound(): Promise<void> {
    this.active = new Set(READINGS);
  }

  protected async refresh(): Promise<void> {
    const sensor = this.client!;
    const reads: Record<Reading, () => Promise<void>> = {
      voltage: async () => {
        const [volts, ac] = await sensor.getVoltage();
        this.voltage.textContent = num(volts);
        this.voltageType.textContent = ac ? 'AC' : 'DC';
      },
      current: async () => {
        const [amperes, ac] = await sensor.getCurrent();
        this.current.textContent = num(amperes);
        this.currentType.textContent = ac ? 'AC' : 'DC';
      },
      power: async () => {
        this.power.textContent = num(await sensor.getPower());
      },
    };
    const asked = [...this.active];
    const results = await Promise.allSettled(asked.map((r) => reads[r]()));
    const failures: string[] = [];
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') return;
      const reading = asked[i]!;
      if (errorCode(result.reason) === Code.Unimplemented) {
        this.active.delete(reading);
        const [value, type] = this.readouts(reading);
        value.textContent = 'n/a';
        if (type) type.textContent = '';
      } else {
        failures.push(`${reading}: ${errorText(result.reason)}`);
      }
    });
    if (failures.length > 0) throw new Error(failures.join('; '));
  }

  /** A reading's value and AC/DC readouts. */
  private readouts(reading: Reading): [HTMLElement, HTMLElement | undefined] {
    switch (reading) {
      case 'voltage':
        return [this.voltage, this.voltageType];
      case 'current':
        return [this.current, this.currentType];
      case 'power':
        return [this.power, undefined];
    }
  }
}
