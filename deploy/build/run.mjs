#!/usr/bin/env node
// Runs the compiled Northstar apps from dist/ (no dependencies; the apps' Node flags are in node-flags.mjs).
//
//   node deploy/build/run.mjs migrate [app...]   `main.js migrate` for each app, in order; stops at the
//                                               first failure with that app's exit code
//   node deploy/build/run.mjs start [app...]     every app (or the named ones) side by side, output
//                                               prefixed with the app's name; Ctrl-C / SIGTERM stops
//                                               them all (SIGTERM, then SIGKILL after 10 s); if one
//                                               dies on its own the others are stopped and the exit
//                                               code is 1
//
// Environment: NORTHSTAR_STOP_TIMEOUT (ms to wait after SIGTERM, 10000), NORTHSTAR_MIGRATE_TIMEOUT
// (ms one app's migrate may take, 300000), PORT (gateway port, 3000; used for the "up" banner).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { nodeFlagsOf } from './node-flags.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// Migration order: the catalog first, the edge last.
const APPS = ['chains', 'identity', 'tenancy', 'keys', 'notifications', 'ingestion', 'analytics', 'gateway'];
const STOP_TIMEOUT_MS = Number(process.env.NORTHSTAR_STOP_TIMEOUT ?? 10_000);
const MIGRATE_TIMEOUT_MS = Number(process.env.NORTHSTAR_MIGRATE_TIMEOUT ?? 300_000);

const useColor = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const paint = (code, text) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);
const COLORS = ['36', '32', '33', '35', '34', '96', '92', '95']; // one per app, stable
const WIDTH = Math.max(...APPS.map((a) => a.length));

const labelOf = (name) => {
  const i = APPS.indexOf(name);
  return paint(i >= 0 ? COLORS[i % COLORS.length] : '1', name.padEnd(WIDTH)) + ' | ';
};
const say = (text) => process.stdout.write(`${labelOf('run')}${text}\n`);
const shout = (text) => process.stderr.write(`${labelOf('run')}${paint('1;31', text)}\n`);

const entryOf = (app) => join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
const describeExit = (code, signal) => (signal ? `signal ${signal}` : `exit code ${code}`);

function usage(message) {
  if (message) process.stderr.write(`${message}\n`);
  process.stderr.write(`usage: node deploy/build/run.mjs migrate|start [app...]\napps: ${APPS.join(' ')}\n`);
  process.exit(2);
}

function selectApps(names) {
  const unknown = names.filter((n) => !APPS.includes(n));
  if (unknown.length) usage(`unknown app: ${unknown.join(', ')}`);
  const selected = names.length ? APPS.filter((a) => names.includes(a)) : APPS;
  const missing = selected.filter((a) => !existsSync(entryOf(a)));
  if (missing.length) {
    shout(`not built: ${missing.map((a) => relative(ROOT, entryOf(a))).join(', ')} (run npm run build first)`);
    process.exit(1);
  }
  return selected;
}

// Prefix every line a child writes with its name.
function pipeLines(stream, out, label) {
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  rl.on('line', (line) => out.write(label + line + '\n'));
  return new Promise((done) => rl.on('close', done));
}

function childEnv() {
  const env = { ...process.env };
  // Apps (Nest's logger) colour their output unless NO_COLOR is set: only on a terminal.
  if (!useColor && env.NO_COLOR === undefined) env.NO_COLOR = '1';
  return env;
}

function launch(app, args, options = {}) {
  const child = spawn(process.execPath, [...nodeFlagsOf(app), entryOf(app), ...args], {
    cwd: ROOT,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
  const label = labelOf(app);
  const drained = Promise.all([pipeLines(child.stdout, process.stdout, label), pipeLines(child.stderr, process.stderr, label)]);
  return { child, drained };
}

// ------------------------------------------------------------------------------------------------
// migrate

async function migrate(apps) {
  let current = null;
  let interrupted = null;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      interrupted = signal;
      if (current) current.kill('SIGTERM');
    });
  }

  for (const app of apps) {
    say(`migrate ${app}`);
    const started = Date.now();
    const { child, drained } = launch(app, ['migrate']);
    current = child;
    const timer = setTimeout(() => {
      shout(`${app}: migrate still running after ${MIGRATE_TIMEOUT_MS / 1000}s (does it close its connections?); killing it`);
      child.kill('SIGKILL');
    }, MIGRATE_TIMEOUT_MS);
    const [code, signal] = await new Promise((done) => {
      child.on('error', (err) => {
        shout(`${app}: could not start: ${err.message}`);
        done([1, null]);
      });
      child.on('exit', (c, s) => done([c, s]));
    });
    clearTimeout(timer);
    await Promise.race([drained, new Promise((r) => setTimeout(r, 1000))]);
    current = null;
    if (interrupted) {
      shout(`migrate interrupted (${interrupted}) during ${app}`);
      process.exit(interrupted === 'SIGINT' ? 130 : 143);
    }
    if (code !== 0) {
      shout(`MIGRATION FAILED: ${app} (${describeExit(code, signal)}); the apps after it were not migrated`);
      process.exit(code || 1);
    }
    say(`migrate ${app}: done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }
  say(`migrations applied for ${apps.join(', ')}`);
}

// ------------------------------------------------------------------------------------------------
// start

function start(apps) {
  const running = new Map(); // app -> { child, drained, exited }
  let stopping = false;
  let exitCode = 0;
  let killTimer = null;

  // Signal the child's whole process group (children are detached: group leaders).
  const signalChild = (child, signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      try {
        child.kill(signal);
      } catch {
        /* already gone */
      }
    }
  };

  const alive = () => [...running.entries()].filter(([, r]) => !r.exited);

  const finish = async () => {
    clearTimeout(killTimer);
    await Promise.race([
      Promise.all([...running.values()].map((r) => r.drained)),
      new Promise((r) => setTimeout(r, 1000)),
    ]);
    say(exitCode ? 'stopped (with errors)' : 'all apps stopped');
    process.exit(exitCode);
  };

  const stopAll = (reason) => {
    if (stopping) return;
    stopping = true;
    say(`stopping (${reason}): SIGTERM to ${alive().map(([a]) => a).join(', ') || 'nothing'}`);
    for (const [, r] of alive()) signalChild(r.child, 'SIGTERM');
    if (alive().length === 0) return void finish();
    killTimer = setTimeout(() => {
      for (const [app, r] of alive()) {
        shout(`${app} did not stop within ${STOP_TIMEOUT_MS / 1000}s: SIGKILL`);
        signalChild(r.child, 'SIGKILL');
      }
    }, STOP_TIMEOUT_MS);
  };

  const onExit = (app, code, signal) => {
    const r = running.get(app);
    if (r.exited) return;
    r.exited = true;
    if (!stopping) {
      shout(`${app} EXITED UNEXPECTEDLY (${describeExit(code, signal)}); stopping the other apps`);
      exitCode = 1;
      stopAll(`${app} died`);
    } else {
      say(`${app} stopped (${describeExit(code, signal)})`);
    }
    if (alive().length === 0) void finish();
  };

  let stopRequestedAt = 0;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (!stopping) {
        stopRequestedAt = Date.now();
        stopAll(signal);
      } else if (Date.now() - stopRequestedAt > 2000) {
        // (A Ctrl-C often arrives twice: from the terminal and forwarded by npm / start.sh.)
        say(`${signal} received, already stopping (at most ${STOP_TIMEOUT_MS / 1000}s)`);
      }
    });
  }
  // Last resort: never leave children behind if the supervisor itself goes down.
  process.on('exit', () => {
    for (const [, r] of alive()) signalChild(r.child, 'SIGKILL');
  });
  process.on('uncaughtException', (err) => {
    shout(`supervisor error: ${err.stack ?? err}`);
    exitCode = 1;
    stopAll('supervisor error');
  });

  for (const app of apps) {
    // detached: each app gets its own process group, so a terminal Ctrl-C reaches only this
    // supervisor, which then stops the apps in an orderly way.
    const { child, drained } = launch(app, [], { detached: true });
    running.set(app, { child, drained, exited: false });
    child.on('error', (err) => {
      shout(`${app}: could not start: ${err.message}`);
      onExit(app, 1, null);
    });
    child.on('exit', (code, signal) => onExit(app, code, signal));
  }
  say(`started ${apps.join(', ')} (Ctrl-C stops them)`);

  if (apps.includes('gateway')) void announceGateway(() => stopping);
}

// Print the URLs once the gateway accepts connections.
async function announceGateway(isStopping) {
  const port = Number(process.env.PORT ?? 3000);
  const deadline = Date.now() + 120_000;
  while (!isStopping() && Date.now() < deadline) {
    const open = await new Promise((done) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        done(true);
      });
      socket.on('error', () => done(false));
      socket.setTimeout(1000, () => {
        socket.destroy();
        done(false);
      });
    });
    if (open) {
      if (!isStopping()) {
        say(paint('1;32', `Northstar is up: gateway http://localhost:${port}  API docs http://localhost:${port}/docs`));
      }
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!isStopping()) shout(`the gateway is not listening on port ${port} after 120s`);
}

// ------------------------------------------------------------------------------------------------

const [command, ...names] = process.argv.slice(2);
if (command === 'migrate') await migrate(selectApps(names));
else if (command === 'start') start(selectApps(names));
else usage(command ? `unknown command: ${command}` : undefined);
