import { natsReconnectOptions, natsServers } from './nats-connection';

describe('natsServers', () => {
  it('lists the servers of a comma-separated NATS_URL, without spaces or empty entries', () => {
    expect(natsServers('nats://127.0.0.1:4222')).toEqual(['nats://127.0.0.1:4222']);
    expect(natsServers(' nats://a:4222 , nats://b:4222,nats://c:4222,')).toEqual([
      'nats://a:4222',
      'nats://b:4222',
      'nats://c:4222',
    ]);
  });
});

describe('natsReconnectOptions', () => {
  it('gives every server of the list to the client and retries forever', () => {
    expect(natsReconnectOptions('nats://a:4222,nats://b:4222')).toMatchObject({
      servers: ['nats://a:4222', 'nats://b:4222'],
      maxReconnectAttempts: -1,
    });
  });
});
