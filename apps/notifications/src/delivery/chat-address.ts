import type { AlertChatUrlType } from '@northstar/contracts';
import { isIP } from 'node:net';
import { urlHost, webhookUrlProblem, webhookUrlShapeProblem } from './webhook-address';

const DISCORD_HOSTS = new Set(['discord.com', 'discordapp.com', 'ptb.discord.com', 'canary.discord.com']);

export interface ChatUrlRules {
  /** Private and loopback targets allowed (WEBHOOK_ALLOW_PRIVATE): tests' local receivers. */
  allowPrivate: boolean;
  /** https only: a chat URL is a bearer token, which must not cross the network in clear. */
  httpsOnly: boolean;
}

/**
 * What is wrong with a chat channel's URL for the API's 400, or null. The address rules of webhooks,
 * https in production, and the service's own host: a Slack URL that is not Slack's is a mistake (or a
 * way to send Slack-shaped requests elsewhere). A local receiver, where private targets are allowed, is
 * spared the host check, so that tests and development can stand in for the services.
 */
export async function chatUrlProblem(
  type: AlertChatUrlType,
  url: string,
  rules: ChatUrlRules,
): Promise<string | null> {
  const shape = webhookUrlShapeProblem(url);
  if (shape !== null) return shape;
  const parsed = new URL(url);
  if (rules.httpsOnly && parsed.protocol !== 'https:') return 'the URL must be https';
  const host = urlHost(parsed).toLowerCase();
  const local = rules.allowPrivate && (isIP(host) !== 0 || host === 'localhost');
  if (!local) {
    const hostProblem = serviceHostProblem(type, host, parsed.pathname);
    if (hostProblem !== null) return hostProblem;
  }
  return webhookUrlProblem(url, rules.allowPrivate);
}

function serviceHostProblem(type: AlertChatUrlType, host: string, path: string): string | null {
  switch (type) {
    case 'slack':
      return host === 'hooks.slack.com' ? null : 'a Slack incoming webhook URL is on hooks.slack.com';
    case 'discord':
      return DISCORD_HOSTS.has(host) && path.startsWith('/api/webhooks/')
        ? null
        : 'a Discord webhook URL is https://discord.com/api/webhooks/…';
    case 'teams':
      // Workflows URLs live on several Azure and Power Platform hosts that change by region and
      // tenant: any public https URL is taken.
      return null;
  }
}
