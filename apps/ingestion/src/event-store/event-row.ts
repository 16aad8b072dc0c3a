import type { EventEnvelope, EventType } from '@northstar/contracts';
import type { UserAgentInfo } from '../enrichment/user-agent';
import { urlParts } from '../enrichment/page-url';

/** One row of ClickHouse `events`, as JSONEachRow (Nested columns flattened, times in Unix seconds). */
export interface EventRow {
  project_id: string;
  event_id: string;
  message_id: string;
  type: EventType;
  event: string;
  name: string;
  user_id: string;
  anonymous_id: string;
  group_id: string;
  previous_id: string;
  session_id: string;
  timestamp: number;
  timestamp_ms: number;
  received_at: number;
  sent_at: number | null;
  page_url: string;
  page_host: string;
  page_path: string;
  page_referrer: string;
  page_referrer_host: string;
  page_title: string;
  page_search: string;
  campaign_name: string;
  campaign_source: string;
  campaign_medium: string;
  campaign_term: string;
  campaign_content: string;
  locale: string;
  library_name: string;
  library_version: string;
  user_agent: string;
  browser: string;
  browser_version: string;
  os: string;
  os_version: string;
  device_type: string;
  device_vendor: string;
  device_model: string;
  country: string;
  chain_id: number;
  wallet_address: string;
  tx_hash: string;
  contract_address: string;
  method: string;
  value: string;
  tx_status: string;
  'properties.key': string[];
  'properties.value': string[];
  'traits.key': string[];
  'traits.value': string[];
  raw: string;
}

export interface Enrichment {
  sessionId: string;
  userAgent: UserAgentInfo;
  country: string;
}

// ClickHouse 18.16 refuses a JSON string holding half a surrogate pair (and so the whole insert):
// replace lone surrogates with U+FFFD, as a UTF-8 encoder would.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function wellFormed(value: string): string {
  return value.replace(LONE_SURROGATE, '\uFFFD');
}

const text = (value: string | undefined | null): string => (value ? wellFormed(value) : '');

/** Top-level keys with string values: strings as they are, anything else as its JSON. */
function nested(object: Record<string, unknown>): { keys: string[]; values: string[] } {
  const keys: string[] = [];
  const values: string[] = [];
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined) continue;
    keys.push(wellFormed(key));
    values.push(wellFormed(typeof value === 'string' ? value : JSON.stringify(value)));
  }
  return { keys, values };
}

const seconds = (iso: string): { s: number; ms: number } => {
  const at = Date.parse(iso);
  return { s: Math.floor(at / 1000), ms: at % 1000 };
};

/** The row of an envelope. The IP address is used for the country and goes no further. */
export function toEventRow(envelope: EventEnvelope, enrichment: Enrichment): EventRow {
  const context = envelope.context;
  const page = context.page ?? {};
  const url = urlParts(page.url);
  const web3 = envelope.web3 ?? {};
  const ua = enrichment.userAgent;
  const properties = nested(envelope.properties);
  const traits = nested(envelope.traits);
  const time = seconds(envelope.timestamp);
  return {
    project_id: envelope.projectId,
    event_id: envelope.eventId,
    message_id: text(envelope.messageId),
    type: envelope.type,
    event: text(envelope.event),
    name: text(envelope.name),
    user_id: text(envelope.userId),
    anonymous_id: text(envelope.anonymousId),
    group_id: text(envelope.groupId),
    previous_id: text(envelope.previousId),
    session_id: text(enrichment.sessionId),
    timestamp: time.s,
    timestamp_ms: time.ms,
    received_at: seconds(envelope.receivedAt).s,
    sent_at: envelope.sentAt ? seconds(envelope.sentAt).s : null,
    page_url: text(page.url),
    page_host: url.host,
    // The SDK's path wins: single-page apps report the route, which the URL may not show.
    page_path: text(page.path) || url.path,
    page_referrer: text(page.referrer),
    page_referrer_host: urlParts(page.referrer).host,
    page_title: text(page.title),
    page_search: text(page.search),
    campaign_name: text(context.campaign?.name),
    campaign_source: text(context.campaign?.source),
    campaign_medium: text(context.campaign?.medium),
    campaign_term: text(context.campaign?.term),
    campaign_content: text(context.campaign?.content),
    locale: text(context.locale),
    library_name: text(context.library?.name),
    library_version: text(context.library?.version),
    user_agent: text(context.userAgent),
    // Mobile SDKs send the OS and device in the context and often no user agent.
    browser: text(ua.browser),
    browser_version: text(ua.browserVersion),
    os: text(ua.os || context.os?.name),
    os_version: text(ua.os ? ua.osVersion : context.os?.version),
    device_type: text(ua.deviceType || context.device?.type),
    device_vendor: text(ua.deviceVendor || context.device?.manufacturer),
    device_model: text(ua.deviceModel || context.device?.model),
    country: enrichment.country,
    chain_id: web3.chainId ?? 0,
    wallet_address: text(web3.walletAddress),
    tx_hash: text(web3.txHash),
    contract_address: text(web3.contractAddress),
    method: text(web3.method),
    value: text(web3.value),
    tx_status: text(web3.status),
    'properties.key': properties.keys,
    'properties.value': properties.values,
    'traits.key': traits.keys,
    'traits.value': traits.values,
    raw: wellFormed(envelope.raw),
  };
}
