// Gantry: per axis its position, length and a target; Move (all axes to
// their targets at one speed), Home, Stop; moving state.

import { GantryClient, type RobotClient } from '@viamrobotics/sdk';
import { h, inputNumber, labelled, num } from '../dom';
import { Card } from './card';

interface Axis {
  position: HTMLElement;
  length: HTMLElement;
  target: HTMLInputElement;
}

export class GantryCard extends Card<GantryClient> {
  protected interval = 500;
  private readonly axesEl = h('div', { class: 'axes', testid: 'axes' });
  private readonly speed = h('input', { type: 'number', min: 0, step: 'any', value: 100, testid: 'speed' });
  private readonly move = h('button', { type: 'button', testid: 'move' }, 'Move');
  private readonly home = h('button', { type: 'button', testid: 'home' }, 'Home');
  private readonly stop = h('button', { type: 'button', class: 'stop', testid: 'stop' }, 'Stop');
  private readonly moving = h('span', { testid: 'moving' });
  private axes: Axis[] = [];
  /** Lengths are read once per connection. */
  private lengthsRead = false;

  constructor(...args: ConstructorParameters<typeof Card>) {
    super(...args);
    this.move.addEventListener('click', () => {
      void this.act('MoveToPosition', async (g) => {
        if (this.axes.length === 0) throw new Error('the axes are not read yet');
        const targets = this.axes.map((a, i) => inputNumber(a.target, `the target of axis ${i}`));
        const speed = inputNumber(this.speed, 'the speed');
        // Resolves when every axis is there (or stopped).
        await g.moveToPosition(targets, targets.map(() => speed));
      });
    });
    this.home.addEventListener('click', () => {
      void this.act('Home', (g) => g.home());
    });
    this.stop.addEventListener('click', () => {
      void this.act('Stop', (g) => g.stop());
    });
    this.body.append(
      this.axesEl,
      h('div', { class: 'row' }, labelled('mm/s', this.speed), this.move, this.home, this.stop),
      h('dl', { class: 'kv' }, h('dt', {}, 'state'), h('dd', {}, this.moving)),
    );
  }

  protected makeClient(robot: RobotClient): GantryClient {
    return new GantryClient(robot, this.id.name);
  }

  protected async bound(): Promise<void> {
    this.lengthsRead = false;
  }

  protected async refresh(): Promise<void> {
    const gantry = this.client!;
    const [positions, moving] = await Promise.all([gantry.getPosition(), gantry.isMoving()]);
    if (positions.length !== this.axes.length) {
      this.makeAxes(positions);
      this.lengthsRead = false;
    }
    if (!this.lengthsRead) {
      const lengths = await gantry.getLengths();
      this.axes.forEach((a, i) => {
        const length = lengths[i];
        a.length.textContent = length === undefined ? 'n/a' : num(length, 1);
        if (length !== undefined) a.target.max = String(length);
      });
      this.lengthsRead = true;
    }
    positions.forEach((p, i) => {
      this.axes[i]!.position.textContent = num(p, 1);
    });
    this.moving.textContent = moving ? 'moving' : 'stopped';
  }

  /** A row per axis; the targets start at the axes' positions. */
  private makeAxes(positions: number[]): void {
    this.axes = positions.map((p, i) => ({
      position: h('span', { class: 'value', testid: `position-${i}` }),
      length: h('span', { testid: `length-${i}` }),
      target: h('input', { type: 'number', min: 0, step: 'any', value: num(p, 1), testid: `target-${i}` }),
    }));
    this.axesEl.replaceChildren(
      ...this.axes.map((a, i) =>
        h('div', { class: 'row', 'data-axis': i },
          h('span', { class: 'label' }, `axis ${i}`),
          h('span', {}, a.position, ' / ', a.length, ' mm'),
          labelled('target', a.target)),
      ),
    );
  }
}
