// The official Viam TypeScript SDK (@viamrobotics/sdk) from Node against an
// armature host, over plain gRPC on HTTP/2 without TLS (h2c).
//
//   node tests/node/ts-sdk.mjs http://localhost:PORT
//
// Connects, lists the resources, makes one call per API found on the demo
// machine and prints ONE JSON object on stdout with what it got. Any failure
// exits non-zero with a message on stderr naming the call.
//
// SDK facts this relies on (@viamrobotics/sdk 0.61.1, see
// shared/spec/viam-wire.md §7):
// - In the browser the SDK speaks gRPC-Web; from Node it takes its transport
//   from globalThis.VIAM.GRPC_TRANSPORT_FACTORY, here connect-node's gRPC
//   transport over HTTP/2 (connect v1, as the SDK's own @connectrpc/connect).
// - A direct dial refuses a host without the substring "local", so the
//   address must be http://localhost:PORT, not http://127.0.0.1:PORT.
// - createRobotClient() rejects after a successful direct dial (it checks a
//   WebRTC peer connection's state); new RobotClient() + dial() works.

import { createGrpcTransport } from '@connectrpc/connect-node';
import {
  ArmClient,
  BaseClient,
  BoardClient,
  ButtonClient,
  CameraClient,
  DataManagerClient,
  EncoderClient,
  GantryClient,
  GenericComponentClient,
  GenericServiceClient,
  GripperClient,
  MotorClient,
  MovementSensorClient,
  PowerSensorClient,
  RobotClient,
  SensorClient,
  ServoClient,
  Struct,
  SwitchClient,
} from '@viamrobotics/sdk';

// stdout carries only the result: the SDK's console logging goes to stderr.
for (const level of ['log', 'info', 'debug', 'warn']) console[level] = (...args) => console.error(...args);

globalThis.VIAM = {
  GRPC_TRANSPORT_FACTORY: (options) => createGrpcTransport({ httpVersion: '2', ...options }),
};

const address = process.argv[2];
if (!address || !/^https?:\/\//.test(address)) {
  console.error('usage: node ts-sdk.mjs http://localhost:PORT');
  process.exit(2);
}

// Runs one SDK call; on failure says which one and exits.
async function step(what, call) {
  try {
    return await call();
  } catch (error) {
    const code = error?.code !== undefined ? ` (code ${error.code})` : '';
    // dial() wraps the reasons in `cause` ("Failed to connect via all methods").
    const causes = [error?.cause].flat().filter(Boolean).map((c) => c?.message ?? String(c));
    const because = causes.length > 0 ? ` (${causes.join('; ')})` : '';
    console.error(`ts-sdk: ${what} failed${code}: ${error?.message ?? error}${because}`);
    process.exit(1);
  }
}

// Width and height from a JPEG's SOFn segment or a PNG's IHDR chunk.
function imageSize(bytes) {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    let i = 2;
    while (i + 9 < bytes.length) {
      if (bytes[i] !== 0xff) return null;
      const marker = bytes[i + 1];
      const length = (bytes[i + 2] << 8) | bytes[i + 3];
      const isSof = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
      if (isSof) {
        return { height: (bytes[i + 5] << 8) | bytes[i + 6], width: (bytes[i + 7] << 8) | bytes[i + 8] };
      }
      i += 2 + length;
    }
  }
  return null;
}

const fullName = (r) => `${r.namespace}:${r.type}:${r.subtype}/${r.name}`;

const robot = new RobotClient();
await step(`dial ${address}`, () => robot.dial({ host: address, noReconnect: true, dialTimeout: 10_000 }));

const names = await step('ResourceNames', () => robot.resourceNames());
const out = { resources: names.map(fullName).sort() };

// The resource of each API to call: the demo machine's name if present,
// otherwise the first of that API.
function pick(type, subtype, preferred) {
  const candidates = names
    .filter((r) => r.type === type && r.subtype === subtype)
    .map((r) => r.name)
    .sort();
  return candidates.includes(preferred) ? preferred : candidates[0];
}

const sensor = pick('component', 'sensor', 'temp-1');
if (sensor) {
  const readings = await step(`sensor ${sensor} getReadings`, () => new SensorClient(robot, sensor).getReadings());
  out.sensor = { name: sensor, readings };
}

const camera = pick('component', 'camera', 'cam-1');
if (camera) {
  const { images } = await step(`camera ${camera} getImages`, () => new CameraClient(robot, camera).getImages());
  if (images.length === 0) {
    console.error(`ts-sdk: camera ${camera} getImages returned no image`);
    process.exit(1);
  }
  const [first] = images;
  out.camera = {
    name: camera,
    count: images.length,
    source: first.sourceName,
    mime: first.mimeType,
    bytes: first.image.length,
    ...imageSize(first.image),
  };
}

const motor = pick('component', 'motor', 'motor-1');
if (motor) {
  const client = new MotorClient(robot, motor);
  out.motor = {
    name: motor,
    isMoving: await step(`motor ${motor} isMoving`, () => client.isMoving()),
    position: await step(`motor ${motor} getPosition`, () => client.getPosition()),
  };
}

const servo = pick('component', 'servo', 'servo-1');
if (servo) {
  const position = await step(`servo ${servo} getPosition`, () => new ServoClient(robot, servo).getPosition());
  out.servo = { name: servo, position };
}

const board = pick('component', 'board', 'board-1');
if (board) {
  const high = await step(`board ${board} getGPIO 11`, () => new BoardClient(robot, board).getGPIO('11'));
  out.board = { name: board, pin: '11', high };
}

const encoder = pick('component', 'encoder', 'encoder-1');
if (encoder) {
  const [position, type] = await step(`encoder ${encoder} getPosition`, () =>
    new EncoderClient(robot, encoder).getPosition(),
  );
  out.encoder = { name: encoder, position, positionType: type };
}

const movement = pick('component', 'movement_sensor', 'gps-1');
if (movement) {
  const client = new MovementSensorClient(robot, movement);
  const position = await step(`movement sensor ${movement} getPosition`, () => client.getPosition());
  const heading = await step(`movement sensor ${movement} getCompassHeading`, () => client.getCompassHeading());
  out.movement_sensor = {
    name: movement,
    latitude: position.coordinate?.latitude,
    longitude: position.coordinate?.longitude,
    altitude: position.altitudeM,
    compassHeading: heading,
  };
}

// The APIs of contract 0.2.0: one method each.
const arm = pick('component', 'arm', 'arm-1');
if (arm) {
  const joints = await step(`arm ${arm} getJointPositions`, () => new ArmClient(robot, arm).getJointPositions());
  out.arm = { name: arm, joints: joints.values };
}

const base = pick('component', 'base', 'base-1');
if (base) {
  const properties = await step(`base ${base} getProperties`, () => new BaseClient(robot, base).getProperties());
  out.base = { name: base, widthMeters: properties.widthMeters };
}

const gripper = pick('component', 'gripper', 'gripper-1');
if (gripper) {
  const moving = await step(`gripper ${gripper} isMoving`, () => new GripperClient(robot, gripper).isMoving());
  out.gripper = { name: gripper, isMoving: moving };
}

const gantry = pick('component', 'gantry', 'gantry-1');
if (gantry) {
  const lengths = await step(`gantry ${gantry} getLengths`, () => new GantryClient(robot, gantry).getLengths());
  out.gantry = { name: gantry, lengths };
}

const power = pick('component', 'power_sensor', 'power-1');
if (power) {
  const [volts, isAc] = await step(`power sensor ${power} getVoltage`, () =>
    new PowerSensorClient(robot, power).getVoltage(),
  );
  out.power_sensor = { name: power, volts, isAc };
}

const selector = pick('component', 'switch', 'switch-1');
if (selector) {
  const [count, labels] = await step(`switch ${selector} getNumberOfPositions`, () =>
    new SwitchClient(robot, selector).getNumberOfPositions(),
  );
  out.switch = { name: selector, count, labels };
}

const button = pick('component', 'button', 'button-1');
if (button) {
  const client = new ButtonClient(robot, button);
  await step(`button ${button} push`, () => client.push());
  const reply = await step(`button ${button} doCommand`, () => client.doCommand(Struct.fromJson({ get_pushes: true })));
  out.button = { name: button, pushes: reply.pushes };
}

const generic = pick('component', 'generic', 'counter-1');
if (generic) {
  const reply = await step(`generic component ${generic} doCommand`, () =>
    new GenericComponentClient(robot, generic).doCommand(Struct.fromJson({ command: 'get' })),
  );
  out.generic = { name: generic, reply };
}

const service = pick('service', 'generic', 'alerts');
if (service) {
  const reply = await step(`generic service ${service} doCommand`, () =>
    new GenericServiceClient(robot, service).doCommand(Struct.fromJson({ command: 'get_alerts' })),
  );
  out.generic_service = { name: service, reply };
}

const dataManager = pick('service', 'data_manager', 'data');
if (dataManager) {
  const client = new DataManagerClient(robot, dataManager);
  await step(`data manager ${dataManager} sync`, () => client.sync());
  const status = await step(`data manager ${dataManager} doCommand status`, () =>
    client.doCommand(Struct.fromJson({ command: 'status' })),
  );
  out.data_manager = { name: dataManager, collectors: status.collectors.length };
}

process.stdout.write(`${JSON.stringify(out)}\n`);
// The SDK's connection heartbeat keeps a timer going: leave explicitly.
await robot.disconnect().catch(() => {});
process.exit(0);
