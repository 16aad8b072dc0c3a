import { chatUrlProblem } from './chat-address';

const PRODUCTION = { allowPrivate: false, httpsOnly: true };
const TESTS = { allowPrivate: true, httpsOnly: false };

describe('chatUrlProblem', () => {
  it.each([
    ['slack', 'https://hooks.slack.com/services/T0/B0/X'],
    ['discord', 'https://discord.com/api/webhooks/1/tok'],
    ['discord', 'https://discordapp.com/api/webhooks/1/tok'],
    ['teams', 'https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke'],
    ['teams', 'https://default1.environment.api.powerplatform.com/powerautomate/automations/direct/x'],
    ['teams', 'https://8.8.8.8/hook'],
  ] as const)('accepts a %s URL: %s', async (type, url) => {
    await expect(chatUrlProblem(type, url, PRODUCTION)).resolves.toBeNull();
  });

  it.each([
    ['slack', 'http://hooks.slack.com/services/T0/B0/X', 'the URL must be https'],
    [
      'slack',
      'https://hooks.slack.example.com/services/X',
      'a Slack incoming webhook URL is on hooks.slack.com',
    ],
    [
      'discord',
      'https://discord.com/channels/1/2',
      'a Discord webhook URL is https://discord.com/api/webhooks/…',
    ],
    [
      'discord',
      'https://evil.example/api/webhooks/1/a',
      'a Discord webhook URL is https://discord.com/api/webhooks/…',
    ],
    ['teams', 'https://user:pw@example.com/x', 'the URL must not contain credentials'],
    ['teams', 'https://127.0.0.1/hook', 'the host is a private or reserved address'],
    ['teams', 'https://[::1]/hook', 'the host is a private or reserved address'],
  ] as const)('refuses a %s URL in production: %s', async (type, url, problem) => {
    await expect(chatUrlProblem(type, url, PRODUCTION)).resolves.toContain(problem);
  });

  it('lets tests stand in for the services with local http receivers, nothing else', async () => {
    await expect(chatUrlProblem('slack', 'http://127.0.0.1:4000/slack', TESTS)).resolves.toBeNull();
    await expect(chatUrlProblem('discord', 'http://localhost:4000/discord', TESTS)).resolves.toBeNull();
    await expect(chatUrlProblem('slack', 'https://hooks.example.com/x', TESTS)).resolves.toContain(
      'hooks.slack.com',
    );
  });
});
