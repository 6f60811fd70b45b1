// What the two Quectel APIs share: the answer envelope, the timestamp rule,
// and the simulated devices behind both.
import { randomInt } from 'node:crypto';
import type { SimCore, SubscriptionMessage } from './core';
import { json, type Answer } from './http';
import {
  MAX_HISTORY, shadowKey, type DeviceShadow, type HistoryEntry, type PendingCommand, type Product, type PropertyValue, type TslItem, type TslSpec,
} from './state';

/** Timestamps may be this far from the server's clock, either way. */
export const TIMESTAMP_WINDOW_MS = 10 * 60_000;

export const TIMESTAMP_CODE = 5145;

/** Quectel's envelope: always HTTP 200, the outcome is in `code` (200 = success). */
export function quectelAnswer(code: number, msg: string, data: unknown = null): Answer {
  return json({ code, msg, data, extMsg: null });
}

/** A millisecond timestamp within the window of the server's clock. */
export function isFresh(ts: string, now: number): boolean {
  return /^\d{1,16}$/.test(ts) && Math.abs(Number(ts) - now) <= TIMESTAMP_WINDOW_MS;
}

/** Slices a list into one page (pages are 1-based). */
export function pageOf<T>(items: readonly T[], page: number, size: number): T[] {
  return items.slice((page - 1) * size, page * size);
}

// ---- Devices: thing models, values, commands, history and subscription messages ----
// Shared by the App and SaaS handlers and by the Simulator's own methods, so a
// write through either API, a device's own report and an online change all
// look the same in state, in the history calls and on the subscription.

/** A device's answer to one command, before each API words it in its own codes. */
export type DeviceProblem =
  | 'no-device' | 'offline'
  | 'unknown-code' | 'wrong-type' | 'out-of-range' | 'not-in-enum' | 'too-long' | 'read-only' | 'not-service';

export interface Problem { problem: DeviceProblem; detail: string }

const fail = (problem: DeviceProblem, detail: string): Problem => ({ problem, detail });
const isProblem = (x: unknown): x is Problem => typeof x === 'object' && x !== null && 'problem' in x && 'detail' in x;

/** A product's thing model, App or SaaS. */
export function productOfKey(sim: SimCore, productKey: string): Product | undefined {
  return sim.state.products.get(productKey) ?? sim.state.appProducts.get(productKey);
}

export function shadowOf(sim: SimCore, productKey: string, deviceKey: string): DeviceShadow | undefined {
  return sim.state.shadows.get(shadowKey(productKey, deviceKey));
}

let ticketSequence = 0;

/** A ticket as the SaaS pages show them: a 19-digit snowflake-like number, as a string. */
export function newTicket(sim: SimCore): string {
  ticketSequence = (ticketSequence + 1) % 4096;
  return ((BigInt(sim.now()) << 22n) | (BigInt(randomInt(0, 1024)) << 12n) | BigInt(ticketSequence)).toString();
}

/** A value given as the documents write them (strings for numbers and booleans, or JSON values), checked against one spec. */
export function checkValue(code: string, dataType: string | undefined, specs: readonly TslSpec[] | undefined, given: unknown): PropertyValue | Problem {
  const text = typeof given === 'string' ? given.trim() : typeof given === 'number' || typeof given === 'boolean' ? String(given) : undefined;
  if (text === undefined) return fail('wrong-type', `${code}: a ${dataType} value is expected`);
  const spec = specs?.[0];
  switch (dataType) {
    case 'BOOL':
      if (text !== 'true' && text !== 'false') return fail('wrong-type', `${code}: true or false is expected`);
      return text === 'true';
    case 'INT':
    case 'FLOAT':
    case 'DOUBLE': {
      const pattern = dataType === 'INT' ? /^-?\d+$/ : /^-?\d+(\.\d+)?$/;
      if (!pattern.test(text)) return fail('wrong-type', `${code}: ${dataType === 'INT' ? 'an integer' : 'a number'} is expected`);
      const n = Number(text);
      const min = Number(spec?.min ?? -Infinity);
      const max = Number(spec?.max ?? Infinity);
      if (n < min || n > max) return fail('out-of-range', `${code}: ${text} is outside ${spec?.min}..${spec?.max}`);
      return n;
    }
    case 'ENUM':
      if (!specs?.some((s) => s.value === text)) return fail('not-in-enum', `${code}: ${text} is not one of ${specs?.map((s) => s.value).join(', ')}`);
      return text;
    case 'TEXT':
      if (spec?.max !== undefined && text.length > Number(spec.max)) return fail('too-long', `${code}: longer than ${spec.max}`);
      return text;
    default:
      return text;
  }
}

/** Property values to write, checked against the model: known, writable, of the right type and range. */
export function checkWrite(product: Product, given: Record<string, unknown>): Record<string, PropertyValue> | Problem {
  const out: Record<string, PropertyValue> = {};
  for (const [code, raw] of Object.entries(given)) {
    const item = product.tsl.find((t) => t.type === 'PROPERTY' && t.code === code);
    if (!item) return fail('unknown-code', `${code}: no such property in the thing model`);
    if (item.subType === 'R') return fail('read-only', `${code}: read-only`);
    const value = checkValue(code, item.dataType, item.specs, raw);
    if (isProblem(value)) return value;
    out[code] = value;
  }
  return out;
}

/** Values a device reports by itself: known properties of the right type and range (read-only ones included). */
export function checkReport(product: Product, given: Record<string, unknown>): Record<string, PropertyValue> | Problem {
  const out: Record<string, PropertyValue> = {};
  for (const [code, raw] of Object.entries(given)) {
    const item = product.tsl.find((t) => t.type === 'PROPERTY' && t.code === code);
    if (!item) return fail('unknown-code', `${code}: no such property in the thing model`);
    const value = checkValue(code, item.dataType, item.specs, raw);
    if (isProblem(value)) return value;
    out[code] = value;
  }
  return out;
}

/** A service call checked against the model: the service exists and each input is one of its parameters, well typed. */
export function checkService(product: Product, service: string, given: Record<string, unknown>): Record<string, PropertyValue> | Problem {
  const item = product.tsl.find((t) => t.code === service);
  if (!item) return fail('unknown-code', `${service}: no such service in the thing model`);
  if (item.type !== 'SERVICE') return fail('not-service', `${service}: not a service`);
  const out: Record<string, PropertyValue> = {};
  for (const [code, raw] of Object.entries(given)) {
    const param = item.inputData?.find((p) => p.code === code);
    if (!param) return fail('unknown-code', `${service}.${code}: no such input parameter`);
    const value = checkValue(code, param.dataType, param.specs, raw);
    if (isProblem(value)) return value;
    out[code] = value;
  }
  return out;
}

/**
 * The documents' data string for properties: a JSON list of one-key objects,
 * `[{"switch":"true"},{"brightness":"80"}]`, or one object with several keys,
 * `{"switch":true}`. undefined when the text is not JSON, 'format' when it is
 * JSON of another shape.
 */
export function parseKv(text: string): Record<string, unknown> | 'not-json' | 'format' {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not-json';
  }
  const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0 || !items.every(isPlain)) return 'format';
  const out: Record<string, unknown> = {};
  for (const item of items) Object.assign(out, item);
  return Object.keys(out).length ? out : 'format';
}

/**
 * The documents' data string for a service call: `[{"svc":[{"p1":"v1"},{"p2":"v2"}]}]`
 * (one service; its inputs as one-key objects, or as one object).
 */
export function parseService(text: string): { service: string; inputs: Record<string, unknown> } | 'not-json' | 'format' {
  const kv = parseKv(text);
  if (typeof kv === 'string') return kv;
  const entries = Object.entries(kv);
  if (entries.length !== 1) return 'format';
  const [service, raw] = entries[0];
  if (raw === '' || raw === null) return { service, inputs: {} };
  const inputs = typeof raw === 'object' ? parseKv(JSON.stringify(raw)) : 'format';
  if (Array.isArray(raw) && raw.length === 0) return { service, inputs: {} };
  return typeof inputs === 'string' ? 'format' : { service, inputs };
}

/** Numbers are pushed as strings, booleans as they are (the subscription format's rule). */
function pushed(kv: Record<string, PropertyValue>): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const [k, v] of Object.entries(kv)) out[k] = typeof v === 'boolean' ? v : String(v);
  return out;
}

function remember(shadow: DeviceShadow, entry: HistoryEntry): void {
  shadow.history.push(entry);
  if (shadow.history.length > MAX_HISTORY) shadow.history.splice(0, shadow.history.length - MAX_HISTORY);
}

function message(sim: SimCore, shadow: DeviceShadow, type: string, subtype: string | undefined, ticket: string, data: Record<string, unknown>): SubscriptionMessage {
  return {
    productKey: shadow.productKey, deviceKey: shadow.deviceKey, type, ...(subtype ? { subtype } : {}),
    createdAt: sim.now(), ticket, data,
  };
}

/** The device takes new property values and reports them: state, history and a MATTR REPORT. */
function deviceReports(sim: SimCore, shadow: DeviceShadow, kv: Record<string, PropertyValue>, ticket: string): SubscriptionMessage {
  Object.assign(shadow.values, kv);
  const at = sim.now();
  remember(shadow, { at, direction: 1, ticket, kind: 'property', kv: { ...kv } });
  const report = message(sim, shadow, 'MATTR', 'REPORT', ticket, { packetId: ++shadow.packetId, kv: pushed(kv) });
  sim.publish(report);
  return report;
}

/** Carries out a command on an online device: downlink message and history, then the device's answer. */
function execute(sim: SimCore, shadow: DeviceShadow, command: Omit<PendingCommand, 'expiresAt'>): void {
  const at = sim.now();
  const product = productOfKey(sim, shadow.productKey);
  if (command.kind === 'property') {
    remember(shadow, { at, direction: 2, ticket: command.ticket, kind: 'property', kv: { ...command.kv } });
    sim.publish(message(sim, shadow, 'MATTR', 'WRITE', command.ticket, { kv: pushed(command.kv) }));
    deviceReports(sim, shadow, command.kv, command.ticket);
  } else if (command.kind === 'service') {
    const service = command.service as string;
    remember(shadow, { at, direction: 2, ticket: command.ticket, kind: 'service', service, kv: { ...command.kv } });
    sim.publish(message(sim, shadow, 'MSERV', 'INPUT', command.ticket, { packetId: ++shadow.packetId, code: service, kv: pushed(command.kv) }));
    // The simulated device answers at once with the service's output properties, as they are.
    const item = product?.tsl.find((t) => t.code === service);
    const output: Record<string, PropertyValue> = {};
    for (const id of item?.outputData ?? []) {
      const prop = product?.tsl.find((t) => t.type === 'PROPERTY' && t.id === id);
      if (prop && prop.code in shadow.values) output[prop.code] = shadow.values[prop.code];
    }
    remember(shadow, { at, direction: 1, ticket: command.ticket, kind: 'service', service, kv: output });
    sim.publish(message(sim, shadow, 'MSERV', 'OUTPUT', command.ticket, { packetId: ++shadow.packetId, code: service, kv: pushed(output) }));
  } else if (command.kind === 'read') {
    // The device answers a read with the values it has now: a READRESP, kept as an uplink report.
    const keys = command.keys ?? [];
    sim.publish(message(sim, shadow, 'MATTR', 'READ', command.ticket, { keys }));
    const kv: Record<string, PropertyValue> = {};
    for (const key of keys) if (key in shadow.values) kv[key] = shadow.values[key];
    remember(shadow, { at, direction: 1, ticket: command.ticket, kind: 'property', kv: { ...kv } });
    sim.publish(message(sim, shadow, 'MATTR', 'READRESP', command.ticket, { packetId: ++shadow.packetId, kv: pushed(kv) }));
  } else {
    remember(shadow, { at, direction: 2, ticket: command.ticket, kind: 'raw', kv: {}, raw: command.raw });
    sim.publish(message(sim, shadow, 'RAW', 'DOWNLINK', command.ticket, { raw: command.raw }));
  }
}

export interface Delivery { isCache: boolean; cacheTimeSeconds: number; isCover: boolean }

/**
 * Sends one checked command to a device: at once when it is online; held
 * (isCache) until it comes online, replacing held commands of the same kind
 * when isCover; else refused as offline. Returns the ticket or the problem.
 */
export function deliver(sim: SimCore, shadow: DeviceShadow, command: Omit<PendingCommand, 'ticket' | 'expiresAt'>, delivery: Delivery): string | Problem {
  const ticket = newTicket(sim);
  if (shadow.online) {
    execute(sim, shadow, { ...command, ticket });
    return ticket;
  }
  if (!delivery.isCache) return fail('offline', 'device is offline');
  if (delivery.isCover) shadow.pending = shadow.pending.filter((p) => p.kind !== command.kind);
  shadow.pending.push({ ...command, ticket, expiresAt: sim.now() + delivery.cacheTimeSeconds * 1000 });
  return ticket;
}

/** A device goes online (again) or offline: state, listing fields, an ONLINE message; held commands reach it. */
export function setOnline(sim: SimCore, productKey: string, deviceKey: string, online: boolean): SubscriptionMessage {
  const shadow = shadowOf(sim, productKey, deviceKey);
  if (!shadow) throw new Error(`no simulated device ${productKey}/${deviceKey}`);
  const now = sim.now();
  const value = online ? (shadow.online ? 2 : 1) : 0;
  shadow.online = online;
  if (online) {
    shadow.lastConnTime = now;
    if (!shadow.firstConnTime) shadow.firstConnTime = now;
  } else {
    shadow.lastOfflineTime = now;
  }
  const appDevice = sim.state.devices.find((d) => d.productKey === productKey && d.deviceKey === deviceKey);
  if (appDevice) {
    appDevice.onlineStatus = online ? 1 : 0;
    appDevice.deviceStatus = online ? '在线' : '离线';
    if (online) appDevice.lastConnTimeTs = now;
  }
  const saasDevice = sim.state.products.get(productKey)?.devices.find((d) => d.deviceKey === deviceKey);
  if (saasDevice) {
    saasDevice.deviceStatus = online ? 1 : 0;
    if (online) saasDevice.lastConnTime = now;
    else saasDevice.lastOfflineTime = now;
    saasDevice.updateTime = now;
  }
  const notice = message(sim, shadow, 'ONLINE', undefined, newTicket(sim), { value });
  sim.publish(notice);
  if (online) {
    const held = shadow.pending.filter((p) => p.expiresAt > now);
    shadow.pending = [];
    for (const command of held) execute(sim, shadow, command);
  }
  return notice;
}

/** The device reports property values by itself (read-only ones too): state, history, a MATTR REPORT. */
export function reportProperties(sim: SimCore, productKey: string, deviceKey: string, values: Record<string, unknown>): SubscriptionMessage {
  const shadow = shadowOf(sim, productKey, deviceKey);
  const product = productOfKey(sim, productKey);
  if (!shadow || !product) throw new Error(`no simulated device ${productKey}/${deviceKey}`);
  if (!shadow.online) throw new Error(`${productKey}/${deviceKey} is offline: setDeviceOnline() it first`);
  const checked = checkReport(product, values);
  if (isProblem(checked)) throw new Error(`${productKey}/${deviceKey}: ${checked.detail}`);
  return deviceReports(sim, shadow, checked, newTicket(sim));
}

export { isProblem };

/** A thing model as the TSL export shows it, names in one language. */
export function renderTsl(product: Product, language: 'CN' | 'EN'): Record<string, unknown> {
  const spec = (s: TslSpec): Record<string, unknown> => ({ ...s, ...(s.name ? { name: s.name[language] } : {}) });
  const item = (t: TslItem): Record<string, unknown> => ({
    ...t,
    name: t.name[language],
    ...(t.specs ? { specs: t.specs.map(spec) } : {}),
    ...(t.inputData ? { inputData: t.inputData.map((p) => ({ ...p, name: p.name[language], specs: p.specs.map(spec) })) } : {}),
    ...(t.outputData ? { outputData: t.outputData.map((id) => ({ $ref: `#/properties/id/${id}` })) } : {}),
  });
  const ofType = (type: TslItem['type']): Record<string, unknown>[] => product.tsl.filter((t) => t.type === type).map(item);
  return {
    profile: { tslVersion: product.tslVersion, productKey: product.productKey, version: product.version },
    properties: ofType('PROPERTY'),
    events: ofType('EVENT'),
    services: ofType('SERVICE'),
  };
}
