// The platforms the library knows: each one's adapter and default host. The
// client reaches a platform only through here.
import { PLATFORMS, type Platform } from '../types';
import { novastarAdapter } from './novastar';
import { onbrightAdapter, ONBRIGHT_DEFAULT_BASE_URL } from './onbright';
import type { PlatformAdapter, PlatformContext } from './platform';
import { QUECTEL_DEFAULT_BASE_URL } from './quectel';
import { quectelAppAdapter } from './quectel-app';
import { APP_CHANNEL_DEFAULT_URL } from './quectel-app-channel';
import { quectelSaasAdapter } from './quectel-saas';

/** A vendor's host: its API, and where the same account's live events come from (AMQP client access guide). */
export interface KnownHost {
  name: string;
  url: string;
  /** The AMQPS URL of the SaaS message subscription in this region. */
  amqpUrl?: string;
  /** The App WebSocket of this region (App accounts' live events); the vendor's pages name only the mainland China one. */
  wsUrl?: string;
}

const QUECTEL_HOSTS: readonly KnownHost[] = [
  { name: 'quectelCn', url: QUECTEL_DEFAULT_BASE_URL, amqpUrl: 'amqps://iot-amqp.quectelcn.com:5671/quec-open', wsUrl: APP_CHANNEL_DEFAULT_URL },
  { name: 'quectelEu', url: 'https://iot-api.acceleronix.io', amqpUrl: 'amqps://iot-amqp.acceleronix.io:5671/quec-open' },
];

/** The hosts each vendor runs, named for an editor's list; the first is what an empty base URL means. */
export const KNOWN_HOSTS: Readonly<Record<Platform, readonly KnownHost[]>> = {
  'quectel-app': QUECTEL_HOSTS,
  'quectel-saas': QUECTEL_HOSTS,
  onbright: [{ name: 'onbrightProd', url: ONBRIGHT_DEFAULT_BASE_URL }, { name: 'onbrightTest', url: 'https://aliiot.on-bright.com' }],
  // The API runs on the processor itself: there is no default.
  novastar: [],
};

export const DEFAULT_BASE_URLS = Object.fromEntries(PLATFORMS.map((p) => [p, KNOWN_HOSTS[p][0]?.url])) as Readonly<Record<Platform, string | undefined>>;

/** The adapter of the account's platform. */
export function createAdapter(ctx: PlatformContext): PlatformAdapter {
  const { config } = ctx;
  switch (config.platform) {
    case 'quectel-app':
      return quectelAppAdapter({ ...ctx, config });
    case 'quectel-saas':
      return quectelSaasAdapter({ ...ctx, config });
    case 'onbright':
      return onbrightAdapter({ ...ctx, config });
    case 'novastar':
      return novastarAdapter({ ...ctx, config });
  }
}

/** The known host an account's base URL names (by host name), if any. */
export function knownHost(platform: Platform, baseUrl: string | undefined): KnownHost | undefined {
  try {
    const host = new URL(baseUrl ?? '').hostname.toLowerCase();
    return KNOWN_HOSTS[platform].find((known) => new URL(known.url).hostname === host);
  } catch {
    return undefined;
  }
}
