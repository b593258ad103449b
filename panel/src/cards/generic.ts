// Generic components and services, and any API the panel has no card for:
// only the DoCommand box every card has.

import {
  GenericComponentClient,
  GenericServiceClient,
  Struct,
  commonApi,
  type JsonValue,
  type RobotClient,
} from '@viamrobotics/sdk';
import { Card, apiOf, type Commandable } from './card';

export class GenericCard extends Card {
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
