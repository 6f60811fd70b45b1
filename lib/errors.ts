import type { Platform } from './types';

/** Codes the library itself gives; vendor refusals keep the vendor's own code instead. */
export const ErrorCodes = {
  INVALID_INPUT: 'INVALID_INPUT',
  BAD_RESPONSE: 'BAD_RESPONSE',
  SIGN_MISMATCH: 'SIGN_MISMATCH',
  ETIMEDOUT: 'ETIMEDOUT',
  ECONNREFUSED: 'ECONNREFUSED',
  ECONNRESET: 'ECONNRESET',
  ECANCELED: 'ECANCELED',
  LOGIN_BACKOFF: 'LOGIN_BACKOFF',
  /** A control call some devices refused: the per-device results are on the error's payload. */
  DEVICE_FAILED: 'DEVICE_FAILED',
  /** More calls wait for the account's rate limit than its queue holds: this one was not sent. */
  RATE_LIMITED: 'RATE_LIMITED',
} as const;

export interface OpenApiErrorDetails {
  platform?: Platform;
  path?: string;
  httpStatus?: number;
  /** The parameter an INVALID_INPUT error is about. */
  parameter?: string;
  /** What was wrong with it (required, type, tooLong, …) and the limits, for translated messages. */
  reason?: string;
  limits?: Record<string, string | number>;
  /** The vendor's own message, where the vendor refused. */
  vendorMessage?: string;
  /** True when the same call may be repeated unchanged (idempotent read, transient failure). */
  retryable?: boolean;
  /** The server's clock (from its Date header) when it answered, to correct timestamps. */
  serverDate?: number;
  /** The vendor itself refused (its own code), as opposed to a transport or reading failure. */
  refusal?: boolean;
  /** The refusal came while our clock was more than 5 minutes off the vendor's. */
  clockSkew?: boolean;
  /** What the failed message's payload becomes (DEVICE_FAILED: one result per device). */
  payload?: unknown;
  /** How long the vendor asked us to wait (its Retry-After), in ms. */
  retryAfterMs?: number;
}

/**
 * The one error type of the library. Its message and properties never carry a
 * credential or a token: messages are built from vendor texts and parameter
 * names, and Session redacts known secrets once more before throwing.
 */
export class OpenApiError extends Error {
  readonly code: string | number;
  platform?: Platform;
  path?: string;
  httpStatus?: number;
  parameter?: string;
  reason?: string;
  limits?: Record<string, string | number>;
  vendorMessage?: string;
  retryable: boolean;
  serverDate?: number;
  refusal?: boolean;
  clockSkew?: boolean;
  payload?: unknown;
  retryAfterMs?: number;

  constructor(code: string | number, message: string, details: OpenApiErrorDetails = {}) {
    super(message);
    this.name = 'OpenApiError';
    this.code = code;
    this.retryable = details.retryable ?? false;
    for (const key of ['platform', 'path', 'httpStatus', 'parameter', 'reason', 'limits', 'vendorMessage', 'serverDate', 'refusal', 'clockSkew', 'payload', 'retryAfterMs'] as const) {
      if (details[key] !== undefined) (this as Record<string, unknown>)[key] = details[key];
    }
  }

  /** Node-RED shows `error.toString()` as msg.error.message: keep it the plain text. */
  override toString(): string {
    return this.message;
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    for (const key of ['platform', 'path', 'httpStatus', 'parameter', 'vendorMessage', 'retryable'] as const) {
      if (this[key] !== undefined) out[key] = this[key];
    }
    return out;
  }
}

const PROBLEMS: Record<string, (l: Record<string, string | number>) => string> = {
  required: () => 'is required',
  type: (l) => `must be ${l.expected}`,
  tooLong: (l) => `is longer than ${l.limit}`,
  tooShort: (l) => `is shorter than ${l.limit}`,
  pattern: () => 'has the wrong format',
  range: (l) => `must be between ${l.min} and ${l.max}`,
  rateRange: (l) => `must be empty or 0 (no limit), or between ${l.min} (one call an hour) and ${l.max} requests a second`,
  enum: (l) => `must be one of ${l.values}`,
  tooMany: (l) => `has more than ${l.limit} items`,
  unsafeKey: (l) => `holds the forbidden key ${l.key}`,
  tooDeep: (l) => `is nested deeper than ${l.limit} levels`,
  unreadable: () => 'has a property that cannot be read',
  unknownCode: (l) => `is not in the product's thing model (it has ${l.values || 'none'})`,
  readOnly: () => 'is read-only in the product\'s thing model',
  duplicate: (l) => `names ${l.key} twice`,
  unknownId: (l) => `is not one the processor has (it has ${l.values})`,
  outside: (l) => `does not fit the screen: ${l.edge} must be at most ${l.limit}`,
  retype: () => 'must be typed again: a saved secret is only used with the saved platform and base URL',
  loginInUrl: () => 'must not hold a user name or password: put them in the Redis user and Redis password fields, which are kept out of the flow file',
};

/** A bad input, found before anything is sent. `reason` is one of the keys above. */
export function invalidInput(parameter: string, reason: keyof typeof PROBLEMS, limits: Record<string, string | number> = {}): OpenApiError {
  return new OpenApiError(ErrorCodes.INVALID_INPUT, `${parameter} ${PROBLEMS[reason](limits)}`, { parameter, reason, limits });
}

/** Replaces every occurrence of each secret (and of its URL-encoded forms, either case of hex) with "***". */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 3) continue;
    const encoded = encodeURIComponent(secret);
    for (const form of new Set([secret, encoded, encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase())])) {
      out = out.split(form).join('***');
    }
  }
  return out;
}

/** Redacts an error's text fields in place and returns it. */
export function redactError<E extends Error>(err: E, secrets: readonly string[]): E {
  const e = err as E & { vendorMessage?: string };
  e.message = redactText(e.message, secrets);
  if (typeof e.vendorMessage === 'string') e.vendorMessage = redactText(e.vendorMessage, secrets);
  if (typeof e.stack === 'string') e.stack = redactText(e.stack, secrets);
  return err;
}
