// The names an account's state is kept under, and the key that proves a
// shared value was written for these very credentials. Everything that scopes
// a vendor session goes into them: the base URL's scheme, host, port and path,
// the platform, every non-secret credential and setting, and (through a slow,
// salted hash) the secrets. So two accounts that differ in any of these never
// share a token, a login lease or a count of refused logins, and what a
// stranger reads from a shared store does not let him test guesses of a
// password at speed.
import { createHash, createHmac, scryptSync, timingSafeEqual } from 'node:crypto';

export interface AccountScope {
  platform: string;
  /** The resolved base URL (scheme, host, port, path). */
  baseUrl: string;
  /** Credentials and settings that name the account but are not secret (user, AccessKey, user domain, …). */
  names: Record<string, string>;
  /** The secret credentials, in a fixed order. */
  secrets: readonly string[];
}

export interface AccountKeys {
  /** Who the account is, secrets aside: the vendor counts refused logins per such identity. */
  identity: string;
  /** A short keyed hash of the secrets: tells apart two sets of credentials of one identity. */
  fingerprint: string;
  /** The key of the account's shared token and login lease: identity and secrets together. */
  session: string;
  /** Signs what is shared through Redis, so that only values written with these credentials are taken. */
  mac(text: string): string;
  /** Whether `tag` is mac(text). */
  verify(text: string, tag: unknown): boolean;
}

/** scrypt's cost: about 16 MiB and a few tens of milliseconds, once per set of credentials and process. */
const SCRYPT = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
/** Derived keys kept in memory, so a redeploy or a Test connection does not pay scrypt again. */
const MEMO_LIMIT = 64;
const memo = new Map<string, Buffer>();

/** The canonical text of a URL's scope: lower-case scheme and host, the port, the path without a trailing slash. */
function scopeOf(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    return `${url.protocol}//${url.host.toLowerCase()}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return baseUrl;
  }
}

export function accountKeys(scope: AccountScope): AccountKeys {
  const names = Object.keys(scope.names)
    .sort()
    .map((name) => `${name}=${scope.names[name]}`);
  const identity = sha256(['iot-openapi identity', scope.platform, scopeOf(scope.baseUrl), ...names].join('\n'));
  const secretText = scope.secrets.join('\n');
  const memoKey = sha256(`${identity}\n${secretText}`);
  let root = memo.get(memoKey);
  if (!root) {
    root = scryptSync(secretText, `iot-openapi:${identity}`, 32, SCRYPT);
    memo.set(memoKey, root);
    while (memo.size > MEMO_LIMIT) memo.delete(memo.keys().next().value!);
  }
  const derive = (label: string) => createHmac('sha256', root).update(label).digest();
  const fingerprint = derive('fingerprint').toString('hex').slice(0, 32);
  const macKey = derive('mac');
  const mac = (text: string) => createHmac('sha256', macKey).update(text).digest('base64url');
  return {
    identity,
    fingerprint,
    session: sha256(`iot-openapi session\n${identity}\n${fingerprint}`),
    mac,
    verify(text, tag) {
      if (typeof tag !== 'string') return false;
      const want = Buffer.from(mac(text));
      const got = Buffer.from(tag);
      return got.length === want.length && timingSafeEqual(got, want);
    },
  };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
