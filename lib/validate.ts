// Checks a call's parameters against the catalogue before anything is sent.
// The result is a fresh object holding only the catalogue's parameters, so
// nothing unexpected (undefined, prototype keys, stray fields) reaches a request.
import { invalidInput } from './errors';
import type { Operation, ParamSpec } from './operations';
import type { AccountConfig } from './types';

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const DEFAULT_MAX_LENGTH = 1024;
const DEFAULT_MAX_ITEMS = 1000;
const MAX_DEPTH = 16;
/** Bytes of JSON a single call may carry in its body. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Keys that could pollute a prototype wherever a value is later merged. */
export function isUnsafeKey(key: string): boolean {
  return UNSAFE_KEYS.has(key);
}

/**
 * A plain object from any realm: a function node builds its objects in a
 * sandbox whose Object.prototype is not ours, so compare shapes, not identity.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Levels of nesting a message's payload may have: Node-RED's own copy of a message overflows the stack at a few thousand. */
export const MAX_MESSAGE_DEPTH = 64;

/**
 * Checks a value from a message before anything else reads it: nested at most
 * MAX_MESSAGE_DEPTH levels, and every property readable (a throwing getter or
 * proxy would otherwise fail somewhere far from its cause). Walks without
 * recursion, and each object once, so cycles and deep values cost little.
 */
export function checkMessageValue(name: string, value: unknown, maxDepth = MAX_MESSAGE_DEPTH): void {
  const seen = new WeakSet<object>();
  // Each entry: a value, its depth, and the name to report (the message property and its first key).
  const stack: [unknown, number, string][] = [[value, 0, name]];
  while (stack.length > 0) {
    const [current, depth, where] = stack.pop()!;
    if (current === null || typeof current !== 'object' || ArrayBuffer.isView(current) || seen.has(current)) continue;
    if (depth >= maxDepth) throw invalidInput(where, 'tooDeep', { limit: maxDepth });
    seen.add(current);
    try {
      for (const key of Object.keys(current)) stack.push([(current as Record<string, unknown>)[key], depth + 1, depth === 0 ? `${name}.${key}` : where]);
    } catch {
      throw invalidInput(where, 'unreadable');
    }
  }
}

/** Refuses keys that could pollute a prototype wherever the value is later merged, at any depth. */
export function checkJsonValue(name: string, value: unknown, depth = 0): void {
  if (depth > MAX_DEPTH) throw invalidInput(name, 'tooLong', { limit: `${MAX_DEPTH} levels of nesting` });
  if (Array.isArray(value)) {
    for (const item of value) checkJsonValue(name, item, depth + 1);
  } else if (value !== null && typeof value === 'object') {
    if (!isPlainObject(value)) throw invalidInput(name, 'type', { expected: 'JSON data' });
    for (const key of Object.keys(value)) {
      if (isUnsafeKey(key)) throw invalidInput(name, 'unsafeKey', { key });
      checkJsonValue(name, value[key], depth + 1);
    }
  } else if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
    throw invalidInput(name, 'type', { expected: 'JSON data' });
  } else if (typeof value === 'number' && !Number.isFinite(value)) {
    throw invalidInput(name, 'type', { expected: 'a finite number' });
  }
}

function checkOne(spec: ParamSpec, value: unknown): unknown {
  const name = spec.name;
  switch (spec.type) {
    case 'string': {
      let text: string;
      if (typeof value === 'string') text = value;
      else if (spec.list && Array.isArray(value) && value.every((v) => typeof v === 'string')) text = value.join(',');
      else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
      else throw invalidInput(name, 'type', { expected: 'a string' });
      const max = spec.maxLength ?? DEFAULT_MAX_LENGTH;
      if (text.length > max) throw invalidInput(name, 'tooLong', { limit: `${max} characters` });
      if (spec.minLength !== undefined && text.length < spec.minLength) throw invalidInput(name, 'tooShort', { limit: `${spec.minLength} characters` });
      if (spec.enum && !spec.enum.includes(text)) throw invalidInput(name, 'enum', { values: spec.enum.join(', ') });
      if (spec.pattern && !spec.pattern.test(text)) throw invalidInput(name, 'pattern');
      return text;
    }
    case 'integer': {
      let n: number;
      if (typeof value === 'number') n = value;
      else if (typeof value === 'string' && /^-?\d{1,15}$/.test(value.trim())) n = Number(value.trim());
      else throw invalidInput(name, 'type', { expected: 'an integer' });
      if (!Number.isSafeInteger(n)) throw invalidInput(name, 'type', { expected: 'an integer' });
      if (spec.enum && !spec.enum.includes(n)) throw invalidInput(name, 'enum', { values: spec.enum.join(', ') });
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        throw invalidInput(name, 'range', { min: spec.min ?? Number.MIN_SAFE_INTEGER, max: spec.max ?? Number.MAX_SAFE_INTEGER });
      }
      return n;
    }
    case 'boolean': {
      if (value === true || value === 'true') return true;
      if (value === false || value === 'false') return false;
      throw invalidInput(name, 'type', { expected: 'true or false' });
    }
    case 'array': {
      if (!Array.isArray(value)) throw invalidInput(name, 'type', { expected: 'an array' });
      const max = spec.maxItems ?? DEFAULT_MAX_ITEMS;
      if (value.length > max) throw invalidInput(name, 'tooMany', { limit: max });
      checkJsonValue(name, value);
      return value;
    }
    case 'object': {
      if (!isPlainObject(value)) throw invalidInput(name, 'type', { expected: 'an object' });
      checkJsonValue(name, value);
      return value;
    }
  }
}

/**
 * Returns the operation's parameters from `input`, checked and converted
 * (numeric strings to integers, numbers to strings where the vendor wants text).
 * Empty strings, null and undefined count as "not given".
 */
export function validateParams(op: Operation, input: unknown, account?: AccountConfig): Record<string, unknown> {
  if (input !== undefined && input !== null && !isPlainObject(input)) {
    throw invalidInput('payload', 'type', { expected: `an object with the parameters, not ${kindOf(input)}` });
  }
  const source = input ?? {};
  const out: Record<string, unknown> = {};
  for (const spec of op.params) {
    let value = Object.prototype.hasOwnProperty.call(source, spec.name) ? source[spec.name] : undefined;
    if (value === '' || value === null) value = undefined;
    if (value === undefined && spec.accountDefault && account && spec.accountDefault in account) value = account[spec.accountDefault] || undefined;
    if (value === undefined) {
      if (spec.required) throw invalidInput(spec.name, 'required');
      continue;
    }
    out[spec.name] = checkOne(spec, value);
  }
  return out;
}
