import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The platform version, from the root package.json (the apps are released together). */
export function platformVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
