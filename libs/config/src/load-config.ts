import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

const SECRET_FIELDS = Symbol('northstar:secret-fields');

/**
 * Marks a setting whose class default is only fit for development: in production the service refuses
 * to start unless the environment provides its own value, other than that default.
 */
export function Secret(): PropertyDecorator {
  return (target, property) => {
    const fields = (Reflect.getMetadata(SECRET_FIELDS, target) as string[] | undefined) ?? [];
    Reflect.defineMetadata(SECRET_FIELDS, [...fields, String(property)], target);
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

// Names the raw text from the environment: the converted value (NaN, say) would hide the typo.
function describe(errors: ValidationError[], raw: Record<string, string | undefined>): string[] {
  return errors.flatMap((e) =>
    Object.values(e.constraints ?? {}).map(
      (message) => `${e.property}: ${message} (got ${JSON.stringify(raw[e.property] ?? e.value)})`,
    ),
  );
}

/**
 * Reads one validated config class from the environment. Unknown variables are ignored; a missing or
 * malformed one fails with its name, so a service stops at start rather than misbehaving later.
 */
export function loadConfig<T extends object>(
  configClass: new () => T,
  env: Record<string, string | undefined> = process.env,
): T {
  const defaults = new configClass();
  const present = Object.fromEntries(
    Object.keys(defaults).flatMap((key) =>
      env[key] !== undefined && env[key] !== '' ? [[key, env[key]]] : [],
    ),
  );
  const config = plainToInstance(configClass, present, {
    enableImplicitConversion: true,
    exposeDefaultValues: true,
  });
  const problems = describe(validateSync(config, { forbidUnknownValues: false }), present);
  const production = (config as { NODE_ENV?: string }).NODE_ENV === 'production';
  if (production) {
    const secrets = (Reflect.getMetadata(SECRET_FIELDS, configClass.prototype) as string[] | undefined) ?? [];
    for (const field of secrets) {
      if (!(field in present))
        problems.push(`${field}: must be set in production (the default is for development only)`);
      // The development value copied into a production environment is no secret either.
      else if (present[field] === String((defaults as Record<string, unknown>)[field]))
        problems.push(`${field}: must not be the development default in production`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
