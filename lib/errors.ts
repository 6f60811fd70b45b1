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
} as const;

export interface OpenApiErrorDetails {
  platform?: Platform;
  path?: string;
  httpStatus?: number;
  /** The parameter an INVALID_INPUT error is about. */
  parameter?: string;
  /** The vendor's own message, where the vendor refused. */
  vendorMessage?: string;
  /** True when the same call may be repeated unchanged (idempotent read, transient failure). */
  retryable?: boolean;
  /** The server's clock (from its Date header) when it answered, to correct timestamps. */
  serverDate?: number;
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
  vendorMessage?: string;
  retryable: boolean;
  serverDate?: number;

  constructor(code: string | number, message: string, details: OpenApiErrorDetails = {}) {
    super(message);
    this.name = 'OpenApiError';
    this.code = code;
    this.retryable = details.retryable ?? false;
    for (const key of ['platform', 'path', 'httpStatus', 'parameter', 'vendorMessage', 'serverDate'] as const) {
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

export function invalidInput(parameter: string, problem: string, platform?: Platform): OpenApiError {
  return new OpenApiError(ErrorCodes.INVALID_INPUT, `${parameter}: ${problem}`, { parameter, platform });
}

/** Replaces every occurrence of each secret (and of its URL-encoded form) with "***". */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 3) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
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
