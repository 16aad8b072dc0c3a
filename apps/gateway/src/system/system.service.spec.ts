import type { BusClient } from '@northstar/messaging';
import type { GatewayConfig } from '../config';
import { SystemService } from './system.service';

describe('SystemService.info', () => {
  it('pings the services once per SYSTEM_INFO_CACHE_MS, however many callers ask', async () => {
    let pings = 0;
    const bus = {
      send: async () => {
        pings += 1;
        return { version: '1.0.0' };
      },
    } as unknown as BusClient;
    const service = new SystemService(bus, {
      SYSTEM_PING_TIMEOUT_MS: 100,
      SYSTEM_INFO_CACHE_MS: 5000,
    } as GatewayConfig);
    const round = (await service.info(1_000)).services.length;
    await Promise.all(Array.from({ length: 50 }, () => service.info(2_000)));
    expect(pings).toBe(round);
    await service.info(7_000);
    expect(pings).toBe(2 * round);
  });
});
