import { Injectable } from '@nestjs/common';
import { SERVICE_NAMES, SystemSubjects, type ServiceName } from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { platformVersion } from '@northstar/service-runtime';
import { GatewayConfig } from '../config';
import type { ServiceStatusDto, SystemInfoDto } from './system-info.dto';

@Injectable()
export class SystemService {
  private readonly version = platformVersion();

  constructor(
    private readonly bus: BusClient,
    private readonly config: GatewayConfig,
  ) {}

  /** Pings every service at once; one that does not answer in time is reported down. */
  async info(): Promise<SystemInfoDto> {
    const services = await Promise.all(SERVICE_NAMES.map((name) => this.ping(name)));
    return { version: this.version, services };
  }

  private async ping(name: ServiceName): Promise<ServiceStatusDto> {
    const started = performance.now();
    try {
      const pong = await this.bus.send(
        SystemSubjects[name].ping,
        {},
        { timeoutMs: this.config.SYSTEM_PING_TIMEOUT_MS },
      );
      return {
        name,
        status: 'up',
        version: pong.version,
        latencyMs: Math.round((performance.now() - started) * 100) / 100,
      };
    } catch {
      return { name, status: 'down', version: null, latencyMs: null };
    }
  }
}
