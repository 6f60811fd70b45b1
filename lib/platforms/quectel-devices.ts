// Quectel device calls made of several vendor calls: control (the values
// checked against the product's thing model, the vendor's data text built,
// one call per product where the vendor wants it, one result per device),
// the latest state (values typed from the thing model, with the device's
// details) and one property's history (every page, as points in time).
import type { Caller } from '../caller';
import { ErrorCodes, OpenApiError, invalidInput } from '../errors';
import type { CompositeOperation } from '../operations';
import { checkValue, decodeValue, encodeValue, readThingModel, type ThingModel, type TslField } from '../thing-model';
import type { CallMeta, CallResult, Platform } from '../types';
import { isPlainObject, kindOf } from '../validate';
import type { CompositeRunner } from './platform';

/** One device's outcome of a control call, as msg.payload lists them. */
export interface DeviceResult {
  productKey: string;
  deviceKey: string;
  ok: boolean;
  ticket?: string;
  code?: string | number;
  message?: string;
}

interface Device {
  productKey: string;
  deviceKey: string;
}

/** A thing model that could not be read is asked for again after this long. */
const RETRY_MODEL_MS = 5 * 60_000;
/** A thing model read is read again after this long: products change. */
export const MODEL_MAX_AGE_MS = 60 * 60_000;
/** Thing models kept per account client; the one used least recently goes first. */
export const MAX_MODELS = 256;
const DEVICE_KEY = /^[\w.:-]{1,64}$/;

interface ModelEntry {
  model?: ThingModel;
  readAt?: number;
  failedAt?: number;
  pending?: Promise<ThingModel | undefined>;
}

/**
 * The thing models one account has read, per product: at most MAX_MODELS (a
 * message may name any product key), each at most MODEL_MAX_AGE_MS old.
 */
export class ThingModels {
  private readonly entries = new Map<string, ModelEntry>();

  /** `productKey`: the name the model call gives the product key. */
  constructor(private readonly productKey: 'pk' | 'productKey') {}

  /** The product's thing model, read with `call`, or undefined when the account cannot read it (the values then go unchecked). */
  async get(caller: Caller, call: string, productKey: string): Promise<ThingModel | undefined> {
    // A Map keeps insertion order: taken out and put back, the entry becomes the most recent.
    const entry = this.entries.get(productKey) ?? {};
    this.entries.delete(productKey);
    this.entries.set(productKey, entry);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= MAX_MODELS) break;
      this.entries.delete(oldest);
    }
    const now = Date.now();
    if (entry.model && entry.readAt !== undefined && now - entry.readAt < MODEL_MAX_AGE_MS) return entry.model;
    if (entry.failedAt !== undefined && now - entry.failedAt < RETRY_MODEL_MS) return undefined;
    entry.pending ??= caller.call(call, { [this.productKey]: productKey }).then(
      (result) => {
        entry.model = readThingModel(result.data);
        entry.readAt = Date.now();
        entry.failedAt = undefined;
        return entry.model;
      },
      (err: unknown) => {
        // A refusal or a bad answer leaves the values unchecked; a missing login or a timeout is the call's own failure.
        if (err instanceof OpenApiError && (err.refusal || err.code === ErrorCodes.BAD_RESPONSE)) {
          entry.model = undefined;
          entry.failedAt = Date.now();
          return undefined;
        }
        // An aged model is still better than none while the vendor cannot be reached; it is asked for again next time.
        if (entry.model) return entry.model;
        throw err;
      },
    ).finally(() => {
      entry.pending = undefined;
    });
    return entry.pending;
  }
}

/** The devices a control call is for: `devices` (objects or device keys), else productKey and deviceKey. */
function targets(values: Record<string, unknown>): Device[] {
  const productKey = typeof values.productKey === 'string' ? values.productKey : undefined;
  const given = values.devices as unknown[] | undefined;
  const list = given?.length ? given : [{ productKey, deviceKey: values.deviceKey }];
  const devices = list.map((item, i): Device => {
    const name = given?.length ? `devices[${i}]` : 'deviceKey';
    const entry = typeof item === 'string' ? { deviceKey: item } : item;
    if (!isPlainObject(entry)) throw invalidInput(name, 'type', { expected: `an object {productKey, deviceKey} or a device key, not ${kindOf(entry)}` });
    const pk = entry.productKey ?? productKey;
    const dk = entry.deviceKey;
    if (typeof pk !== 'string' || pk === '') throw invalidInput(given?.length ? `${name}.productKey` : 'productKey', 'required');
    if (typeof dk !== 'string' || dk === '') throw invalidInput(given?.length ? `${name}.deviceKey` : 'deviceKey', 'required');
    if (!DEVICE_KEY.test(pk)) throw invalidInput(given?.length ? `${name}.productKey` : 'productKey', 'pattern');
    if (!DEVICE_KEY.test(dk)) throw invalidInput(given?.length ? `${name}.deviceKey` : 'deviceKey', 'pattern');
    return { productKey: pk, deviceKey: dk };
  });
  const seen = new Set<string>();
  for (const d of devices) {
    const key = `${d.productKey}/${d.deviceKey}`;
    if (seen.has(key)) throw invalidInput('devices', 'duplicate', { key });
    seen.add(key);
  }
  return devices;
}

const byProduct = (devices: Device[]): Map<string, Device[]> => {
  const groups = new Map<string, Device[]>();
  for (const d of devices) groups.set(d.productKey, [...(groups.get(d.productKey) ?? []), d]);
  return groups;
};

/** The vendor's data text for a control call, after checking the values against the model where there is one. */
function controlText(mode: 'property' | 'service' | 'raw', data: unknown, model: ThingModel | undefined, values: Record<string, unknown>): string {
  if (mode === 'raw') {
    if (typeof data !== 'string') throw invalidInput('data', 'type', { expected: `a string, not ${kindOf(data)}` });
    if (values.dataFormat === 'hex' && !/^(?:[0-9a-fA-F]{2})+$/.test(data)) throw invalidInput('data', 'type', { expected: 'hexadecimal text, two digits per byte' });
    return data;
  }
  if (!isPlainObject(data)) throw invalidInput('data', 'type', { expected: `an object, not ${kindOf(data)}` });
  if (mode === 'property') {
    const entries = Object.entries(data);
    if (entries.length === 0) throw invalidInput('data', 'required');
    for (const [code, value] of entries) {
      if (!model) continue;
      const field = model.properties.get(code);
      if (!field) throw invalidInput(`data.${code}`, 'unknownCode', { values: [...model.properties.keys()].join(', ') });
      if (field.subType === 'R') throw invalidInput(`data.${code}`, 'readOnly');
      checkValue(field, value, `data.${code}`);
    }
    return JSON.stringify(entries.map(([code, value]) => ({ [code]: encodeValue(value) })));
  }
  const service = data.service;
  if (typeof service !== 'string' || service === '') throw invalidInput('data.service', 'required');
  const params = data.params ?? {};
  if (!isPlainObject(params)) throw invalidInput('data.params', 'type', { expected: `an object, not ${kindOf(params)}` });
  const inputs = model?.services.get(service);
  if (model && !inputs) throw invalidInput('data.service', 'unknownCode', { values: [...model.services.keys()].join(', ') });
  for (const [code, value] of Object.entries(params)) {
    if (!inputs) continue;
    const field = inputs.get(code);
    if (!field) throw invalidInput(`data.params.${code}`, 'unknownCode', { values: [...inputs.keys()].join(', ') });
    checkValue(field, value, `data.params.${code}`);
  }
  return JSON.stringify([{ [service]: Object.entries(params).map(([code, value]) => ({ [code]: encodeValue(value) })) }]);
}

/**
 * The codes a read asks for, as the vendor's list text: each one a property
 * the device can report (not write-only).
 */
function readText(codes: unknown, model: ThingModel | undefined): string {
  const readable = [...(model?.properties.values() ?? [])].filter((f) => f.subType !== 'W').map((f) => f.code);
  const named = [...(codeFilter(codes) ?? [])];
  for (const code of named) {
    if (!model) continue;
    const field = model.properties.get(code);
    if (!field) throw invalidInput(`codes.${code}`, 'unknownCode', { values: readable.join(', ') });
    if (field.subType === 'W') throw invalidInput(`codes.${code}`, 'enum', { values: readable.join(', ') });
  }
  if (named.length === 0) throw invalidInput('codes', 'required');
  return JSON.stringify(named);
}

interface PreparedCall {
  call: string;
  params: Record<string, unknown>;
  devices: Device[];
}

/** The App's batch control: one call for every device; its switches are 1 on, 2 off. */
function appControl(mode: Mode, call: string, text: string, devices: Device[], v: Record<string, unknown>): PreparedCall[] {
  const onOff = (x: unknown) => (x === undefined ? undefined : x === 1 ? 1 : 2);
  const params = {
    data: text,
    deviceList: devices.map((d) => ({ productKey: d.productKey, deviceKey: d.deviceKey })),
    type: mode === 'raw' ? 1 : mode === 'property' ? 2 : 3,
    dataFormat: mode === 'raw' ? (v.dataFormat === 'hex' ? 1 : 2) : undefined,
    isCache: onOff(v.isCache),
    isCover: onOff(v.isCover),
    cacheTime: v.cacheTime,
    qos: v.qos,
  };
  return [{ call, params, devices }];
}

/** SaaS control: one call per product (raw data takes every device at once); switches are booleans. */
function saasControl(mode: Mode, call: string, texts: Map<string, string>, devices: Device[], v: Record<string, unknown>): PreparedCall[] {
  const options = {
    isCache: v.isCache === undefined ? undefined : v.isCache === 1,
    isCover: v.isCover === undefined ? undefined : v.isCover === 1,
    cacheTime: v.cacheTime,
    qos: v.qos,
  };
  if (mode === 'raw') {
    const data = texts.values().next().value as string;
    return [{ call, devices, params: { ...options, data, encode: v.dataFormat === 'hex' ? 'Hex' : 'Text', devices: devices.map((d) => ({ productKey: d.productKey, deviceKey: d.deviceKey })) } }];
  }
  return [...byProduct(devices)].map(([productKey, group]) => ({
    call,
    devices: group,
    params: { ...options, productKey, devices: group.map((d) => d.deviceKey), data: texts.get(productKey) },
  }));
}

/** Each device's result from an App batch answer ({successList, failureList}) or a SaaS one ([{code, deviceKey, ticket, message}]). */
function deviceResults(platform: Platform, data: unknown, devices: Device[]): DeviceResult[] {
  const key = (d: { productKey?: unknown; deviceKey?: unknown }) => `${String(d.productKey)}/${String(d.deviceKey)}`;
  const found = new Map<string, Omit<DeviceResult, 'productKey' | 'deviceKey'>>();
  if (platform === 'quectel-app' && isPlainObject(data)) {
    for (const s of Array.isArray(data.successList) ? data.successList : []) {
      if (isPlainObject(s) && isPlainObject(s.data)) found.set(key(s.data), { ok: true, ...(typeof s.ticket === 'string' || typeof s.ticket === 'number' ? { ticket: String(s.ticket) } : {}) });
    }
    for (const f of Array.isArray(data.failureList) ? data.failureList : []) {
      if (isPlainObject(f) && isPlainObject(f.data)) found.set(key(f.data), { ok: false, message: typeof f.msg === 'string' ? f.msg : '' });
    }
  } else if (Array.isArray(data)) {
    for (const r of data) {
      if (!isPlainObject(r)) continue;
      const ok = Number(r.code) === 200;
      found.set(key(r), {
        ok,
        ...(typeof r.ticket === 'string' || typeof r.ticket === 'number' ? { ticket: String(r.ticket) } : {}),
        ...(ok ? {} : { code: r.code as string | number, message: typeof r.message === 'string' ? r.message : '' }),
      });
    }
  }
  return devices.map((d) => ({ ...d, ...(found.get(key(d)) ?? { ok: false, message: 'not in the vendor\'s answer' }) }));
}

type Mode = 'property' | 'service' | 'raw' | 'read';

async function control(client: Caller, op: CompositeOperation, models: ThingModels, mode: Mode, values: Record<string, unknown>): Promise<CallResult> {
  const devices = targets(values);
  const groups = byProduct(devices);
  // Every value is checked, for every product, before anything is sent.
  const texts = new Map<string, string>();
  for (const productKey of groups.keys()) {
    const model = mode === 'raw' ? undefined : await models.get(client, op.calls.model, productKey);
    texts.set(productKey, mode === 'read' ? readText(values.codes, model) : controlText(mode, values.data, model, values));
  }
  const calls = client.platform === 'quectel-app'
    ? appControl(mode, op.calls.control, texts.values().next().value as string, devices, values)
    : saasControl(mode, op.calls.control, texts, devices, values);
  for (const c of calls) c.params = client.check(c.call, c.params);

  const started = Date.now();
  const results: DeviceResult[] = [];
  let meta: CallMeta | undefined;
  for (const c of calls) {
    try {
      const result = await client.call(c.call, c.params);
      meta = result.meta;
      results.push(...deviceResults(client.platform, result.data, c.devices));
    } catch (err) {
      // One call for everything: its failure is the message's. Several: the others' results still count.
      if (calls.length === 1 || !(err instanceof OpenApiError) || !err.refusal) throw err;
      results.push(...c.devices.map((d) => ({ ...d, ok: false, code: err.code, message: err.vendorMessage ?? err.message })));
    }
  }
  // In the order the devices were given, whatever order the calls went in.
  const order = new Map(devices.map((d, i) => [`${d.productKey}/${d.deviceKey}`, i]));
  results.sort((a, b) => order.get(`${a.productKey}/${a.deviceKey}`)! - order.get(`${b.productKey}/${b.deviceKey}`)!);
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) {
    const first = failed[0];
    throw new OpenApiError(
      ErrorCodes.DEVICE_FAILED,
      `${failed.length} of ${results.length} devices failed (${first.productKey}/${first.deviceKey}: ${first.message || first.code || 'refused'})`,
      { platform: client.platform, payload: results },
    );
  }
  return { data: results, raw: {}, meta: { ...meta!, durationMs: Date.now() - started } };
}

/** The requested codes: a comma-separated text, empty for all. */
function codeFilter(codes: unknown): Set<string> | undefined {
  const list = typeof codes === 'string' ? codes.split(',').map((c) => c.trim()).filter(Boolean) : [];
  return list.length ? new Set(list) : undefined;
}

/** Uplink history entries newest first, each with its values by property code. */
function uplinkValues(entries: unknown[], model: ThingModel | undefined): { time: number; values: [string, unknown][] }[] {
  const out: { time: number; values: [string, unknown][] }[] = [];
  for (const entry of entries) {
    if (!isPlainObject(entry) || Number(entry.direction) === 2 || typeof entry.dmData !== 'string') continue;
    let items: unknown;
    try {
      items = JSON.parse(entry.dmData);
    } catch {
      continue;
    }
    if (!Array.isArray(items)) continue;
    const values: [string, unknown][] = [];
    for (const item of items) {
      if (!isPlainObject(item) || !('value' in item)) continue;
      const field = model?.byId.get(Number(item.id));
      values.push([field?.code ?? String(item.id), decodeValue(undefined, item.value, field)]);
    }
    out.push({ time: Number(entry.createTime ?? entry.sendTime) || 0, values });
  }
  return out.sort((a, b) => b.time - a.time);
}

async function latest(client: Caller, op: CompositeOperation, models: ThingModels, values: Record<string, unknown>): Promise<CallResult> {
  const productKey = String(values.productKey);
  const deviceKey = String(values.deviceKey);
  const wanted = codeFilter(values.codes);
  const started = Date.now();
  const app = client.platform === 'quectel-app';
  const [model, read, detail] = await Promise.all([
    models.get(client, op.calls.model, productKey),
    app
      ? client.call(op.calls.values, { pk: productKey, dk: deviceKey, type: '2', ...(wanted ? { codeList: [...wanted].join(',') } : {}) })
      : client.call(op.calls.values, { productKey, deviceKey, direction: 1, pageNum: 1, pageSize: 100 }),
    client.call(op.calls.detail, app ? { pk: productKey, dk: deviceKey } : { productKey, deviceKey }),
  ]);
  const state: Record<string, unknown> = {};
  if (app) {
    const data = isPlainObject(read.data) ? read.data : {};
    for (const list of [data.customizeTslInfo, data.standardTslInfo]) {
      for (const item of Array.isArray(list) ? list : []) {
        if (!isPlainObject(item) || typeof item.resourceCode !== 'string') continue;
        // resourceValce: the vendor's own spelling of the value's field.
        const raw = item.resourceValce ?? item.resourceValue;
        state[item.resourceCode] = decodeValue(typeof item.dataType === 'string' ? item.dataType : undefined, raw, model?.properties.get(item.resourceCode));
      }
    }
  } else {
    for (const report of uplinkValues(Array.isArray(read.data) ? read.data : [], model)) {
      for (const [code, value] of report.values) if (!(code in state)) state[code] = value;
    }
  }
  const payload: Record<string, unknown> = {};
  for (const code of Object.keys(state).sort()) if (!wanted || wanted.has(code)) payload[code] = state[code];
  const details = isPlainObject(detail.data) ? detail.data : {};
  const online = app ? Number(details.onlineStatus) === 1 : Number(details.deviceStatus) === 1;
  const lastSeen = Number(app ? details.lastConnTimeTs : details.lastConnTime) || null;
  return {
    data: payload,
    raw: {},
    device: { ...details, productKey, deviceKey, online, lastSeen },
    meta: { ...read.meta, durationMs: Date.now() - started },
  };
}

async function history(client: Caller, op: CompositeOperation, models: ThingModels, values: Record<string, unknown>): Promise<CallResult> {
  const productKey = String(values.productKey);
  const deviceKey = String(values.deviceKey);
  const code = String(values.code);
  const model = await models.get(client, op.calls.model, productKey);
  const field: TslField | undefined = model?.properties.get(code);
  if (model && !field) throw invalidInput('code', 'unknownCode', { values: [...model.properties.keys()].join(', ') });
  const pageSize = values.pageSize ?? 100;
  const app = client.platform === 'quectel-app';
  const paged = await client.callAllPages(op.calls.values, app
    ? { pk: productKey, dk: deviceKey, attributeCode: code, startTimestamp: values.startTime, endTimestamp: values.endTime, pageSize }
    : { productKey, deviceKey, beginDateTimp: values.startTime, endDateTimp: values.endTime, direction: 1, pageSize });
  let points: { time: number; value: unknown }[];
  if (app) {
    points = paged.items.filter(isPlainObject).map((item) => ({
      time: Number(item.tsCreateTime ?? item.createTimeTs) || 0,
      value: decodeValue(field?.dataType, item.propertyValue, field),
    }));
  } else {
    points = [];
    for (const report of uplinkValues(paged.items, model)) {
      for (const [name, value] of report.values) if (name === code) points.push({ time: report.time, value });
    }
  }
  // Both APIs list newest first: reversed before the (stable) sort, values stored in the same millisecond keep their order.
  points.reverse().sort((a, b) => a.time - b.time);
  return { data: points, raw: {}, meta: { ...paged.meta, ...(paged.truncated ? { truncated: paged.truncated } : {}) } };
}

/**
 * The operations a Quectel account runs from several calls, for one account
 * client: each keeps its own thing models.
 */
export function quectelComposites(platform: 'quectel-app' | 'quectel-saas'): Readonly<Record<string, CompositeRunner>> {
  const models = new ThingModels(platform === 'quectel-app' ? 'pk' : 'productKey');
  const runners: Record<string, CompositeRunner> = {
    writeProperties: (caller, op, values) => control(caller, op, models, 'property', values),
    callService: (caller, op, values) => control(caller, op, models, 'service', values),
    sendRaw: (caller, op, values) => control(caller, op, models, 'raw', values),
    readProperties: (caller, op, values) => control(caller, op, models, 'read', values),
    latest: (caller, op, values) => latest(caller, op, models, values),
    history: (caller, op, values) => history(caller, op, models, values),
  };
  return Object.fromEntries(Object.entries(runners).map(([name, run]) => [`${platform}.${name}`, run]));
}
