// Each platform's account, described once: its settings (where each applies,
// its default and its check), beside the credentials of lib/types.ts. The
// config node reads its settings through checkAccountSettings(), the client
// checks its timeout with checkAccountSetting(), and the build makes the
// account dialog (rows, platform list, validators) from the same description,
// so the dialog and the runtime cannot disagree on a number or a pattern.
import { invalidInput } from './errors';
import { DEFAULT_RATE_QUEUE, MAX_RATE, MAX_RATE_QUEUE, MIN_RATE } from './pacing';
import { REDIS_LOGIN_PATTERN, REDIS_URL_PATTERN, checkRedisUrl } from './redis-link';
import { PLATFORMS, type AccountConfig, type Credentials, type LoginBy, type Platform } from './types';

/** A country calling code, as the Quectel App account and its calls take it. */
export const COUNTRY_CODE = /^\d{1,4}$/;
/** A base URL as the dialog takes it: http(s), a host, a path; no query or fragment. */
export const BASE_URL = /^https?:\/\/[^\s/?#]+[^\s?#]*$/i;
/** The App WebSocket's URL: TLS only (wss), a host, a path; no query or fragment. */
export const WS_URL = /^wss:\/\/[^\s/?#]+[^\s?#]*$/i;
/** A WebSocket URL with a user name or password in it: the channel logs in with the account's token, never with these. */
export const WS_LOGIN = /^wss:\/\/[^/?#]*@/i;

/**
 * How a setting is read and checked: `text` (a pattern, when it has one),
 * `integer` (min..max), `rate` (0 = none, else min..max), `boolean`, or
 * `choice` (one of `values`; anything else is the default).
 */
export type AccountSettingKind = 'text' | 'integer' | 'rate' | 'boolean' | 'choice';

export interface AccountSetting {
  name: string;
  kind: AccountSettingKind;
  /** What an empty or missing setting means. */
  default: string | number | boolean;
  /** The platforms it applies to; every platform when absent. */
  platforms?: readonly Platform[];
  /** It applies only while another setting has this value. */
  when?: { setting: string; value: string };
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** A value matching this holds a login that must not be saved in the flow file. */
  noLogin?: RegExp;
  /** The runtime's own check of a value that has the pattern (what a pattern cannot say): the value to use. */
  check?: (text: string) => string;
  values?: readonly string[];
  /** Empty is refused where it applies (`always`), or where the platform has no default host (`noDefaultHost`). */
  required?: 'always' | 'noDefaultHost';
  /** The dialog's texts (`iot-openapi-account.editor.<key>`) for a refused value, a missing one, and a login in it. */
  reason?: string;
  requiredReason?: string;
  loginReason?: string;
  /**
   * How the dialog shows it: the row's icon, a short input with its unit's
   * text, the rows that follow it, and what Test connection says when it
   * does not send a refused value (`iot-openapi-account.test.<key>`; else the reason).
   */
  dialog: { icon: string; unit?: string; then?: readonly ('preset' | 'credentials' | 'storeCredentials' | `tip:${string}`)[]; notSent?: string };
}

/** The settings of an account, in the dialog's order. */
export const ACCOUNT_SETTINGS: readonly AccountSetting[] = [
  { name: 'baseUrl', kind: 'text', default: '', pattern: BASE_URL, required: 'noDefaultHost', reason: 'badUrl', requiredReason: 'baseUrlRequired', dialog: { icon: 'fa-globe', then: ['preset'] } },
  { name: 'userDomain', kind: 'text', default: '', platforms: ['quectel-app'], dialog: { icon: 'fa-sitemap' } },
  { name: 'internationalCode', kind: 'text', default: '86', platforms: ['quectel-app'], pattern: COUNTRY_CODE, reason: 'badCountry', dialog: { icon: 'fa-flag', notSent: 'checkCountry' } },
  {
    name: 'wsUrl', kind: 'text', default: '', platforms: ['quectel-app'], pattern: WS_URL, noLogin: WS_LOGIN,
    reason: 'badWsUrl', loginReason: 'wsLoginInUrl', dialog: { icon: 'fa-bolt' },
  },
  { name: 'loginBy', kind: 'choice', default: 'phone', values: ['phone', 'email'], platforms: ['quectel-app'], dialog: { icon: 'fa-sign-in', then: ['credentials'] } },
  { name: 'encrypt', kind: 'boolean', default: true, platforms: ['novastar'], dialog: { icon: 'fa-shield' } },
  { name: 'verifyAnswerSign', kind: 'boolean', default: false, platforms: ['novastar'], dialog: { icon: 'fa-check-circle', then: ['tip:novastarSign'] } },
  { name: 'timeout', kind: 'integer', default: 10_000, min: 100, max: 600_000, reason: 'badTimeout', dialog: { icon: 'fa-clock-o', unit: 'ms' } },
  { name: 'rateLimit', kind: 'rate', default: '', min: MIN_RATE, max: MAX_RATE, reason: 'badRateLimit', dialog: { icon: 'fa-tachometer', unit: 'perSecond' } },
  { name: 'rateQueue', kind: 'integer', default: DEFAULT_RATE_QUEUE, min: 0, max: MAX_RATE_QUEUE, reason: 'badRateQueue', dialog: { icon: 'fa-list-ol', unit: 'calls' } },
  { name: 'tokenStore', kind: 'choice', default: 'local', values: ['local', 'redis'], dialog: { icon: 'fa-database' } },
  {
    name: 'redisUrl', kind: 'text', default: '', when: { setting: 'tokenStore', value: 'redis' }, required: 'always', pattern: REDIS_URL_PATTERN, noLogin: REDIS_LOGIN_PATTERN, check: checkRedisUrl,
    reason: 'badRedisUrl', requiredReason: 'badRedisUrl', loginReason: 'redisLoginInUrl',
    dialog: { icon: 'fa-link', then: ['storeCredentials', 'tip:redis'] },
  },
];

/**
 * The login of the shared token store (any platform's), kept with the
 * account's credentials but not among the vendor's ones the client checks;
 * shown while the setting `when` names has its value.
 */
export const STORE_CREDENTIAL_FIELDS = { redisUsername: 'text', redisPassword: 'password' } as const;
export const STORE_CREDENTIALS_WHEN = { setting: 'tokenStore', value: 'redis' } as const;

export function accountSetting(name: string): AccountSetting {
  const setting = ACCOUNT_SETTINGS.find((s) => s.name === name);
  if (!setting) throw new Error(`no account setting ${name}`);
  return setting;
}

/** Whether a setting applies to an account with these settings. */
export function settingApplies(setting: AccountSetting, platform: Platform, settings: Record<string, unknown>): boolean {
  if (setting.platforms && !setting.platforms.includes(platform)) return false;
  if (setting.when && readSetting(accountSetting(setting.when.setting), settings[setting.when.setting]) !== setting.when.value) return false;
  return true;
}

const isEmpty = (value: unknown) => value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

/** A setting as saved, read without checking: empty is the default. */
function readSetting(setting: AccountSetting, value: unknown): string | number | boolean {
  switch (setting.kind) {
    case 'boolean':
      if (value === true || value === 'true') return true;
      if (value === false || value === 'false') return false;
      return setting.default;
    case 'choice':
      return typeof value === 'string' && setting.values!.includes(value) ? value : setting.default;
    case 'integer':
    case 'rate':
      if (isEmpty(value)) return setting.default;
      return typeof value === 'string' ? Number(value.trim()) : Number(value);
    default:
      if (isEmpty(value)) return setting.default;
      return typeof value === 'string' || typeof value === 'number' ? String(value) : setting.default;
  }
}

/**
 * One setting, read and checked: the value to use, or INVALID_INPUT naming
 * the setting. A setting that does not apply is read but not checked.
 */
export function checkAccountSetting(name: string, value: unknown, applies = true): string | number | boolean {
  const setting = accountSetting(name);
  const read = readSetting(setting, value);
  if (!applies) return read;
  if (setting.kind === 'integer') {
    const n = read as number;
    if (!Number.isInteger(n) || n < setting.min! || n > setting.max!) throw invalidInput(name, 'range', { min: setting.min!, max: setting.max! });
  } else if (setting.kind === 'rate') {
    const n = read === '' ? 0 : (read as number);
    if (!Number.isFinite(n) || n < 0 || n > setting.max! || (n > 0 && n < setting.min!)) throw invalidInput(name, 'rateRange', { min: '1/3600', max: setting.max! });
    return n;
  } else if (setting.kind === 'text' && read !== '') {
    if (!setting.pattern) return read;
    const text = String(read).trim();
    if (!setting.pattern.test(text)) throw invalidInput(name, 'pattern');
    if (setting.noLogin?.test(text)) throw invalidInput(name, 'loginInUrl');
    return setting.check ? setting.check(text) : text;
  } else if (setting.kind === 'text' && setting.required === 'always') {
    // Needed while it applies (the Redis URL of a Redis store); the platform's default host is the client's to know.
    throw invalidInput(name, 'pattern');
  }
  return read;
}

/** An account's settings as the runtime uses them: the client's config, and where its token and pacing are kept. */
export interface CheckedAccount {
  config: AccountConfig;
  tokenStore: 'local' | 'redis';
  redisUrl: string;
  /** Requests a second; 0 = none. */
  rateLimit: number;
  rateQueue: number;
  /** The App WebSocket the account's events come from; empty = the known host's (App accounts only). */
  wsUrl: string;
}

/**
 * Every setting of an account as the runtime takes it, each checked where it
 * applies (its platform, and the token store for the Redis URL). The
 * credentials are passed on as given: the client checks those it needs.
 */
export function checkAccountSettings(settings: Record<string, unknown>, credentials: Record<string, unknown> = {}): CheckedAccount {
  const platform = settings.platform as Platform;
  if (!PLATFORMS.includes(platform)) throw invalidInput('platform', 'enum', { values: PLATFORMS.join(', ') });
  const values: Record<string, string | number | boolean> = {};
  for (const setting of ACCOUNT_SETTINGS) values[setting.name] = checkAccountSetting(setting.name, settings[setting.name], settingApplies(setting, platform, settings));
  // Not the client's: the settings that key the account's shared state (its token, its count of refused logins) stay as they were.
  const { rateLimit, rateQueue, tokenStore, redisUrl, wsUrl, ...account } = values;
  return {
    // Every platform's account carries the same settings: what keys its shared state must not change with the platform's list.
    config: { ...account, platform, loginBy: account.loginBy as LoginBy, credentials: credentials as Credentials } as AccountConfig,
    tokenStore: tokenStore as 'local' | 'redis',
    redisUrl: tokenStore === 'redis' ? String(redisUrl).trim() : '',
    rateLimit: Number(rateLimit) || 0,
    rateQueue: rateQueue as number,
    wsUrl: String(wsUrl).trim(),
  };
}
