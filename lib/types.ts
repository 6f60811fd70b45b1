export type Platform = 'quectel-app' | 'quectel-saas' | 'onbright' | 'novastar';
export const PLATFORMS: readonly Platform[] = ['quectel-app', 'quectel-saas', 'onbright', 'novastar'];

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE'];

/**
 * Each platform's credentials, as the config node keeps them in Node-RED's
 * credential store: a `password` field is a secret the editor is never given
 * back. A client refuses an account that lacks any of its platform's.
 */
export const CREDENTIAL_FIELDS = {
  'quectel-app': { phone: 'text', email: 'text', password: 'password', userDomainSecret: 'password' },
  'quectel-saas': { accessKey: 'text', accessSecret: 'password' },
  onbright: { clientId: 'text', clientSecret: 'password', uniqueKey: 'password' },
  novastar: { pId: 'text', secretKey: 'password' },
} as const satisfies Record<Platform, Record<string, 'text' | 'password'>>;

/** How a Quectel App account logs in: with its phone number (default) or its email address. */
export type LoginBy = 'phone' | 'email';

/** Platforms that log in by one of several names: the credential each login method uses. */
const LOGIN_NAMES: Partial<Record<Platform, Record<LoginBy, string>>> = { 'quectel-app': { phone: 'phone', email: 'email' } };

/** The credentials an account needs: all its platform's, except the login names of the login methods it does not use. */
export function requiredCredentials(config: { platform: Platform; loginBy?: LoginBy }): string[] {
  const names = Object.keys(CREDENTIAL_FIELDS[config.platform]);
  const byMethod = LOGIN_NAMES[config.platform];
  if (!byMethod) return names;
  const used = byMethod[config.loginBy ?? 'phone'];
  return names.filter((name) => name === used || !Object.values(byMethod).includes(name));
}

/** The credentials of one platform. */
export type CredentialsOf<P extends Platform> = Record<keyof (typeof CREDENTIAL_FIELDS)[P], string>;
export type Credentials = { [P in Platform]: CredentialsOf<P> }[Platform];

/** What every account has, whatever its platform. */
interface AccountBase {
  /** Empty means the platform's default host. */
  baseUrl?: string;
  /** Milliseconds a whole call may take. */
  timeout?: number;
}

export interface QuectelAppAccount extends AccountBase {
  platform: 'quectel-app';
  userDomain?: string;
  /** The country code used where a call leaves it out (default 86). */
  internationalCode?: string;
  loginBy?: LoginBy;
  /** phone or email, whichever loginBy needs, may be left out. */
  credentials: Omit<CredentialsOf<'quectel-app'>, 'phone' | 'email'> & { phone?: string; email?: string };
}

export interface QuectelSaasAccount extends AccountBase {
  platform: 'quectel-saas';
  credentials: CredentialsOf<'quectel-saas'>;
}

export interface OnbrightAccount extends AccountBase {
  platform: 'onbright';
  credentials: CredentialsOf<'onbright'>;
}

export interface NovastarAccount extends AccountBase {
  platform: 'novastar';
  /** Whether the processor has encryption on (default on). */
  encrypt?: boolean;
  /** Refuse an answer whose non-empty sign does not verify (default off: processors differ in how they sign). */
  verifyAnswerSign?: boolean;
  credentials: CredentialsOf<'novastar'>;
}

/** Everything a client needs to reach one vendor account. */
export type AccountConfig = QuectelAppAccount | QuectelSaasAccount | OnbrightAccount | NovastarAccount;

/** What a successful call gives back. */
export interface CallResult {
  /** The business data: Quectel's and On-Bright's `data`, NovaStar's decrypted `body`. */
  data: unknown;
  meta: CallMeta;
  /** The whole parsed answer, for paging fields outside `data`. */
  raw: Record<string, unknown>;
  /** A device's details (online state, last report), read along with its state: msg.device. */
  device?: Record<string, unknown>;
}

/** Describes a call on msg.openapi; never holds a credential or a token. */
export interface CallMeta {
  platform: Platform;
  operation?: string;
  method: HttpMethod;
  path: string;
  httpStatus: number;
  /** The vendor's own result code and message. */
  code: string | number | undefined;
  message: string;
  durationMs: number;
  /** How many times the request was sent (retries of safe calls included). */
  attempts: number;
  /** NovaStar only: the answer's sign verified (true), did not (false), or was empty or absent (null). */
  signVerified?: boolean | null;
  /** Reading every page stopped at this limit before the last page. */
  truncated?: 'maxItems' | 'maxPages' | 'maxMs';
}

/** A call to any endpoint of the platform; the path is relative to the base URL. */
export interface RawRequest {
  /** Default: the platform's own (GET, or POST where every call is a POST). */
  method?: string;
  path: string;
  query?: unknown;
  body?: unknown;
}

/** A request ready to sign or send: path relative to the base URL, query not yet encoded. */
export interface PreparedRequest {
  method: HttpMethod;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: unknown;
}

/** The parsed answer of one HTTP exchange. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  /** The body as text; adapters parse it. */
  text: string;
}
