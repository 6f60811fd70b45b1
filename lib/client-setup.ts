// Building an account's client: its settings checked, and the parts every
// call uses made once — the clock, the HTTP transport, the platform's
// adapter, the token keeper (with the refusal count, shared through Redis or
// not) and the pacer. OpenApiClient (lib/client.ts) only calls with them.
import { accountKeys, type AccountKeys } from './account-keys';
import { checkAccountSetting } from './accounts';
import { Clock } from './clock';
import { invalidInput, redactText } from './errors';
import { Transport } from './http';
import { LoginGuard, processRefusals, type RefusalStore } from './lockout';
import { checkPacing, Pacer } from './pacing';
import { createAdapter, DEFAULT_BASE_URLS } from './platforms';
import type { PlatformAdapter } from './platforms/platform';
import { checkRedisUrl, RedisLink, type TokenStoreOptions } from './redis-link';
import { Session, type SessionEvent } from './session';
import { SharedRefusalStore, SharedSession, type TokenKeeper } from './shared-session';
import { CREDENTIAL_FIELDS, PLATFORMS, requiredCredentials, type AccountConfig, type Platform } from './types';

export interface ClientOptions {
  onEvent?: (event: SessionEvent) => void;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Retries of a read that creates nothing, after 5xx, 429 or a dropped connection. */
  retries?: number;
  retryBaseMs?: number;
  /** Where refused logins are counted (default: this process's memory); give a lasting store to keep the count across restarts. */
  refusals?: RefusalStore;
  /**
   * Where the token lives: this instance's memory (default), or Redis, shared
   * by every instance of the account with the login lease, the refusal count
   * and the pacing bucket.
   */
  store?: TokenStoreOptions;
  /** Requests a second the account sends at most (every request of a call, retries included; logins are not counted); 0 or undefined: no limit. */
  rateLimit?: number;
  /** Calls that may wait for the rate at once (default 100); one more fails with RATE_LIMITED, unsent. */
  rateQueue?: number;
}

/** What a client calls with. */
export interface ClientParts {
  platform: Platform;
  /** The account, holding exactly its platform's credentials. */
  config: AccountConfig;
  /** The longest a whole call may take (ms). */
  timeout: number;
  clock: Clock;
  transport: Transport;
  adapter: PlatformAdapter;
  /** Absent on a platform without a login. */
  session?: TokenKeeper;
  pacer: Pacer;
  link?: RedisLink;
}

/** The base URL calls go to: the account's, or the platform's default; checked. */
export function resolveBaseUrl(config: Pick<AccountConfig, 'platform' | 'baseUrl'>): string {
  const url = (config.baseUrl ?? '').trim() || DEFAULT_BASE_URLS[config.platform];
  if (!url) throw invalidInput('baseUrl', 'required');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidInput('baseUrl', 'pattern');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalidInput('baseUrl', 'pattern');
  if (parsed.username || parsed.password || parsed.search || parsed.hash) throw invalidInput('baseUrl', 'pattern');
  return url.replace(/\/+$/, '');
}

/** A copy of the credentials holding exactly the platform's, each one given: the adapters rely on both. */
function platformCredentials(config: AccountConfig): Record<string, string> {
  const given: Record<string, unknown> = { ...config.credentials };
  const credentials: Record<string, string> = {};
  const required = requiredCredentials(config);
  for (const name of Object.keys(CREDENTIAL_FIELDS[config.platform])) {
    const value = given[name];
    if (!required.includes(name) && (value === undefined || value === null || value === '')) continue;
    if (value === undefined || value === null || value === '') throw invalidInput(name, 'required');
    if (typeof value !== 'string' && typeof value !== 'number') throw invalidInput(name, 'type', { expected: 'a string' });
    credentials[name] = String(value);
  }
  return credentials;
}

/** What the account's shared state is kept under: everything that scopes its session, the secrets only through a slow keyed hash. */
function keysOf(config: AccountConfig, baseUrl: string): AccountKeys {
  const fields = CREDENTIAL_FIELDS[config.platform] as Record<string, 'text' | 'password'>;
  const credentials = config.credentials as Record<string, string>;
  const names: Record<string, string> = {};
  for (const [name, value] of Object.entries(config)) if (typeof value === 'string' && name !== 'platform' && name !== 'baseUrl') names[name] = value;
  for (const [name, value] of Object.entries(credentials)) if (fields[name] === 'text') names[`credentials.${name}`] = value;
  const secrets = Object.keys(fields).filter((name) => fields[name] === 'password').map((name) => credentials[name] ?? '');
  return accountKeys({ platform: config.platform, baseUrl, names, secrets });
}

/** Checks the account and makes its parts; a bad setting throws INVALID_INPUT before anything is opened. */
export function setUpClient(given: AccountConfig, options: ClientOptions = {}): ClientParts {
  if (!PLATFORMS.includes(given?.platform)) throw invalidInput('platform', 'enum', { values: PLATFORMS.join(', ') });
  const timeout = checkAccountSetting('timeout', given.timeout) as number;
  const config = { ...given, credentials: platformCredentials(given) } as AccountConfig;
  const baseUrl = resolveBaseUrl(config);
  const pacing = checkPacing(options.rateLimit, options.rateQueue);
  if (options.store?.kind === 'redis') checkRedisUrl(options.store.url);

  const clock = new Clock();
  const transport = new Transport({ platform: config.platform, baseUrl, timeout, clock, retries: options.retries, retryBaseMs: options.retryBaseMs });
  const adapter = createAdapter({ config, transport, clock });
  const keys = keysOf(config, baseUrl);
  let link: RedisLink | undefined;
  if (options.store?.kind === 'redis') {
    link = new RedisLink(options.store);
    link.watch((status) => options.onEvent?.({ type: 'store', shared: status.shared, ...(status.reason ? { reason: status.reason } : {}) }));
  }
  const pacer = new Pacer({ ...pacing, shared: link && { link, id: keys.identity } });
  const session = tokenKeeper(config, baseUrl, adapter, clock, keys, link, timeout, options);
  return { platform: config.platform, config, timeout, clock, transport, adapter, session, pacer, link };
}

/** The account's token: its own session, or one shared through Redis; none where the platform has no login. */
function tokenKeeper(
  config: AccountConfig,
  baseUrl: string,
  adapter: PlatformAdapter,
  clock: Clock,
  keys: AccountKeys,
  link: RedisLink | undefined,
  timeout: number,
  options: ClientOptions,
): TokenKeeper | undefined {
  const { login, refresh, renewAt, stopSignal } = adapter;
  if (!login || !renewAt) return undefined;
  const local = options.refusals ?? processRefusals;
  const refusals = link ? new SharedRefusalStore(local, link, keys, `${keys.identity}.${keys.fingerprint}`) : local;
  // A record an earlier version kept under platform, host and user is taken over.
  const legacy = { platform: config.platform, host: new URL(baseUrl).host, user: adapter.user(), secrets: Object.values(config.credentials as Record<string, string>) };
  const guard = new LoginGuard(refusals, keys, (text) => redactText(text, adapter.secrets()), Date.now, legacy);
  const session = new Session({ login, refresh, renewAt, stopSignal }, { clock, onEvent: options.onEvent, backoffBaseMs: options.backoffBaseMs, backoffMaxMs: options.backoffMaxMs, guard });
  return link ? new SharedSession(session, link, keys, { clock, waitMs: timeout, refusals: refusals as SharedRefusalStore }) : session;
}
