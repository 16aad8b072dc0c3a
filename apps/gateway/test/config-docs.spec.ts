/* eslint-disable @nx/enforce-module-boundaries -- one test reads every app's configuration class to hold docs/configuration.md to them */
import { AnalyticsConfig } from '../../analytics/src/config';
import { ChainsConfig } from '../../chains/src/config';
import { IdentityConfig } from '../../identity/src/config';
import { IngestionConfig } from '../../ingestion/src/config';
import { KeysConfig } from '../../keys/src/config';
import { NotificationsConfig } from '../../notifications/src/config';
import { TenancyConfig } from '../../tenancy/src/config';
/* eslint-enable @nx/enforce-module-boundaries */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayConfig } from '../src/config';

// Each app reads its environment through one config class, so its own property names are the variables.
const configClasses: ReadonlyArray<new () => object> = [
  GatewayConfig,
  IdentityConfig,
  TenancyConfig,
  KeysConfig,
  ChainsConfig,
  IngestionConfig,
  AnalyticsConfig,
  NotificationsConfig,
];

const docPath = join(__dirname, '..', '..', '..', 'docs', 'configuration.md');
const doc = readFileSync(docPath, 'utf8');

/**
 * The variables the page documents: the backticked names in the first cell of its tables' rows
 * (`| \`REDIS_URL\` | ...`). Prose may name other things in backticks (streams, test settings).
 */
const documented = new Set(
  doc
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split('|')[1].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1])),
);

function variablesOf(config: new () => object): string[] {
  return Object.keys(new config()).filter((name) => /^[A-Z][A-Z0-9_]*$/.test(name));
}

describe('docs/configuration.md', () => {
  const read = new Map<string, string[]>();
  for (const config of configClasses) {
    for (const name of variablesOf(config)) read.set(name, [...(read.get(name) ?? []), config.name]);
  }

  it('reads variables from every app', () => {
    expect(read.size).toBeGreaterThan(50);
    expect(read.get('NATS_URL')).toHaveLength(configClasses.length);
  });

  it('documents every variable a config class reads', () => {
    const undocumented = [...read.keys()].filter((name) => !documented.has(name)).sort();
    expect(undocumented).toEqual([]);
  });

  it('documents no variable that no config class reads', () => {
    const dead = [...documented].filter((name) => !read.has(name)).sort();
    expect(dead).toEqual([]);
  });
});
