import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { Secret } from './load-config';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

// One URL (`nats://host:port`, `tls://…`, `ws(s)://…`, or a bare `host:port`) or several, comma-separated.
const NATS_SERVER = String.raw`(?:(?:nats|tls|wss?)://)?[^,\s]+`;
const NATS_SERVER_LIST = new RegExp(String.raw`^\s*${NATS_SERVER}(?:\s*,\s*${NATS_SERVER})*\s*$`);

/** The development value of BUS_SIGNING_KEY (refused in production), also used by the tests' clients. */
export const DEVELOPMENT_BUS_SIGNING_KEY = 'northstar-development-bus-signing-key-not-secret';

/** What every process of the platform needs: its environment and the bus. */
export class BaseConfig {
  @IsIn(NODE_ENVS)
  NODE_ENV: NodeEnv = 'development';

  /**
   * The NATS server, or a comma-separated list of the nodes of a NATS cluster: the process connects to
   * any of them, learns the rest from the cluster, and moves to another node when one goes.
   */
  @IsString()
  @Matches(NATS_SERVER_LIST, { message: 'NATS_URL must be a NATS URL or a comma-separated list of them' })
  NATS_URL = 'nats://127.0.0.1:4222';

  /**
   * JetStream replicas of every stream the platform creates (EVENTS, DOMAIN_EVENTS and their dead
   * letters): 1 on a single server, 3 on a three-node cluster, so that a stream outlives the loss of
   * one node. Streams are created with it; the migrate step brings existing ones to it.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5)
  NATS_STREAM_REPLICAS = 1;

  /**
   * This process's NATS user, in a bus with credentials (deploy/nats/auth.conf names one per process
   * and limits it to its subjects); empty means the process's own name.
   */
  @IsString()
  NATS_USER = '';

  /** Its password. Required in production: there, the bus is never open to anonymous clients. */
  @Secret()
  @IsString()
  NATS_PASSWORD = '';

  /** How long a bus request waits for its reply before the caller answers 503. */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(120_000)
  BUS_TIMEOUT_MS = 5000;

  /**
   * Signs every bus message's caller assertion, and checks those received: the same value in every
   * process of one platform. A NATS client without it cannot act on the platform's behalf.
   */
  @Secret()
  @IsString()
  @MinLength(32)
  BUS_SIGNING_KEY = DEVELOPMENT_BUS_SIGNING_KEY;

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';
}

/** A bus service: it also serves /health, /ready and /metrics on its own small HTTP port. */
export class ServiceConfig extends BaseConfig {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  OPS_PORT = 0;

  @IsString()
  OPS_HOST = '127.0.0.1';
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Constructor<T = object> = new (...args: any[]) => T;

/** Adds the service's PostgreSQL connection (each service owns one schema in it). */
export function WithPostgres<B extends Constructor>(Base: B) {
  class PostgresSettings extends Base {
    @IsString()
    DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/northstar';
  }
  return PostgresSettings;
}

/** Adds Redis, for caches, rate limits and queues. */
export function WithRedis<B extends Constructor>(Base: B) {
  class RedisSettings extends Base {
    @IsString()
    REDIS_URL = 'redis://127.0.0.1:6379/0';
  }
  return RedisSettings;
}

/** Adds ClickHouse, the event store. */
export function WithClickHouse<B extends Constructor>(Base: B) {
  class ClickHouseSettings extends Base {
    @IsString()
    CLICKHOUSE_URL = 'http://127.0.0.1:8123';

    @IsString()
    CLICKHOUSE_DATABASE = 'northstar';

    @IsString()
    CLICKHOUSE_USER = 'default';

    @IsString()
    CLICKHOUSE_PASSWORD = '';

    /**
     * The ClickHouse cluster (its `remote_servers` name) when the event store runs on one; empty for a
     * single server. Selects the cluster schema: replicated tables under Distributed ones.
     */
    @IsString()
    CLICKHOUSE_CLUSTER = '';
  }
  return ClickHouseSettings;
}

/**
 * Adds the limits of the EVENTS stream (see @northstar/event-stream): the gateway creates it with them
 * if it comes up first, and ingestion's migrate step applies them to an existing stream.
 */
export function WithEventStream<B extends Constructor>(Base: B) {
  class EventStreamSettings extends Base {
    /** Events ingestion has not written are dropped after this long (at least the 24 h duplicate window). */
    @Type(() => Number)
    @IsInt()
    @Min(24)
    @Max(24 * 365)
    EVENTS_STREAM_MAX_AGE_HOURS = 168;

    /** Bytes of events not yet written that EVENTS holds; when full the gateway answers 503. */
    @Type(() => Number)
    @IsInt()
    @Min(64 * 1024)
    @Max(Number.MAX_SAFE_INTEGER)
    EVENTS_STREAM_MAX_BYTES = 1024 ** 3;
  }
  return EventStreamSettings;
}

/** The development value of EVENT_TOKENS_KEY (refused in production), also used by the tests. */
export const DEVELOPMENT_EVENT_TOKENS_KEY = 'northstar-development-event-tokens-key-not-secret';

/**
 * Adds the key that seals the single-use tokens (email verification, password reset, invitation)
 * carried by durable domain events: only the services that write or mail them hold it, so a reader
 * of the DOMAIN_EVENTS stream (or of its files) finds no usable token.
 */
export function WithEventTokens<B extends Constructor>(Base: B) {
  class EventTokensSettings extends Base {
    @Secret()
    @IsString()
    @MinLength(32)
    EVENT_TOKENS_KEY = DEVELOPMENT_EVENT_TOKENS_KEY;
  }
  return EventTokensSettings;
}
