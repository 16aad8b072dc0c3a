import { Client } from 'pg';
import { testEnv } from '../src/env';

/**
 * Registered for every integration suite (jest.int.config.ts). Each suite starts its own notifications
 * service under a fresh queue prefix, and a notifications service schedules every enabled alert it finds
 * at boot. Alerts left enabled by earlier suites would then be evaluated by every later one, against
 * services those suites never started: a storm of failing evaluations that slows the whole run. A suite
 * therefore leaves no alert enabled behind it; suites run in band, so no other suite is affected.
 */
afterAll(async () => {
  const client = new Client({ connectionString: testEnv()['DATABASE_URL'] });
  await client.connect();
  try {
    await client.query('update notifications.alerts set enabled = false where enabled');
  } catch (error) {
    // Before the first migration the table does not exist, and there is nothing to disable.
    if ((error as { code?: string }).code !== '42P01') throw error;
  } finally {
    await client.end();
  }
});
