import { UAParser } from 'ua-parser-js';
import { BoundedCache } from './bounded-cache';

export interface UserAgentInfo {
  browser: string;
  browserVersion: string;
  os: string;
  osVersion: string;
  /** mobile, tablet, smarttv, console, wearable, embedded; desktop when a browser is known but no device. */
  deviceType: string;
  deviceVendor: string;
  deviceModel: string;
}

export const UNKNOWN_USER_AGENT: UserAgentInfo = {
  browser: '',
  browserVersion: '',
  os: '',
  osVersion: '',
  deviceType: '',
  deviceVendor: '',
  deviceModel: '',
};

/**
 * Browser, OS and device from a user agent (ua-parser-js 1.x, MIT; 2.x is AGPL). A site's traffic
 * repeats a few thousand user agents, so results are cached: parsing is regex-heavy.
 */
export class UserAgentParser {
  private readonly cache: BoundedCache<string, UserAgentInfo>;

  constructor(cacheSize = 10_000) {
    this.cache = new BoundedCache(cacheSize);
  }

  parse(userAgent: string | undefined): UserAgentInfo {
    if (!userAgent) return UNKNOWN_USER_AGENT;
    const cached = this.cache.get(userAgent);
    if (cached) return cached;
    const result = new UAParser(userAgent).getResult();
    const browser = result.browser.name ?? '';
    const os = result.os.name ?? '';
    const info: UserAgentInfo = {
      browser,
      browserVersion: result.browser.version ?? '',
      os,
      osVersion: result.os.version ?? '',
      // ua-parser names no device type for desktops.
      deviceType: result.device.type ?? (browser || os ? 'desktop' : ''),
      deviceVendor: result.device.vendor ?? '',
      deviceModel: result.device.model ?? '',
    };
    this.cache.set(userAgent, info);
    return info;
  }
}
