// Texts shared by every node live in the account node's message catalogue.
import fs from 'node:fs';
import path from 'node:path';
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

// ---------------------------------------------------------------------------
// What to check for a code: vendor codes per platform, and our own transport codes.

type Catalogue = Record<string, unknown>;
const catalogues = new Map<string, Catalogue>();

/** The account node's catalogue in one language, as shipped next to the node files. */
export function catalogue(lang: 'en-US' | 'zh-CN'): Catalogue {
  let found = catalogues.get(lang);
  if (!found) {
    const file = path.join(__dirname, 'locales', lang, 'iot-openapi-account.json');
    found = JSON.parse(fs.readFileSync(file, 'utf8')) as Catalogue;
    catalogues.set(lang, found);
  }
  return found;
}

/** A dotted key of a catalogue, with `__name__` filled in; '' when there is none. */
export function lookUp(cat: Catalogue, key: string, vars: Record<string, unknown> = {}): string {
  let found: unknown = cat;
  for (const part of key.split('.')) found = found !== null && typeof found === 'object' ? (found as Catalogue)[part] : undefined;
  if (typeof found !== 'string') return '';
  return found.replace(/__(\w+)__/g, (all, name: string) => (name in vars ? String(vars[name]) : all));
}

/**
 * The catalogue keys that may explain `code` of `platform`, most specific
 * first; an error's `reason` (a timeout while waiting for the account's rate)
 * comes before its code.
 */
export function hintKeys(platform: string | undefined, code: string | number | undefined, reason?: string): string[] {
  const name = code === undefined ? '' : String(code);
  if (!/^[A-Za-z0-9_]{1,40}$/.test(name)) return [];
  const keys: string[] = [];
  if (reason && /^[A-Za-z]{1,40}$/.test(reason)) keys.push(`iot-openapi.reasonHints.${reason}`);
  if (platform && /^[a-z-]+$/.test(platform)) keys.push(`iot-openapi.vendorCodes.${platform}.${name}`);
  keys.push(`iot-openapi.codeHints.${name}`);
  return keys;
}

/** What to check for this error, from a catalogue (the editor's language, for the admin route); '' when nothing is known. */
export function hintIn(cat: Catalogue, platform: string | undefined, code: string | number | undefined, reason?: string): string {
  for (const key of hintKeys(platform, code, reason)) {
    const found = lookUp(cat, key);
    if (found) return found;
  }
  return '';
}

/**
 * What to check for this error, in the runtime's language. Runtimes that do
 * not translate (an embedding without i18n) get the English catalogue.
 */
export function hint(RED: NodeAPI, error: Pick<OpenApiError, 'platform' | 'code' | 'reason'>): string {
  for (const key of hintKeys(error.platform, error.code, error.reason)) {
    const local = key.slice('iot-openapi.'.length);
    const found = text(RED, local, lookUp(catalogue('en-US'), key));
    if (found) return found;
  }
  return '';
}

/** One line: code, text and, where known, what to check. */
export function failureLine(code: unknown, message: string, what: string): string {
  const head = message.startsWith(`${String(code)}:`) ? message : `${String(code)}: ${message}`;
  return what ? `${head} — ${what}` : head;
}

/**
 * What a failing node hands to done(). Node-RED shows an Error in the debug
 * sidebar as an object to unfold (name, message, code, stack), and its server
 * log line without the code. A String object is shown and logged as the text
 * itself, while the Catch node still reads its `code` (Flow.handleError copies
 * `code` from whatever it is given, and takes the message from toString()).
 * The class name is what the sidebar shows as its type; it must not contain
 * "error", or the sidebar would try to read the text as JSON.
 */
export class Failure extends String {
  readonly code: string | number;

  constructor(line: string, code: string | number) {
    super(line);
    this.code = code;
  }
}
