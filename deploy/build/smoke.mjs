#!/usr/bin/env node
// Smoke test of the compiled platform: the jest suites run the TypeScript sources through ts-jest,
// which emits different decorator metadata than tsc, so the built apps get their own check.
//
//   node deploy/build/smoke.mjs            against a platform already running (npm start), or
//   node deploy/build/smoke.mjs --start    starts dist/ with run.mjs first and stops it afterwards
//
// A user signs up, creates an organisation, a project and a key, sends events with the key (Segment
// style), and reads them back through analytics. Exits 1 on the first unexpected answer.
// Environment: SMOKE_URL (default http://127.0.0.1:$PORT, PORT 3000), SMOKE_MAIL_DIR (where the platform
// writes emails without SMTP_URL, default .data/mail: the user's email is verified from it).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BASE = process.env.SMOKE_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

async function call(method, path, { token, key, body, status }) {
  const headers = body === undefined ? {} : { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (key) headers['x-api-key'] = key;
  const response = await fetch(`${BASE}/v1${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status !== status) {
    throw new Error(`${method} ${path} answered ${response.status} (expected ${status}): ${text}`);
  }
  return text ? JSON.parse(text) : undefined;
}

async function waitUp(child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error('the platform exited while starting');
    try {
      const info = await (await fetch(`${BASE}/v1/system/info`)).json();
      if (info.services.every((service) => service.status === 'up')) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the platform was not up within ${timeoutMs} ms`);
    await sleep(1000);
  }
}

/** The token of the verification email sent to `email`, from MAIL_DIR's .eml files (no SMTP_URL). */
async function verificationToken(email) {
  const dir = process.env.SMOKE_MAIL_DIR ?? join(ROOT, '.data/mail');
  const deadline = Date.now() + 20_000;
  for (;;) {
    const file = existsSync(dir)
      ? readdirSync(dir).find((name) => name.includes('verification') && name.includes(email))
      : undefined;
    const token = file
      ? /token=([A-Za-z0-9_-]+)/.exec(readFileSync(join(dir, file), 'utf8'))?.[1]
      : undefined;
    if (token) return token;
    if (Date.now() > deadline)
      throw new Error(`no verification email for ${email} in ${dir} (SMOKE_MAIL_DIR)`);
    await sleep(250);
  }
}

async function smoke() {
  const email = `smoke-${randomBytes(4).toString('hex')}@example.com`;
  const password = 'correct horse battery staple';
  await call('POST', '/auth/register', { body: { email, password, name: 'Smoke' }, status: 201 });
  // Alerts need a verified email: the link of the verification email (written as a file without SMTP).
  await call('POST', '/auth/verify-email', { body: { token: await verificationToken(email) }, status: 204 });
  const { accessToken: token } = await call('POST', '/auth/login', {
    body: { email, password },
    status: 200,
  });
  await call('GET', '/me', { token, status: 200 });
  const org = await call('POST', '/orgs', { token, body: { name: 'Smoke Org' }, status: 201 });
  const project = await call('POST', `/orgs/${org.id}/projects`, {
    token,
    body: { name: 'Smoke', kind: 'hybrid' },
    status: 201,
  });
  const key = await call('POST', `/projects/${project.id}/keys`, {
    token,
    body: { name: 'smoke', scopes: ['events:write', 'analytics:read', 'rpc'] },
    status: 201,
  });
  await call('GET', `/keys/${key.id}/endpoints`, { token, status: 200 });
  await call('GET', '/keys/self', { key: key.key, status: 200 });
  const sent = await call('POST', '/batch', {
    key: key.key,
    body: {
      batch: [
        { type: 'track', event: 'Smoke Tested', userId: 'smoke-user' },
        { type: 'page', anonymousId: 'smoke-anon', name: 'Home' },
        { type: 'nonsense' },
      ],
    },
    status: 202,
  });
  if (sent.accepted !== 2 || sent.rejected.length !== 1)
    throw new Error(`batch answer ${JSON.stringify(sent)}`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const summary = await call('GET', `/projects/${project.id}/analytics/summary`, { token, status: 200 });
    if (summary.events === 2) break;
    if (Date.now() > deadline) throw new Error(`events not visible in analytics: ${JSON.stringify(summary)}`);
    await sleep(500);
  }
  await call('GET', `/projects/${project.id}/analytics/top?dimension=event`, { key: key.key, status: 200 });
  await call('GET', `/keys/${key.id}/usage`, { token, status: 200 });
  await call('GET', `/orgs/${org.id}/usage`, { token, status: 200 });
  await call('DELETE', `/keys/${key.id}`, { token, status: 204 });

  // An alert with an in-app channel: its test notification reaches the member's inbox.
  const alert = await call('POST', `/projects/${project.id}/alerts`, {
    token,
    body: {
      name: 'Smoke alert',
      metric: 'events',
      comparator: 'gt',
      threshold: 1000000,
      windowSeconds: 300,
      everySeconds: 60,
      channels: [{ type: 'in_app' }],
    },
    status: 201,
  });
  await call('POST', `/alerts/${alert.id}/test`, { token, status: 202 });
  const inboxDeadline = Date.now() + 30_000;
  for (;;) {
    const inbox = await call('GET', '/me/notifications', { token, status: 200 });
    const mine = inbox.items.find((item) => item.alertId === alert.id);
    if (mine) {
      await call('POST', `/me/notifications/${mine.id}/read`, { token, status: 204 });
      break;
    }
    if (Date.now() > inboxDeadline) throw new Error('the test notification did not reach the inbox');
    await sleep(500);
  }
  await call('DELETE', `/alerts/${alert.id}`, { token, status: 204 });
}

let child;
try {
  if (process.argv.includes('--start')) {
    child = spawn(process.execPath, [resolve(ROOT, 'deploy/build/run.mjs'), 'start'], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  await waitUp(child, 120_000);
  await smoke();
  console.log('smoke: the built platform signs up, issues keys, ingests, answers analytics and notifies');
} catch (error) {
  console.error(`smoke: FAILED: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
} finally {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((done) => child.once('exit', done));
  }
}
