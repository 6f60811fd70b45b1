// The shapes shared by every handler: one incoming call, one answer, one route.
import type { SimCore } from './core';

/** A request, fully read. Header names are lower case; a repeated query key keeps its first value. */
export interface Call {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  rawBody: string;
}

/** What a handler gives back; the server adds Date and Content-Length. An object body is sent as JSON. */
export interface Answer {
  status: number;
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export type Handler = (call: Call, sim: SimCore) => Answer;

/** One path; each allowed method has its handler. */
export interface Route {
  path: string;
  methods: Partial<Record<string, Handler>>;
}

/** Spring's media type, which all three cloud vendors answer with. */
export const JSON_TYPE = 'application/json;charset=UTF-8';

export function json(body: unknown, status = 200, headers?: Record<string, string>): Answer {
  return { status, body, contentType: JSON_TYPE, headers };
}

/** Spring Boot's own error page, for paths and methods no controller takes. */
export function springError(call: Call, status: 404 | 405, now: number): Answer {
  const error = status === 404 ? 'Not Found' : 'Method Not Allowed';
  return json({ timestamp: new Date(now).toISOString(), status, error, path: call.path }, status);
}

/** The page nginx sends for its own refusals (body too large, upstream down). */
export function nginxPage(status: number, reason: string): Answer {
  const title = `${status} ${reason}`;
  return {
    status,
    contentType: 'text/html',
    body: `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
  };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * A JSON object body, as the vendors' JSON endpoints insist on: the right
 * Content-Type, well-formed JSON, and an object at the top.
 */
export function jsonObjectBody(call: Call, requireContentType = true): Parsed<Record<string, unknown>> {
  if (requireContentType && !/^application\/json\b/i.test(call.headers['content-type'] ?? '')) {
    return { ok: false, reason: 'Content-Type must be application/json' };
  }
  if (call.rawBody.trim() === '') return { ok: false, reason: 'request body is missing' };
  let value: unknown;
  try {
    value = JSON.parse(call.rawBody);
  } catch {
    return { ok: false, reason: 'request body is not valid JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'request body must be a JSON object' };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/** Query parameters, plus a form-encoded body's fields where the query lacks them (as Spring's @RequestParam reads both). */
export function queryAndForm(call: Call): Record<string, string> {
  const out = { ...call.query };
  if (/^application\/x-www-form-urlencoded\b/i.test(call.headers['content-type'] ?? '')) {
    for (const [key, value] of new URLSearchParams(call.rawBody)) if (!(key in out)) out[key] = value;
  }
  return out;
}

/** A JSON field read as a Java String would be: strings as they are, numbers coerced; anything else is absent. */
export function textField(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** A JSON field read as a Java int: an integer or a string of digits. */
export function intField(body: Record<string, unknown>, name: string): number | undefined {
  const v = body[name];
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d{1,9}$/.test(v)) return Number(v);
  return undefined;
}

/** A query parameter that must be a positive integer when given; undefined = absent, NaN = invalid. */
export function positiveInt(value: string | undefined, max: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,9}$/.test(value)) return NaN;
  const n = Number(value);
  return n >= 1 && n <= max ? n : NaN;
}
