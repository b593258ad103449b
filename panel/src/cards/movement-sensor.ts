// Movement sensor: whichever of position, velocities, compass heading and
// orientation its properties say it supports; a field answering
// UNIMPLEMENTED is shown as n/a and not asked again on this connection.

import { Code, MovementSensorClient, type RobotClient } from '@viamrobotics/sdk';
import { errorCode, h, num } from '../dom';
import { Card } from './card';

type Vec = { x: number; y: number; z: number };
const vec = (v: Vec, unit: string) => `${num(v.x)}, ${num(v.y)}, ${num(v.z)} ${unit}`;

interface Field {
  key: string;
  label: string;
  supported: (p: Awaited<ReturnType<MovementSensorClient['getProperties']>>) => boolean;
  read: (m: MovementSensorClient) => Promise<string>;
}

const FIELDS: Field[] = [
  {
    key: 'position',
    label: 'position',
    supported: (p) => p.positionSupported,
    read: async (m) => {
      const p = await m.getPosition();
      return `${num(p.coordinate?.latitude ?? NaN, 6)}, ${num(p.coordinate?.longitude ?? NaN, 6)}, ${num(p.altitudeM)} m`;
    },
  },
  {
    key: 'linear-velocity',
    label: 'linear velocity',
    supported: (p) => p.linearVelocitySupported,
    read: async (m) => vec(await m.getLinearVelocity(), 'm/s'),
  },
  {
    key: 'angular-velocity',
    label: 'angular velocity',
    supported: (p) => p.angularVelocitySupported,
    read: async (m) => vec(await m.getAngularVelocity(), '°/s'),
  },
  {
    key: 'compass',
    label: 'compass heading',
    supported: (p) => p.compassHeadingSupported,
    read: async (m) => `${num(await m.getCompassHeading(), 1)}°`,
  },
  {
    key: 'orientation',
    label: 'orientation',
    supported: (p) => p.orientationSupported,
    read: async (m) => {
      const o = await m.getOrientation();
      return `o ${num(o.oX)}, ${num(o.oY)}, ${num(o.oZ)} θ ${num(o.theta, 1)}°`;
    },
  },
];

export class MovementSensorCard extends Card<MovementSensorClient> {
  private readonly values = new Map(FIELDS.map((f) => [f.key, h('dd', { testid: `ms-${f.key}` }, '…')]));
  private active = new Set<Field>(FIELDS);

  constructor(...args: ConstructorParameters<typeof Card>) {
    super(...args);
    this.body.append(h('dl', { class: 'kv' }, ...FIELDS.flatMap((f) => [h('dt', {}, f.label), this.values.get(f.key)!])));
  }

  protected makeClient(robot: RobotClient): MovementSensorClient {
    return new MovementSensorClient(robot, this.id.name);
  }

  protected async bound(): Promise<void> {
    this.active = new Set(FIELDS);
    try {
      const props = await this.client!.getProperties();
      this.active = new Set(FIELDS.filter((f) => f.supported(props)));
    } catch {
      // Without properties, ask for everything and drop what is unimplemented.
    }
    for (const f of FIELDS) if (!this.active.has(f)) this.values.get(f.key)!.textContent = 'n/a';
  }

  protected async refresh(): Promise<void> {
    const sensor = this.client!;
    const fields = [...this.active];
    const results = await Promise.allSettled(fields.map((f) => f.read(sensor)));
    const failures: string[] = [];
    results.forEach((result, i) => {
      const field = fields[i]!;
      const cell = this.values.get(field.key)!;
      if (result.status === 'fulfilled') {
        cell.textContent = result.value;
      } else if (errorCode(result.reason) === Code.Unimplemented) {
        this.active.delete(field);
        cell.textContent = 'n/a';
      } else {
        failures.push(`${field.label}: ${String((result.reason as Error)?.message ?? result.reason)}`);
      }
    });
    if (failures.length > 0) throw new Error(failures.join('; '));
  }
}
