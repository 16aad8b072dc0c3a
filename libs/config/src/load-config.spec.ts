import { IsString } from 'class-validator';
import { DEVELOPMENT_BUS_SIGNING_KEY, ServiceConfig, WithPostgres } from './base.config';
import { ConfigError, loadConfig, Secret } from './load-config';

class AppConfig extends WithPostgres(ServiceConfig) {
  @Secret()
  @IsString()
  JWT_SECRET = 'dev-only-secret';
}

// What every process needs in production besides the secrets of these tests: the bus's own.
const BUS = { BUS_SIGNING_KEY: 'a production bus signing key of 32+ chars', NATS_PASSWORD: 'pw1' };

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('uses the class defaults when the environment is empty', () => {
    const config = loadConfig(AppConfig, {});
    expect(config).toBeInstanceOf(AppConfig);
    expect(config.NODE_ENV).toBe('development');
    expect(config.BUS_TIMEOUT_MS).toBe(5000);
    expect(config.OPS_PORT).toBe(0);
    expect(config.DATABASE_URL).toBe('postgresql://postgres@127.0.0.1:5432/northstar');
  });

  it('converts numbers from their string form and ignores unknown and empty variables', () => {
    const config = loadConfig(AppConfig, {
      BUS_TIMEOUT_MS: '1500',
      OPS_PORT: '8080',
      NATS_URL: '',
      SOMETHING_ELSE: 'x',
    });
    expect(config.BUS_TIMEOUT_MS).toBe(1500);
    expect(config.OPS_PORT).toBe(8080);
    expect(config.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(config).not.toHaveProperty('SOMETHING_ELSE');
  });

  it('names each malformed variable and its value in the error', () => {
    const error = configError(() => loadConfig(AppConfig, { BUS_TIMEOUT_MS: 'soon', NODE_ENV: 'staging' }));
    expect(error.message).toMatch(/^Invalid configuration:/);
    expect(
      error.problems.some((p) => p.startsWith('BUS_TIMEOUT_MS: BUS_TIMEOUT_MS must be an integer')),
    ).toBe(true);
    expect(error.problems.some((p) => p.startsWith('NODE_ENV:') && p.includes('"staging"'))).toBe(true);
    expect(error.message).toContain('BUS_TIMEOUT_MS');
  });

  it('takes one NATS server or a comma-separated list of them, and stream replicas from 1 to 5', () => {
    const cluster = 'nats://10.0.0.1:4222, nats://10.0.0.2:4222,nats://10.0.0.3:4222';
    expect(loadConfig(AppConfig, { NATS_URL: cluster, NATS_STREAM_REPLICAS: '3' })).toMatchObject({
      NATS_URL: cluster,
      NATS_STREAM_REPLICAS: 3,
    });
    expect(loadConfig(AppConfig, {}).NATS_STREAM_REPLICAS).toBe(1);
    expect(
      configError(() => loadConfig(AppConfig, { NATS_URL: 'nats://a:4222,,nats://b:4222' })).message,
    ).toMatch(/NATS_URL/);
    expect(configError(() => loadConfig(AppConfig, { NATS_STREAM_REPLICAS: '0' })).message).toMatch(
      /NATS_STREAM_REPLICAS/,
    );
  });

  it('refuses a number out of range', () => {
    const error = configError(() => loadConfig(AppConfig, { OPS_PORT: '70000' }));
    expect(error.problems).toEqual([expect.stringMatching(/^OPS_PORT: .*70000/)]);
  });

  it('refuses to start in production with the development default of a @Secret', () => {
    const error = configError(() => loadConfig(AppConfig, { NODE_ENV: 'production', ...BUS }));
    expect(error.problems).toEqual([expect.stringMatching(/^JWT_SECRET: must be set in production/)]);
  });

  it('refuses to start in production on an open bus or with the development bus signing key', () => {
    const error = configError(() =>
      loadConfig(AppConfig, {
        NODE_ENV: 'production',
        JWT_SECRET: 'a real secret',
        BUS_SIGNING_KEY: DEVELOPMENT_BUS_SIGNING_KEY,
      }),
    );
    expect(error.problems).toEqual([
      expect.stringMatching(/^NATS_PASSWORD: must be set in production/),
      expect.stringMatching(/^BUS_SIGNING_KEY: must not be the development default/),
    ]);
  });

  it('refuses the development default of a @Secret set explicitly in production', () => {
    const error = configError(() =>
      loadConfig(AppConfig, { NODE_ENV: 'production', JWT_SECRET: 'dev-only-secret', ...BUS }),
    );
    expect(error.problems).toEqual([
      expect.stringMatching(/^JWT_SECRET: must not be the development default/),
    ]);
  });

  it('accepts a @Secret given by the environment in production', () => {
    const config = loadConfig(AppConfig, { NODE_ENV: 'production', JWT_SECRET: 'a real secret', ...BUS });
    expect(config.JWT_SECRET).toBe('a real secret');
  });

  it('keeps the development default of a @Secret outside production', () => {
    expect(loadConfig(AppConfig, { NODE_ENV: 'test' }).JWT_SECRET).toBe('dev-only-secret');
  });
});
