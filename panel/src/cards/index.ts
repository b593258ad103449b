// The card for a resource, by its API subtype.

import { ArmCard } from './arm';
import { BaseCard } from './base';
import { BoardCard } from './board';
import { ButtonCard } from './button';
import { CameraCard } from './camera';
import { Card, type CardContext, type ResourceId } from './card';
import { EncoderCard } from './encoder';
import { GantryCard } from './gantry';
import { GenericCard } from './generic';
import { GripperCard } from './gripper';
import { MotorCard } from './motor';
import { MovementSensorCard } from './movement-sensor';
import { PowerSensorCard } from './power-sensor';
import { SensorCard } from './sensor';
import { ServoCard } from './servo';
import { SwitchCard } from './switch';
import { VisionCard } from './vision';

const COMPONENT_CARDS: Record<string, new (id: ResourceId, ctx: CardContext) => Card> = {
  sensor: SensorCard,
  camera: CameraCard,
  motor: MotorCard,
  servo: ServoCard,
  board: BoardCard,
  encoder: EncoderCard,
  movement_sensor: MovementSensorCard,
  arm: ArmCard,
  base: BaseCard,
  gripper: GripperCard,
  gantry: GantryCard,
  power_sensor: PowerSensorCard,
  switch: SwitchCard,
  button: ButtonCard,
};

const SERVICE_CARDS: Record<string, new (id: ResourceId, ctx: CardContext) => Card> = {
  vision: VisionCard,
};

export function createCard(id: ResourceId, ctx: CardContext): Card {
  const cards = id.type === 'component' ? COMPONENT_CARDS : SERVICE_CARDS;
  const kind = (id.namespace === 'rdk' && cards[id.subtype]) || GenericCard;
  return new kind(id, ctx);
}

/** The order of API groups on the page; others follow, sorted. */
export const API_ORDER = [
  'rdk:component:sensor',
  'rdk:component:movement_sensor',
  'rdk:component:camera',
  'rdk:component:motor',
  'rdk:component:servo',
  'rdk:component:encoder',
  'rdk:component:board',
  'rdk:component:arm',
  'rdk:component:gantry',
  'rdk:component:gripper',
  'rdk:component:base',
  'rdk:component:power_sensor',
  'rdk:component:switch',
  'rdk:component:button',
  'rdk:component:generic',
  'rdk:service:vision',
  'rdk:service:generic',
];
