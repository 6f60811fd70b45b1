export type Platform = 'quectel-app' | 'quectel-saas' | 'onbright' | 'novastar';
export const PLATFORMS: readonly Platform[] = ['quectel-app', 'quectel-saas', 'onbright', 'novastar'];

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE'];

/** Credentials, as the config node keeps them in Node-RED's credential store. */
export interface Credentials {
  phone?: string;
  password?: string;
  userDomainSecret?: string;
  accessKey?: string;
  accessSecret?: string;
  clientId?: string;
  clientSecret?: string;
  uniqueKey?: string;
  pId?: string;
  secretKey?: string;
}

/** Everything a client needs to reach one vendor account. */
export interface AccountConfig {
  platform: Platform;
  /** Empty means the platform's default host. */
  baseUrl?: string;
  userDomain?: string;
  internationalCode?: string;
  /** NovaStar: whether the processor has encryption on. */
  encrypt?: boolean;
  /** NovaStar: refuse an answer whose non-empty sign does not verify (default off: processors differ in how they sign). */
  verifyAnswerSign?: boolean;
  /** Milliseconds per HTTP request. */
  timeout?: number;
  credentials: Credentials;
}

/** What a successful call gives back. */
export interface CallResult {
  /** The business data: Quectel's and On-Bright's `data`, NovaStar's decrypted `body`. */
  data: unknown;
  meta: CallMeta;
  /** The whole parsed answer, for paging fields outside `data`. */
  raw: Record<string, unknown>;
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
