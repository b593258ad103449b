// Gripper: Open, Grab, Stop; whether it holds something, moving state.

import { Code, GripperClient, type RobotClient } from '@viamrobotics/sdk';
import { errorCode, h } from '../dom';
import { Card } from './card';

/**
 * The SDK's gripper client (0.61.1) has no IsHoldingSomething; the robot
 * client's own GripperService client has every RPC of the API.
 */
class Gripper extends GripperClient {
  constructor(
    private readonly robot: RobotClient,
    name: string,
  ) {
    super(robot, name);
  }

  async isHoldingSomething() {
    return this.robot.gripperService.isHoldingSomething({ name: this.name });
  }
}

export class GripperCard extends Card<Gripper> {
  protected interval = 500;
  private readonly open = h('button', { type: 'button', testid: 'open' }, 'Open');
  private readonly grab = h('button', { type: 'button', testid: 'grab' }, 'Grab');
  private readonly stop = h('button', { type: 'button', class: 'stop', testid: 'stop' }, 'Stop');
  private readonly holding = h('span', { testid: 'holding' });
  private readonly holdingMeta = h('span', { class: 'readout', testid: 'holding-meta' });
  private readonly moving = h('span', { testid: 'moving' });
  private holdingSupported = true;

  constructor(...args: ConstructorParameters<typeof Card>) {
    super(...args);
    // Open and Grab resolve when the jaws stop.
    this.open.addEventListener('click', () => {
      void this.act('Open', (g) => g.open());
    });
    this.grab.addEventListener('click', () => {
      void this.act('Grab', (g) => g.grab());
    });
    this.stop.addEventListener('click', () => {
      void this.act('Stop', (g) => g.stop());
    });
    this.body.append(
      h('div', { class: 'row' }, this.open, this.grab, this.stop),
      h('dl', { class: 'kv' },
        h('dt', {}, 'holding'), h('dd', {}, this.holding, ' ', this.holdingMeta),
        h('dt', {}, 'state'), h('dd', {}, this.moving)),
    );
  }

  protected makeClient(robot: RobotClient): Gripper {
    return new Gripper(robot, this.id.name);
  }

  protected async bound(): Promise<void> {
    this.holdingSupported = true;
  }

  protected async refresh(): Promise<void> {
    const gripper = this.client!;
    this.moving.textContent = (await gripper.isMoving()) ? 'moving' : 'stopped';
    if (this.holdingSupported) {
      try {
        const held = await gripper.isHoldingSomething();
        this.holding.textContent = held.isHoldingSomething ? 'yes' : 'no';
        const meta = held.meta?.toJson();
        this.holdingMeta.textContent =
          meta && typeof meta === 'object' && Object.keys(meta).length > 0 ? JSON.stringify(meta) : '';
      } catch (error) {
        if (errorCode(error) !== Code.Unimplemented) throw error;
        this.holdingSupported = false;
        this.holding.textContent = 'n/a';
        this.holdingMeta.textContent = '';
      }
    }
  }
}
