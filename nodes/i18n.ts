// Texts shared by every node live in the account node's message catalogue.
import { OpenApiError } from '../lib/errors';
import type { NodeAPI } from './red';

const SHARED = '@iot-openapi/node-red-nodes/iot-openapi-account:iot-openapi.';

/**
 * Looked-up texts per runtime. A status text is needed on every message and
 * i18next costs about 0.1 ms per lookup, as much as the rest of a call; the
 * runtime's language does not change while it runs.
 */
const looked = new WeakMap<NodeAPI, Map<string, string>>();

/** A shared text in the runtime's language, or `fallback` when the catalogue has none. */
export function text(RED: NodeAPI, key: string, fallback: string, vars: Record<string, unknown> = {}): string {
  let cache = looked.get(RED);
  if (!cache) looked.set(RED, (cache = new Map<string, string>()));
  const id = `${key}|${fallback}|${JSON.stringify(vars)}`;
  let out = cache.get(id);
  if (out === undefined) {
    const full = SHARED + key;
    const found = RED._(full, vars);
    out = typeof found === 'string' && found !== full && !found.endsWith(key) ? found : fallback;
    if (cache.size >= 1000) cache.clear(); // item counts vary: keep it bounded
    cache.set(id, out);
  }
  return out;
}

/** Puts an error the library explains (bad input, stopped logins) into the runtime's language; the code and details stay. */
export function localize(RED: NodeAPI, err: OpenApiError): OpenApiError {
  if (err.reason) {
    err.message = text(RED, `errors.${err.reason}`, err.message, { parameter: err.parameter, ...err.limits });
  }
  return err;
}
