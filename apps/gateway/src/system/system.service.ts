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

  private latest: { at: number; info: Promise<SystemInfoDto> } | undefined;

  /**
   * Pings every service at once; one that does not answer in time is reported down. The route is
   * public: one round of pings serves every caller for SYSTEM_INFO_CACHE_MS, so a flood of calls
   * does not become a flood on the bus.
   */
  info(now = Date.now()): Promise<SystemInfoDto> {
    if (this.latest && now - this.latest.at < this.config.SYSTEM_INFO_CACHE_MS) return this.latest.info;
    const info = Promise.all(SERVICE_NAMES.map((name) => this.ping(name))).then((services) => ({
      version: this.version,
      services,
    }));
    this.latest = { at: now, info };
    return info;
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
