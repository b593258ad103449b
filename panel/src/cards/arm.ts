// Arm: a row per joint (its position, and jog buttons that move that joint
// by the step with MoveToJointPositions), the end pose, moving state, Stop.

import { ArmClient, Code, type RobotClient } from '@viamrobotics/sdk';
import { errorCode, h, inputNumber, labelled, num } from '../dom';
import { Card } from './card';

export class ArmCard extends Card<ArmClient> {
  protected interval = 500;
  private readonly step = h('input', { type: 'number', min: 0, step: 'any', value: 10, testid: 'jog-step' });
  private readonly stop = h('button', { type: 'button', class: 'stop', testid: 'stop' }, 'Stop');
  private readonly joints = h('div', { class: 'joints', testid: 'joints' });
  private readonly x = h('span', { testid: 'pose-x' });
  private readonly y = h('span', { testid: 'pose-y' });
  private readonly z = h('span', { testid: 'pose-z' });
  private readonly orientation = h('span', { testid: 'orientation' });
  private readonly moving = h('span', { testid: 'moving' });
  /** The joint position readouts, one per joint. */
  private values: HTMLElement[] = [];
  /** The joint positions last read. */
  private positions: number[] = [];
  /** Where the last jog sends the joints: jogs made during its motion add up from there. */
  private target: number[] | undefined;
  private poseSupported = true;

  constructor(...args: ConstructorParameters<typeof Card>) {
    super(...args);
    this.stop.addEventListener('click', () => {
      this.target = undefined;
      void this.act('Stop', (a) => a.stop());
    });
    this.body.append(
      this.joints,
      h('div', { class: 'row' }, labelled('step °', this.step), this.stop),
      h('dl', { class: 'kv' },
        h('dt', {}, 'end x, y, z'), h('dd', {}, this.x, ', ', this.y, ', ', this.z, ' mm'),
        h('dt', {}, 'orientation'), h('dd', {}, this.orientation),
        h('dt', {}, 'state'), h('dd', {}, this.moving)),
    );
  }

  protected makeClient(robot: RobotClient): ArmClient {
    return new ArmClient(robot, this.id.name);
  }

  protected async bound(): Promise<void> {
    this.poseSupported = true;
    this.target = undefined;
  }

  protected async refresh(): Promise<void> {
    const arm = this.client!;
    // Read together, shown together: the joints and the pose they give.
    const [joints, moving, pose] = await Promise.all([arm.getJointPositions(), arm.isMoving(), this.readPose(arm)]);
    this.showJoints(joints.values);
    this.moving.textContent = moving ? 'moving' : 'stopped';
    if (pose) {
      this.x.textContent = num(pose.x, 1);
      this.y.textContent = num(pose.y, 1);
      this.z.textContent = num(pose.z, 1);
      this.orientation.textContent = `o ${num(pose.oX)}, ${num(pose.oY)}, ${num(pose.oZ)} θ ${num(pose.theta, 1)}°`;
    } else {
      for (const el of [this.x, this.y, this.z, this.orientation]) el.textContent = 'n/a';
    }
  }

  /** The end pose; undefined (and not asked again on this connection) if the arm has none. */
  private async readPose(arm: ArmClient) {
    if (!this.poseSupported) return undefined;
    try {
      return await arm.getEndPosition();
    } catch (error) {
      if (errorCode(error) !== Code.Unimplemented) throw error;
      this.poseSupported = false;
      return undefined;
    }
  }

  stopped(): void {
    this.target = undefined;
  }

  private showJoints(positions: number[]): void {
    this.positions = positions;
    if (positions.length !== this.values.length) {
      this.values = positions.map((_, i) => h('span', { class: 'value', testid: `joint-${i}` }));
      this.joints.replaceChildren(
        ...positions.map((_, i) => {
          const minus = h('button', { type: 'button', testid: `jog-${i}-minus`, title: `joint ${i} − step` }, '−');
          const plus = h('button', { type: 'button', testid: `jog-${i}-plus`, title: `joint ${i} + step` }, '+');
          minus.addEventListener('click', () => void this.jog(i, -1));
          plus.addEventListener('click', () => void this.jog(i, 1));
          return h('div', { class: 'row', 'data-joint': i },
            h('span', { class: 'label' }, `joint ${i}`), h('span', {}, this.values[i]!, '°'), minus, plus);
        }),
      );
    }
    positions.forEach((p, i) => {
      this.values[i]!.textContent = num(p, 2);
    });
  }

  /** Moves joint `i` by the step, the others staying where they are (or are headed). */
  private async jog(i: number, sign: number): Promise<void> {
    await this.act('MoveToJointPositions', async (a) => {
      const step = inputNumber(this.step, 'the step');
      const from = this.target ?? this.positions;
      if (from.length <= i) throw new Error('the joint positions are not read yet');
      const to = [...from];
      to[i] = to[i]! + sign * step;
      this.target = to;
      try {
        // Resolves when the arm gets there (or is stopped).
        await a.moveToJointPositions(to);
      } finally {
        if (this.target === to) this.target = undefined;
      }
    });
  }
}
