import { Controller, type Type } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { PingRequest, SystemSubjects, type PingResponse, type ServiceName } from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';

/** The `<service>.system.ping` handler every service answers; the gateway's system info uses it. */
export function createSystemController(name: ServiceName, version: string): Type<unknown> {
  const started = Date.now();

  @Controller()
  class SystemController {
    @BusHandler(SystemSubjects[name].ping)
    ping(@Payload() request: PingRequest): PingResponse {
      return { name, version, uptimeSeconds: Math.round((Date.now() - started) / 1000), echo: request.echo };
    }
  }
  return SystemController;
}
