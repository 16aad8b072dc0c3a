import { identityService, ingestionService, keysService, tenancyService } from '../platform-services';
import { type ClickHouseClient } from '@northstar/clickhouse';
import type { RunningService } from '@northstar/service-runtime';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningGateway } from '../../src/gateway.bootstrap';
import {
  e2eClickHouseClient,
  e2eEnv,
  migrateService,
  startTestGateway,
  startTestService,
  type Env,
} from '../support';
import { call, createOrg } from '../tenancy-support';
import { signUp } from '../users';
import { clickhouseEnv, NatsServer, Processes, type Ingestion } from './fault-harness';

/** The bus under the stack: one NATS server (NatsServer) or a cluster (NatsCluster). */
export interface FaultBus {
  /** NATS_URL: the server, or the cluster's nodes comma-separated. */
  readonly url: string;
  /** Deletes its stores, once its processes are stopped. */
  remove(): void;
}

// The pipeline the fault tests break: a private NATS server (JetStream on file storage), identity,
// tenancy and keys in this process behind a real gateway, ingestion as child processes (a kill -9
// needs a process), and a project with an events:write key to send events with over HTTP.

export interface FaultStack<B extends FaultBus = NatsServer> {
  nats: B;
  gateway: RunningGateway;
  processes: Processes;
  /** The ClickHouse database ingestion writes to. */
  clickhouse: ClickHouseClient;
  projectId: string;
  /** The project's key, with events:write. */
  key: string;
  /** Starts one more ingestion replica on this stack's NATS and ClickHouse. */
  startIngestion(): Promise<Ingestion>;
  /** A load of `total` events with messageIds `<prefix>-<n>`, for the project's key. */
  load(total: number, prefix: string): EventLoad;
  close(): Promise<void>;
}

export interface FaultStackOptions<B extends FaultBus> {
  /** Overrides the test ClickHouse (a private server that a test stops). */
  clickhouse?: Env;
  /** Settings added to every part of the stack (the EVENTS stream's limits, say). */
  env?: Env;
  /** Starts the bus (its processes under `processes`): a private NATS server unless given. */
  bus?: (processes: Processes) => Promise<B>;
}

export async function startFaultStack<B extends FaultBus = NatsServer>(
  options: FaultStackOptions<B> = {},
): Promise<FaultStack<B>> {
  const processes = new Processes();
  const nats = (await (options.bus ?? NatsServer.start)(processes).catch(async (error: unknown) => {
    // What the bus had started (a cluster's first nodes) must not outlive the failed test.
    await processes.stopAll();
    throw error;
  })) as B;
  const services: RunningService[] = [];
  let gateway: RunningGateway | undefined;
  const chEnv = { ...clickhouseEnv(), ...options.clickhouse };
  const onThisBus: Env = { ...options.env, NATS_URL: nats.url };
  const clickhouse = e2eClickHouseClient(chEnv);
  const close = async () => {
    // Ingestion first, while NATS and ClickHouse are still there for its last acks; NATS last, or
    // the connections still open would try to reconnect forever.
    await processes.stopAll('ingestion');
    await gateway?.close();
    for (const service of services.reverse()) await service.close();
    await processes.stopAll();
    nats.remove();
    await clickhouse.close();
  };
  try {
    const migrateEnv = { ...chEnv, ...onThisBus };
    await migrateService(identityService, migrateEnv);
    await migrateService(tenancyService, migrateEnv);
    await migrateService(keysService, migrateEnv);
    await migrateService(ingestionService, migrateEnv);
    services.push(await startTestService(identityService, onThisBus));
    services.push(await startTestService(tenancyService, onThisBus));
    services.push(await startTestService(keysService, onThisBus));
    const started = await startTestGateway({ ...onThisBus, TRUST_PROXY: 'true' });
    gateway = started;
    const { projectId, key } = await newProjectKey(started.url, nats.url);
    const ingestionEnv = e2eEnv({ ...chEnv, ...onThisBus, LOG_LEVEL: 'warn' });
    return {
      nats,
      gateway: started,
      processes,
      clickhouse,
      projectId,
      key,
      startIngestion: () => processes.startIngestion(ingestionEnv),
      load: (total, prefix) => new EventLoad(started.url, key, total, prefix),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Starts a stack before the tests of the file and closes it after them; the getter answers it. */
export function useFaultStack<B extends FaultBus = NatsServer>(
  options: FaultStackOptions<B> = {},
): () => FaultStack<B> {
  let stack: FaultStack<B> | undefined;
  beforeAll(async () => {
    stack = await startFaultStack<B>(options);
  });
  afterAll(async () => {
    await stack?.close();
  });
  return () => {
    if (!stack) throw new Error('The fault stack did not start');
    return stack;
  };
}

/** A new owner, organisation and project, and a key of the project that may write events. */
async function newProjectKey(url: string, natsUrl: string): Promise<{ projectId: string; key: string }> {
  const owner = await signUp(url, { name: 'Fault Test' });
  // On a plan whose quota the loads never reach, put there over this stack's own bus.
  const org = await createOrg(url, owner, 'Fault Tests', { natsUrl });
  const project = await call<{ id: string }>(url, 'POST', `/orgs/${org.id}/projects`, owner, {
    name: 'Under Load',
    kind: 'web2',
  });
  const created = await call<{ key: string }>(url, 'POST', `/projects/${project.body.id}/keys`, owner, {
    name: 'Fault load',
    scopes: ['events:write'],
  });
  if (project.status !== 201 || created.status !== 201) {
    throw new Error(`project ${project.status}, key ${created.status}: ${JSON.stringify(created.body)}`);
  }
  return { projectId: project.body.id, key: created.body.key };
}

const EVENTS_PER_REQUEST = 100;
const REQUESTS_IN_FLIGHT = 4;
const RETRY_DELAY_MS = 250;
/** How long a batch is retried before the load fails: longer than any outage a test makes. */
const GIVE_UP_AFTER_MS = 60_000;

/**
 * Sends events through POST /v1/batch, 100 per request with a unique messageId each, a few requests
 * in flight, as an SDK would: a request answered 5xx or 429 (or not at all) is sent again, the same
 * events, until the gateway acknowledges it. Only an acknowledged (2xx) request counts.
 */
export class EventLoad {
  /** Events of the requests the gateway answered 2xx. */
  acknowledged = 0;
  /** How often each status was answered, retries included ("no answer" when the request failed). */
  readonly answers = new Map<string, number>();
  /** Each 503 answered: when (ms since the epoch) and its Retry-After header (null without one). */
  readonly unavailable: { at: number; retryAfter: string | null }[] = [];
  private readonly requests: number;
  private next = 0;
  private failure?: Error;
  private readonly holds = new Set<{ request: number; released: Promise<void> }>();

  constructor(
    private readonly url: string,
    private readonly key: string,
    readonly total: number,
    private readonly prefix: string,
  ) {
    this.requests = Math.ceil(total / EVENTS_PER_REQUEST);
  }

  /** Resolves with the events acknowledged once all are. */
  async run(): Promise<number> {
    try {
      await Promise.all(Array.from({ length: REQUESTS_IN_FLIGHT }, () => this.sender()));
    } catch (error) {
      this.failure = error as Error;
      throw error;
    }
    return this.acknowledged;
  }

  /** Resolves once the requests before `fraction` of the events are acknowledged. */
  async reached(fraction: number): Promise<void> {
    const events = Math.min(this.total, this.requestAt(fraction) * EVENTS_PER_REQUEST);
    while (this.acknowledged < events) {
      if (this.failure) throw this.failure;
      await sleep(20);
    }
  }

  /**
   * Sends nothing from `fraction` of the events on until the returned function is called: a test
   * breaks something there while requests are sure to follow.
   */
  holdAt(fraction: number): () => void {
    let release = (): void => undefined;
    const hold = {
      request: this.requestAt(fraction),
      released: new Promise<void>((resolve) => (release = resolve)),
    };
    this.holds.add(hold);
    return () => {
      this.holds.delete(hold);
      release();
    };
  }

  /** Statuses other than 2xx and 503, with how often: what an outage must not produce. */
  unexpectedAnswers(): Record<string, number> {
    return Object.fromEntries(
      [...this.answers].filter(([status]) => !/^2\d\d$/.test(status) && status !== '503'),
    );
  }

  private async sender(): Promise<void> {
    for (;;) {
      const request = this.next++;
      if (request >= this.requests) return;
      for (const hold of [...this.holds]) if (request >= hold.request) await hold.released;
      await this.send(request);
    }
  }

  private requestAt(fraction: number): number {
    return Math.floor(this.requests * fraction);
  }

  private async send(request: number): Promise<void> {
    const first = request * EVENTS_PER_REQUEST;
    const batch = Array.from({ length: Math.min(EVENTS_PER_REQUEST, this.total - first) }, (_, i) => ({
      type: 'track',
      event: 'Fault Test',
      userId: `user-${(first + i) % 1000}`,
      messageId: `${this.prefix}-${first + i}`,
      properties: { n: first + i },
    }));
    const body = JSON.stringify({ batch });
    const giveUpAt = Date.now() + GIVE_UP_AFTER_MS;
    for (;;) {
      let status = 'no answer';
      let text = '';
      try {
        const response = await fetch(`${this.url}/v1/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.key}` },
          body,
        });
        status = String(response.status);
        text = await response.text();
        if (response.status === 503) {
          this.unavailable.push({ at: Date.now(), retryAfter: response.headers.get('retry-after') });
        }
      } catch (error) {
        text = String(error);
      }
      this.answers.set(status, (this.answers.get(status) ?? 0) + 1);
      if (/^2\d\d$/.test(status)) {
        const answer = JSON.parse(text) as { accepted: number; rejected: unknown[] };
        if (answer.accepted !== batch.length) throw new Error(`request ${request} answered ${text}`);
        this.acknowledged += answer.accepted;
        return;
      }
      const retry = status === 'no answer' || status === '429' || status.startsWith('5');
      if (!retry || Date.now() > giveUpAt) throw new Error(`request ${request} answered ${status}: ${text}`);
      await sleep(RETRY_DELAY_MS);
    }
  }
}
