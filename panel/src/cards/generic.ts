// Generic components and services, and any API the panel has no card for:
// the DoCommand box every card has; and, for a resource that answers
// DoCommand {"command": "status"} with a map (the examples' logic services,
// follow-color among them), that status, live.

import {
  GenericComponentClient,
  GenericServiceClient,
  Struct,
  commonApi,
  type JsonValue,
  type RobotClient,
} from '@viamrobotics/sdk';
import { h } from '../dom';
import { Card, apiOf, type Commandable } from './card';

const STATUS = { command: 'status' };
const ASK_AGAIN_MS = 10_000;

export class GenericCard extends Card {
  private readonly status = h('dl', { class: 'status', testid: 'status' });
  private hasStatus = false;
  private askedAt = -Infinity;

  constructor(...args: ConstructorParameters<typeof Card>) {
    super(...args);
    this.status.hidden = true;
    this.body.append(this.status);
  }

  protected async bound(): Promise<void> {
    this.hasStatus = false;
    this.askedAt = -Infinity;
  }

  protected async refresh(): Promise<void> {
    if (this.hasStatus) {
      this.show(await this.client!.doCommand(Struct.fromJson(STATUS)));
      return;
    }
    // A resource that refuses the command has no status to show; asked
    // again now and then, in case it was only not ready yet.
    if (performance.now() - this.askedAt < ASK_AGAIN_MS) return;
    this.askedAt = performance.now();
    try {
      this.show(await this.client!.doCommand(Struct.fromJson(STATUS)));
      this.hasStatus = true;
    } catch {
      this.status.hidden = true;
    }
  }

  private show(answer: JsonValue): void {
    if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) {
      throw new Error('the status is not a map');
    }
    this.status.replaceChildren(
      ...Object.entries(answer).flatMap(([key, value]) => [
        h('dt', {}, key),
        h('dd', { testid: `status-${key}` }, typeof value === 'string' ? value : JSON.stringify(value)),
      ]),
    );
    this.status.hidden = false;
  }

  protected makeClient(robot: RobotClient): Commandable {
    const { type, subtype, name } = this.id;
    if (subtype === 'generic') {
      return type === 'service' ? new GenericServiceClient(robot, name) : new GenericComponentClient(robot, name);
    }
    return new AnyApiClient(robot, name, this.ctx.protoService(apiOf(this.id)));
  }
}

type ServiceType = Parameters<RobotClient['createServiceClient']>[0];

/**
 * DoCommand on the proto service that ResourceRPCSubtypes names for the API
 * (every Viam resource service has `DoCommand(common.v1.DoCommandRequest)`),
 * through the SDK's transport. The service description is made here because
 * the SDK has none for an API it does not know.
 */
class AnyApiClient implements Commandable {
  constructor(
    private readonly robot: RobotClient,
    private readonly name: string,
    private readonly service: string | undefined,
  ) {}

  async doCommand(command: Struct): Promise<JsonValue> {
    if (!this.service) throw new Error('the host names no gRPC service for this API (ResourceRPCSubtypes)');
    const service = {
      typeName: this.service,
      methods: {
        doCommand: {
          name: 'DoCommand',
          I: commonApi.DoCommandRequest,
          O: commonApi.DoCommandResponse,
          kind: 0, // MethodKind.Unary
        },
      },
    } as unknown as ServiceType;
    const client = this.robot.createServiceClient(service) as unknown as {
      doCommand(request: commonApi.DoCommandRequest): Promise<commonApi.DoCommandResponse>;
    };
    const response = await client.doCommand(new commonApi.DoCommandRequest({ name: this.name, command }));
    return response.result?.toJson() ?? {};
  }
}
