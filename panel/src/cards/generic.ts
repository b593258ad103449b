// Generic components and services, and any API the panel has no card for:
// the DoCommand box every card has; and, when asked with "watch status",
// the live answer to DoCommand {"command": "status"} (the examples' logic
// services, follow-color among them, answer it with a map). Never sent
// unasked: what a DoCommand does is the model's business.

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

export class GenericCard extends Card {
  private readonly status = h('dl', { class: 'status', testid: 'status' });
  private readonly watch = h('input', { type: 'checkbox', testid: 'watch-status' });

  constructor(...args: ConstructorParameters<typeof Card>) {
    super(...args);
    this.status.hidden = true;
    this.watch.addEventListener('change', () => {
      this.status.hidden = true;
      if (this.watch.checked) this.refreshSoon();
    });
    this.body.append(h('label', { class: 'readout' }, this.watch, ' watch status'), this.status);
  }

  protected async refresh(): Promise<void> {
    if (this.watch.checked) this.show(await this.client!.doCommand(Struct.fromJson(STATUS)));
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
