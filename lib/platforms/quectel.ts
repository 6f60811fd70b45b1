// What Quectel's App and SaaS APIs share: the answer {code, msg, data}, with
// 200 for success, and millisecond timestamps checked against the server.
import type { OpenApiError } from '../errors';
import type { StopSignal } from '../lockout';
import type { HttpAnswer, Platform } from '../types';
import { isHttpTooFrequent, parseJsonObject, vendorError, type ReadAnswer } from './platform';

export const QUECTEL_DEFAULT_BASE_URL = 'https://iot-api.quectelcn.com';
/** "Timestamp out of range": the request's ts is more than 10 minutes from the server's clock. */
export const QUECTEL_BAD_TIMESTAMP = 5145;

export function readQuectel(answer: HttpAnswer, platform: Platform, path: string): ReadAnswer {
  const body = parseJsonObject(answer, platform, path);
  const code = body.code;
  const message = typeof body.msg === 'string' ? body.msg : '';
  if (code === 200 || code === '200') return { data: body.data ?? null, code: 200, message, raw: body };
  const vendorCode = typeof code === 'number' || typeof code === 'string' ? code : `HTTP_${answer.status}`;
  throw vendorError(vendorCode, message || (typeof body.error === 'string' ? body.error : ''), answer, platform, path);
}

/** SaaS 61007: "device message frequency limited" (a device downlink refused, not delivered). No number is published. */
export const SAAS_TOO_FREQUENT = new Set([61007]);
/** App 5058: SMS codes requested too often (none sent). */
export const APP_TOO_FREQUENT = new Set([5058]);

/** A refusal for frequency: HTTP 429, or one of the API's own codes. */
export function isQuectelTooFrequent(err: OpenApiError, codes: ReadonlySet<number>): boolean {
  return isHttpTooFrequent(err) || (err.refusal === true && codes.has(Number(err.code)));
}

export function isQuectelTimestampRejection(err: OpenApiError): boolean {
  return Number(err.code) === QUECTEL_BAD_TIMESTAMP;
}

/** 5146: "X attempts left before the account is locked"; 5325: this network is blocked for 24 hours. */
export function quectelStopSignal(err: OpenApiError): StopSignal | undefined {
  const code = Number(err.code);
  if (code === 5146) return {};
  if (code === 5325) return { blockMs: 24 * 60 * 60_000 };
  return undefined;
}
