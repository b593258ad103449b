// Sensor: GetReadings, refreshed every second.

import { SensorClient, type JsonValue, type RobotClient } from '@viamrobotics/sdk';
import { h } from '../dom';
import { Card } from './card';

export class SensorCard extends Card<SensorClient> {
  private updates = 0;
  private readonly readings = h('code', { class: 'readings', testid: 'readings', 'data-updated': 0 });
  private readonly table = h('dl', { class: 'kv' });

  constructor(...args: ConstructorParameters<typeof Card>) {
    super(...args);
    this.body.append(this.table, this.readings);
  }

  protected makeClient(robot: RobotClient): SensorClient {
    return new SensorClient(robot, this.id.name);
  }

  protected async refresh(): Promise<void> {
    const readings = await this.client!.getReadings();
    this.readings.textContent = JSON.stringify(readings);
    this.readings.dataset.updated = String(++this.updates);
    this.table.replaceChildren(
      ...Object.entries(readings).flatMap(([key, value]) => [h('dt', {}, key), h('dd', {}, show(value))]),
    );
  }
}

function show(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
