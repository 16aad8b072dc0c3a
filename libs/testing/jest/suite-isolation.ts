import { Client } from 'pg';
import { testEnv } from '../src/env';

/**
 * Registered for every integration suite (jest.int.config.ts). Each suite starts its own notifications
 * service under a fresh queue prefix, and a notifications service schedules every enabled alert it finds
 * at boot. Alerts left enabled by earlier suites would then be evaluated by every later one, against
 * services those suites never started: a storm of failing evaluations that slows the whole run. A suite
 * therefore leaves none of the alerts it made enabled behind it.
 */
let suiteStarted: Date;

beforeAll(() => {
  suiteStarted = new Date();
});

afterAll(async () => {
  const client = new Client({ connectionString: testEnv()['DATABASE_URL'] });
  await client.connect();
  try {
    // Only the suite's own alerts: a test run beside this one (another checkout) keeps its alerts.
    await client.query('update notifications.alerts set enabled = false where enabled and created_at >= $1', [
      suiteStarted,
    ]);
  } catch (error) {
    // Before the first migration the table does not exist, and there is nothing to disable.
    if ((error as { code?: string }).code !== '42P01') throw error;
  } finally {
    await client.end();
  }
});
