// Texts shared by every node live in the account node's message catalogue.
import { OpenApiError } from '../lib/errors';
import type { NodeAPI } from './red';

const SHARED = '@iot-openapi/node-red-nodes/iot-openapi-account:iot-openapi.';

/** A shared text in the runtime's language, or `fallback` when the catalogue has none. */
export function text(RED: NodeAPI, key: string, fallback: string, vars: Record<string, unknown> = {}): string {
  const full = SHARED + key;
  const out = RED._(full, vars);
  return typeof out === 'string' && out !== full && !out.endsWith(key) ? out : fallback;
}

/** Puts an INVALID_INPUT error's text into the runtime's language; the code and details stay. */
export function localize(RED: NodeAPI, err: OpenApiError): OpenApiError {
  if (err.reason && err.parameter) {
    err.message = text(RED, `errors.${err.reason}`, err.message, { parameter: err.parameter, ...err.limits });
  }
  return err;
}
