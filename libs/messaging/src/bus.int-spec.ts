import { Controller, Module, type INestMicroservice, type Type } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import {
  Ctx,
  EventPattern,
  MessagePattern,
  Payload,
  Transport,
  type NatsContext,
} from '@nestjs/microservices';
import {
  BusErrorCode,
  ChainsBroadcasts,
  ChainsSubjects,
  CreateChainRequest,
  DomainException,
  GetChainRequest,
  type ChainChangedEvent,
  type ChainDto,
} from '@northstar/contracts';
import { currentRequestId, REQUEST_ID_HEADER, runWithRequestContext } from '@northstar/observability';
import { randomUUID } from 'node:crypto';
import { headers as natsHeaders, type NatsConnection } from 'nats';
import { listenToBroadcast } from './broadcasts';
import { BusCallerGuard } from './bus-caller.guard';
import { BusClient } from './bus-client';
import { BusSigner, CALLER_HEADER } from './caller-assertion';
import { BusExceptionFilter } from './bus-exception.filter';
import { connectNats } from './nats-connection';
import { createValidationPipe } from './validation';
import { decodeReply, encodeSignedPacket } from './nats-codec';

// The development key, as every process of `npm start` and the tests uses it.
const SIGNING_KEY = 'northstar-development-bus-signing-key-not-secret';

// The client against a stand-in service built exactly like a real one (Nest NATS transport, the
// platform's validation pipe and exception filter), on subjects private to this run so that nothing
// else on the bus answers them. The chains service itself is covered by apps/chains's own tests.
const NATS_URL = process.env['NATS_URL'] || 'nats://127.0.0.1:4222';
const prefix = `test-${randomUUID()}`;
const subject = {
  get: `${prefix}.chain.get`,
  create: `${prefix}.chain.create`,
  crash: `${prefix}.crash`,
  slow: `${prefix}.slow`,
  requestId: `${prefix}.request-id`,
  changed: `${prefix}.chain.changed`,
  nobody: `${prefix}.nobody`,
  shortLived: `${prefix}.short-lived`,
};
// The client only sends contract subjects; these casts give the private subjects a contract type.
const asGet = subject.get as typeof ChainsSubjects.get;
const asCreate = subject.create as typeof ChainsSubjects.create;
const asOther = (name: string) => name as typeof ChainsSubjects.get;

const received: ChainChangedEvent[] = [];
let eventArrived: () => void = () => undefined;
let releaseSlow: () => void = () => undefined;

const chain = (slug: string): ChainDto => ({
  slug,
  chainId: 1,
  name: 'Ethereum',
  ecosystem: 'evm',
  testnet: false,
  nativeCurrency: { symbol: 'ETH', decimals: 18 },
  explorerUrl: 'https://etherscan.io',
  status: 'active',
  rpc: { http: 'https://rpc.example.com/{key}', ws: 'wss://rpc.example.com/{key}' },
});

@Controller()
class StandInHandler {
  @MessagePattern(subject.get)
  get(@Payload() request: GetChainRequest): ChainDto {
    if (request.slug === 'missing') throw DomainException.notFound('Chain');
    return chain(request.slug);
  }

  @MessagePattern(subject.create)
  create(@Payload() request: CreateChainRequest): { actorIsInstance: boolean; slug: string } {
    return { actorIsInstance: request instanceof CreateChainRequest, slug: request.chain.slug };
  }

  @MessagePattern(subject.crash)
  crash(): never {
    throw new Error('connection to 10.0.0.7 refused, password=hunter2');
  }

  @MessagePattern(subject.slow)
  slow(): Promise<ChainDto> {
    return new Promise((resolve) => {
      releaseSlow = () => resolve(chain('slow'));
    });
  }

  @MessagePattern(subject.requestId)
  requestId(@Ctx() context: NatsContext): { requestId: string | undefined } {
    const headers = context.getHeaders() as { get(name: string): string } | undefined;
    return { requestId: headers?.get(REQUEST_ID_HEADER) };
  }

  @EventPattern(subject.changed)
  changed(@Payload() event: ChainChangedEvent): void {
    received.push(event);
    eventArrived();
  }
}

@Controller()
class ShortLivedHandler {
  @MessagePattern(subject.shortLived)
  answer(): ChainDto {
    return chain('short-lived');
  }
}

async function startStandIn(controller: Type<unknown>): Promise<INestMicroservice> {
  @Module({ controllers: [controller] })
  class StandInModule {}
  const app = await NestFactory.createMicroservice(StandInModule, {
    transport: Transport.NATS,
    options: { servers: NATS_URL.split(','), queue: prefix },
    logger: false,
  });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new BusExceptionFilter());
  app.useGlobalGuards(new BusCallerGuard(new BusSigner(SIGNING_KEY, 'chains'), new Reflector()));
  await app.listen();
  return app;
}

/** Retries until the stand-in's subscription has reached the server (no responders until then). */
async function untilAnswered(send: () => Promise<unknown>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await send();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function failure(request: Promise<unknown>): Promise<DomainException> {
  let response: unknown;
  try {
    response = await request;
  } catch (error) {
    if (error instanceof DomainException) return error;
    throw error;
  }
  throw new Error(`Expected the request to fail, but it answered ${JSON.stringify(response)}`);
}

let standIn: INestMicroservice;
let connection: NatsConnection;
let bus: BusClient;

beforeAll(async () => {
  standIn = await startStandIn(StandInHandler);
  connection = await connectNats(NATS_URL, 'bus-int-spec');
  bus = new BusClient(connection, 2000, new BusSigner(SIGNING_KEY, 'gateway'));
  await untilAnswered(() => bus.send(asGet, { slug: 'ethereum' }, { timeoutMs: 500 }));
});

afterAll(async () => {
  releaseSlow();
  if (connection && !connection.isClosed()) await connection.drain();
  await standIn?.close();
});

describe('BusClient over NATS', () => {
  it('resolves with the handler response', async () => {
    await expect(bus.send(asGet, { slug: 'ethereum' })).resolves.toEqual(chain('ethereum'));
  });

  it('answers unavailable at once when nobody serves the subject', async () => {
    const started = Date.now();
    const error = await failure(bus.send(asOther(subject.nobody), { slug: 'ethereum' }, { timeoutMs: 5000 }));
    expect(error.code).toBe(BusErrorCode.Unavailable);
    expect(error.extra.retryAfterSeconds).toBeGreaterThan(0);
    // No responders is immediate: far below the 5 s timeout of the request.
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('answers unavailable once a service has stopped', async () => {
    const shortLived = await startStandIn(ShortLivedHandler);
    try {
      await untilAnswered(() => bus.send(asOther(subject.shortLived), { slug: 'x1' }, { timeoutMs: 500 }));
    } finally {
      await shortLived.close();
    }
    const started = Date.now();
    const error = await failure(bus.send(asOther(subject.shortLived), { slug: 'x1' }));
    expect(error.code).toBe(BusErrorCode.Unavailable);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('answers unavailable when the service does not answer in time', async () => {
    const started = Date.now();
    const error = await failure(bus.send(asOther(subject.slow), { slug: 'slow' }, { timeoutMs: 200 }));
    expect(error.code).toBe(BusErrorCode.Unavailable);
    expect(error.message).toMatch(/did not answer in time/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    releaseSlow();
  });

  it('rethrows the service domain error with its code', async () => {
    const error = await failure(bus.send(asGet, { slug: 'missing' }));
    expect(error).toBeInstanceOf(DomainException);
    expect(error.code).toBe(BusErrorCode.NotFound);
    expect(error.message).toBe('Chain not found');
  });

  it('answers validation_failed with the fields of a malformed request', async () => {
    const error = await failure(bus.send(asGet, { slug: 'NOT A SLUG!' }));
    expect(error.code).toBe(BusErrorCode.ValidationFailed);
    expect(error.extra.errors).toEqual([{ field: 'slug', message: expect.stringMatching(/^slug must be/) }]);
  });

  it('answers validation_failed for an unknown field, nested ones with a dotted path', async () => {
    const request = {
      actor: { userId: randomUUID(), role: 'admin' },
      chain: {
        ...chain('new-chain'),
        status: 'active',
        nativeCurrency: { symbol: 'ETH', decimals: 18, fee: 1 },
      },
      dryRun: true,
    } as CreateChainRequest;
    const error = await failure(bus.send(asCreate, request));
    expect(error.code).toBe(BusErrorCode.ValidationFailed);
    expect(error.extra.errors?.map((e) => e.field).sort()).toEqual(['chain.nativeCurrency.fee', 'dryRun']);
  });

  it('hands the handler an instance of the contract class once validated', async () => {
    const request = { actor: { userId: randomUUID(), role: 'admin' as const }, chain: chain('new-chain') };
    const answer = (await bus.send(asCreate, request)) as unknown;
    expect(answer).toEqual({ actorIsInstance: true, slug: 'new-chain' });
  });

  it('hides an unexpected failure behind an internal error with an id', async () => {
    const error = await failure(bus.send(asOther(subject.crash), { slug: 'ethereum' }));
    expect(error.code).toBe(BusErrorCode.Internal);
    expect(error.extra.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(error.toPayload())).not.toContain('hunter2');
  });

  it("carries the caller's request id to the service", async () => {
    const echo = (await runWithRequestContext({ requestId: 'req-bus-1' }, () =>
      bus.send(asOther(subject.requestId), { slug: 'ethereum' }),
    )) as unknown;
    expect(echo).toEqual({ requestId: 'req-bus-1' });
  });

  it('gives a request outside any request context a fresh id', async () => {
    const first = (await bus.send(asOther(subject.requestId), { slug: 'ethereum' })) as unknown as {
      requestId: string;
    };
    const second = (await bus.send(asOther(subject.requestId), { slug: 'ethereum' })) as unknown as {
      requestId: string;
    };
    expect(first.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.requestId).not.toBe(first.requestId);
  });

  it('delivers an emitted event to its listener', async () => {
    const arrived = new Promise<void>((resolve) => {
      eventArrived = resolve;
    });
    bus.emit(subject.changed as typeof ChainsBroadcasts.changed, { slug: 'ethereum', change: 'updated' });
    await arrived;
    expect(received).toEqual([{ slug: 'ethereum', change: 'updated' }]);
  });
});

/** Sends a request as any NATS client can: `assertion` is the header to attach, if any. */
async function rawRequest(data: unknown, assertion?: (text: string) => string): Promise<{ code?: string }> {
  const { packet, data: text } = encodeSignedPacket(subject.get, data, randomUUID());
  const h = natsHeaders();
  if (assertion) h.set(CALLER_HEADER, assertion(text));
  const reply = decodeReply(
    (await connection.request(subject.get, packet, { timeout: 2000, headers: h })).data,
  );
  return { ...(reply.err as { code?: string } | undefined), ...(reply.response ? { code: 'answered' } : {}) };
}

describe('caller assertions', () => {
  const projectId = randomUUID();
  const signedBy = (signer: BusSigner) => (text: string) => signer.sign('request', subject.get, text);

  it("answers a request signed with the platform's key", async () => {
    await expect(
      rawRequest({ slug: 'ethereum' }, signedBy(new BusSigner(SIGNING_KEY, 'gateway'))),
    ).resolves.toEqual({
      code: 'answered',
    });
  });

  it('refuses a request without an assertion, or signed with another key', async () => {
    await expect(rawRequest({ slug: 'ethereum' })).resolves.toMatchObject({ code: 'unauthenticated' });
    const stranger = new BusSigner('some-other-key-of-at-least-32-characters', 'gateway');
    await expect(rawRequest({ slug: 'ethereum' }, signedBy(stranger))).resolves.toMatchObject({
      code: 'unauthenticated',
    });
  });

  it('refuses a signed request whose payload was changed, or replayed on another subject', async () => {
    const signer = new BusSigner(SIGNING_KEY, 'gateway');
    const signedForOther = signer.sign('request', subject.get, JSON.stringify({ slug: 'ethereum' }));
    await expect(rawRequest({ slug: 'polygon' }, () => signedForOther)).resolves.toMatchObject({
      code: 'unauthenticated',
    });
    await expect(
      rawRequest({ slug: 'ethereum' }, (text) => signer.sign('request', subject.create, text)),
    ).resolves.toMatchObject({ code: 'unauthenticated' });
  });

  it('refuses an assertion older than its lifetime', async () => {
    const past = new BusSigner(SIGNING_KEY, 'gateway', () => Date.now() - 61_000);
    await expect(rawRequest({ slug: 'ethereum' }, signedBy(past))).resolves.toMatchObject({
      code: 'unauthenticated',
    });
  });

  it('refuses a service caller claimed by another process, and a key caller not built by the gateway', async () => {
    const service = { caller: { service: { name: 'notifications', projectId } }, slug: 'ethereum' };
    await expect(rawRequest(service, signedBy(new BusSigner(SIGNING_KEY, 'keys')))).resolves.toMatchObject({
      code: 'unauthenticated',
    });
    const key = { caller: { key: { keyId: randomUUID(), projectId } }, slug: 'ethereum' };
    await expect(
      rawRequest(key, signedBy(new BusSigner(SIGNING_KEY, 'notifications'))),
    ).resolves.toMatchObject({ code: 'unauthenticated' });
    // The same claims from the processes entitled to make them pass the guard (and meet validation).
    await expect(
      rawRequest(service, signedBy(new BusSigner(SIGNING_KEY, 'notifications'))),
    ).resolves.toMatchObject({ code: 'validation_failed' });
    await expect(rawRequest(key, signedBy(new BusSigner(SIGNING_KEY, 'gateway')))).resolves.toMatchObject({
      code: 'validation_failed',
    });
  });

  it('does not deliver an event without a valid assertion', async () => {
    received.length = 0;
    connection.publish(
      subject.changed,
      encodeSignedPacket(subject.changed, { slug: 'forged', change: 'deleted' }).packet,
    );
    const arrived = new Promise<void>((resolve) => {
      eventArrived = resolve;
    });
    bus.emit(subject.changed as typeof ChainsBroadcasts.changed, { slug: 'ethereum', change: 'updated' });
    await arrived;
    expect(received).toEqual([{ slug: 'ethereum', change: 'updated' }]);
  });
});

describe('broadcast listeners', () => {
  it("hear a broadcast in the context of the request that made it: its log lines carry the request's id", async () => {
    const heard = new Promise<{ payload: unknown; requestId: string | undefined }>((resolve) => {
      const subscription = listenToBroadcast(
        connection,
        new BusSigner(SIGNING_KEY, 'keys'),
        subject.changed as typeof ChainsBroadcasts.changed,
        {
          onEvent: (payload) => {
            subscription.unsubscribe();
            resolve({ payload, requestId: currentRequestId() });
          },
        },
      );
    });
    await connection.flush();

    runWithRequestContext({ requestId: 'req-broadcast-1' }, () =>
      bus.emit(subject.changed as typeof ChainsBroadcasts.changed, { slug: 'ethereum', change: 'updated' }),
    );

    expect(await heard).toEqual({
      payload: { slug: 'ethereum', change: 'updated' },
      requestId: 'req-broadcast-1',
    });
  });
});
