// Quectel Developer Center, SaaS OpenAPI: AccessKey login and refresh, TSL
// export, products and their detail, devices (overview, detail, create,
// resource, location, history), downlinks (write, service, read, raw), and
// the message subscription's queues and rules.
import { sha256Hex } from '../lib/crypto';
import type { SimCore } from './core';
import { DEMO } from './demo';
import { json, jsonObjectBody, positiveInt, queryAndForm, type Answer, type Call, type Route } from './http';
import {
  checkService, checkWrite, deliver, isFresh, isProblem, pageOf, parseKv, parseService, quectelAnswer, renderTsl, shadowOf,
  type Delivery, type DeviceProblem, type Problem,
} from './quectel';
import { shadowKey, type DeviceShadow, type SaasSubscription, type HistoryEntry, type Product, type PropertyValue } from './state';

/**
 * Result codes, from the SaaS error table (saasDevelop-errorCode, "Product and
 * Device Management") and the pages of each call, except the two login ones
 * marked below.
 */
export const SAAS_CODES = {
  OK: 200,
  PARAM: 50005,
  PRODUCT_KEY_EMPTY: 50006,
  /** DeviceID, ProductKey or DeviceKey is empty. */
  DEVICE_KEY_EMPTY: 50007,
  DEVICE_OFFLINE: 61002,
  /** Too many requests of the account: refused, nothing done (the simulator's rate limit). */
  TOO_FREQUENT: 61007,
  PRODUCT_UNKNOWN: 70017,
  /** Transparent-transmission devices cannot take TSL data. */
  NOT_TSL: 70063,
  OUT_OF_RANGE: 70090,
  NOT_IN_ENUM: 70091,
  TEXT_TOO_LONG: 70092,
  /** The TSL model cannot make out the data (e.g. an identifier it does not have). */
  TSL_UNKNOWN: 70094,
  DEVICE_UNKNOWN: 70130,
  /** Downlink TSL data is not JSON. */
  TSL_NOT_JSON: 71027,
  /** A value of the wrong type for its TSL data type. */
  TSL_VALUE: 71036,
  READ_ONLY: 71038,
  /** A read that names only write-only properties (here: any write-only one). */
  WRITE_ONLY: 71048,
  /** The DeviceKey is already in use. */
  DEVICE_KEY_TAKEN: 70062,
  /** Downlink TSL data is JSON but not in the documented list form. */
  TSL_FORMAT: 71047,
  /** From the project's vendor notes (the AccessKey login page is empty): the AccessKey does not exist. */
  ACCESS_KEY_UNKNOWN: 90047,
  /**
   * Chosen: the password (signature over the username) does not verify. No
   * published table has a code for a failed AccessKey login (the SaaS table's
   * 5144 and 5420 belong to its end-user section).
   */
  BAD_PASSWORD: 90048,
  QUEUE_UNKNOWN: 16002,
  SUBSCRIPTION_UNKNOWN: 16011,
  SUBSCRIPTION_STARTED: 16020,
  SUBSCRIPTION_NOT_STARTED: 16021,
  TOKEN_UNKNOWN: 91001,
  TOKEN_INCORRECT: 91004,
} as const;

const ACCESS_KEYS: Record<string, string> = { [DEMO.quectelSaas.accessKey]: DEMO.quectelSaas.accessSecret };
/** Within 30 minutes of its creation or last refresh, a refresh hands back the same token. */
const SAME_TOKEN_WINDOW_MS = 30 * 60_000;

/** The login and refresh endpoints answer failures as the document's example does: code, msg and error, no data. */
const authFailure = (code: number, msg: string): Answer => json({ msg, code, error: msg });
const paramError = (name: string): Answer => quectelAnswer(SAAS_CODES.PARAM, `param check error: ${name}`);

function tokenAnswer(token: string, expiresIn: number): Answer {
  return json({ code: 200, msg: 'OK', access_token: token, token_type: 'jwt', expires_in: expiresIn, scope: '' });
}

function accessKeyLogin(call: Call, sim: SimCore): Answer {
  sim.counters.logins['quectel-saas']++;
  const p = queryAndForm(call);
  if (p.grant_type !== 'password') return authFailure(SAAS_CODES.PARAM, 'param check error: grant_type');
  if (!p.username) return authFailure(SAAS_CODES.PARAM, 'param check error: username');
  if (!p.password) return authFailure(SAAS_CODES.PARAM, 'param check error: password');
  // The username arrives URI-encoded once; decoded, it is key=value pairs in any order.
  const fields = new URLSearchParams(p.username);
  const expectFields: Record<string, RegExp> = {
    ver: /^1$/, auth_mode: /^accessKey$/, sign_method: /^sha256$/, access_key: /^\S+$/, timestamp: /^\d{1,16}$/,
  };
  for (const [name, pattern] of Object.entries(expectFields)) {
    if (!pattern.test(fields.get(name) ?? '')) return authFailure(SAAS_CODES.PARAM, `param check error: username.${name}`);
  }
  const accessKey = fields.get('access_key') as string;
  const secret = ACCESS_KEYS[accessKey];
  if (!secret) return authFailure(SAAS_CODES.ACCESS_KEY_UNKNOWN, "AccessKey didn't exists");
  // A skewed login is refused like a wrong signature, not with the App API's 5145: only the Date header tells them apart.
  if (!isFresh(fields.get('timestamp') as string, sim.now())) return authFailure(SAAS_CODES.BAD_PASSWORD, 'AccessKey authentication failed');
  if (p.password !== sha256Hex(p.username + secret)) return authFailure(SAAS_CODES.BAD_PASSWORD, 'AccessKey authentication failed');

  const record = sim.issueToken('quectel-saas', 'saas', accessKey, sim.options.lifetimes.quectelSaas);
  return tokenAnswer(record.token, sim.secondsLeft(record));
}

function refreshToken(call: Call, sim: SimCore): Answer {
  sim.counters.refreshes['quectel-saas']++;
  const p = queryAndForm(call);
  if (p.grant_type !== 'refresh_token') return authFailure(SAAS_CODES.PARAM, 'param check error: grant_type');
  if (!p.refresh_token) return authFailure(SAAS_CODES.PARAM, 'param check error: refresh_token');
  const check = sim.checkToken(p.refresh_token, 'quectel-saas', ['saas']);
  if (!check.ok) {
    return check.problem === 'expired'
      ? authFailure(SAAS_CODES.TOKEN_INCORRECT, 'token incorrect')
      : authFailure(SAAS_CODES.TOKEN_UNKNOWN, 'token does not exist');
  }
  const old = check.record;
  if (sim.now() - old.lastRefreshAt < SAME_TOKEN_WINDOW_MS) return tokenAnswer(old.token, sim.secondsLeft(old));
  // A new token; the old one stays valid until its own expiry.
  const record = sim.issueToken('quectel-saas', 'saas', old.subject, sim.options.lifetimes.quectelSaas);
  return tokenAnswer(record.token, sim.secondsLeft(record));
}

/** The Authorization header must hold a live token as login gave it: missing/unknown 91001, expired or malformed 91004. */
function authorize(call: Call, sim: SimCore): Answer | undefined {
  const header = call.headers.authorization;
  if (!header) return quectelAnswer(SAAS_CODES.TOKEN_UNKNOWN, 'token does not exist');
  if (!header.startsWith('QJWT ')) return quectelAnswer(SAAS_CODES.TOKEN_INCORRECT, 'token incorrect');
  const check = sim.checkToken(header, 'quectel-saas', ['saas']);
  if (check.ok) return undefined;
  return check.problem === 'expired'
    ? quectelAnswer(SAAS_CODES.TOKEN_INCORRECT, 'token incorrect')
    : quectelAnswer(SAAS_CODES.TOKEN_UNKNOWN, 'token does not exist');
}

/** The product named by the productKey query parameter, or the refusal. */
function productOf(call: Call, sim: SimCore): Product | Answer {
  const productKey = call.query.productKey;
  if (!productKey) return quectelAnswer(SAAS_CODES.PRODUCT_KEY_EMPTY, 'The productID or productKey is empty.');
  return sim.state.products.get(productKey) ?? quectelAnswer(SAAS_CODES.PRODUCT_UNKNOWN, 'Product does not exist.');
}

const isAnswer = (x: Product | Answer): x is Answer => 'status' in x && 'body' in x;

function tslFile(call: Call, sim: SimCore): Answer {
  const refusal = authorize(call, sim);
  if (refusal) return refusal;
  const language = call.query.language ?? 'CN';
  if (language !== 'CN' && language !== 'EN') return paramError('language');
  const product = productOf(call, sim);
  if (isAnswer(product)) return product;

  return json({ code: 200, msg: 'OK', data: renderTsl(product, language) });
}

function deviceOverview(call: Call, sim: SimCore): Answer {
  const refusal = authorize(call, sim);
  if (refusal) return refusal;
  const q = call.query;
  const product = productOf(call, sim);
  if (isAnswer(product)) return product;
  if (q.deviceStatus !== undefined && q.deviceStatus !== '0' && q.deviceStatus !== '1') return paramError('deviceStatus');
  if (q.activeStatus !== undefined && q.activeStatus !== '0' && q.activeStatus !== '1') return paramError('activeStatus');
  const pageNum = positiveInt(q.pageNum, 1_000_000) ?? 1;
  if (Number.isNaN(pageNum)) return paramError('pageNum');
  const pageSize = positiveInt(q.pageSize, 1000) ?? 10;
  if (Number.isNaN(pageSize)) return paramError('pageSize');

  const matching = product.devices.filter((d) =>
    (!q.deviceKey || d.deviceKey === q.deviceKey)
    && (q.deviceStatus === undefined || d.deviceStatus === Number(q.deviceStatus))
    && (q.activeStatus === undefined || d.isActived === Number(q.activeStatus)));
  return json({
    code: 200,
    msg: 'OK',
    data: pageOf(matching, pageNum, pageSize),
    pageNum,
    pageSize,
    pages: Math.ceil(matching.length / pageSize),
    total: matching.length,
  });
}

/** The account's products, a page at a time, as the document's example shows them. */
function productList(call: Call, sim: SimCore): Answer {
  const refusal = authorize(call, sim);
  if (refusal) return refusal;
  const q = call.query;
  const pageNum = positiveInt(q.pageNum, 1_000_000) ?? 1;
  if (Number.isNaN(pageNum)) return paramError('pageNum');
  const pageSize = positiveInt(q.pageSize, 1000) ?? 10;
  if (Number.isNaN(pageSize)) return paramError('pageSize');
  const matching = [...sim.state.products.values()].filter((p) => !q.productKey || p.productKey === q.productKey);
  const data = pageOf(matching, pageNum, pageSize).map((p) => ({
    accessType: 0, connectPlatform: 0, dataFmt: 3, netWay: '2', productKey: p.productKey, productName: p.name.CN,
  }));
  return json({ code: 200, msg: '', data, pageNum, pageSize, pages: Math.ceil(matching.length / pageSize), total: matching.length });
}

/** One product as the detail page shows it: times are epoch-millisecond text. */
function productDetail(call: Call, sim: SimCore): Answer {
  const refusal = authorize(call, sim);
  if (refusal) return refusal;
  const product = productOf(call, sim);
  if (isAnswer(product)) return product;
  const created = product.devices[0]?.createTime ?? 1711267200000;
  return json({
    code: 200, msg: '',
    data: {
      accessType: 0, connectPlatform: 0, createTime: String(created - 86_400_000), dataFmt: 3, logoPath: null, netWay: '2',
      productConfig: { aiCapabilityStatus: false }, productKey: product.productKey, productName: product.name.CN, updateTime: String(created),
    },
  });
}

const DEVICE_KEY_TEXT = /^[\w.:-]{1,64}$/;

/** Adds one device to a product; it has never connected, so it is offline and not yet activated. */
function deviceCreate(call: Call, sim: SimCore): Answer {
  const refusal = authorize(call, sim);
  if (refusal) return refusal;
  const parsed = jsonObjectBody(call);
  if (!parsed.ok) return paramError(`body (${parsed.reason})`);
  const body = parsed.value;
  const productKey = typeof body.productKey === 'string' ? body.productKey : '';
  const deviceKey = typeof body.deviceKey === 'string' ? body.deviceKey : '';
  if (!productKey) return quectelAnswer(SAAS_CODES.PRODUCT_KEY_EMPTY, 'The productID or productKey is empty.');
  if (!deviceKey) return quectelAnswer(SAAS_CODES.DEVICE_KEY_EMPTY, 'The deviceID, productKey or deviceKey is empty.');
  if (!DEVICE_KEY_TEXT.test(deviceKey)) return paramError('deviceKey');
  const authMode = body.authMode ?? 0;
  if (authMode !== 0 && authMode !== 1 && authMode !== 2) return paramError('authMode');
  for (const name of ['deviceName', 'sn', 'fingerPrint', 'psk']) {
    if (body[name] !== undefined && body[name] !== null && typeof body[name] !== 'string') return paramError(name);
  }
  // An X.509 device is added with its certificate's fingerprint.
  if (authMode === 2 && !body.fingerPrint) return paramError('fingerPrint');
  const product = sim.state.products.get(productKey);
  if (!product) return quectelAnswer(SAAS_CODES.PRODUCT_UNKNOWN, 'Product does not exist.');
  if (product.devices.some((d) => d.deviceKey === deviceKey)) return quectelAnswer(SAAS_CODES.DEVICE_KEY_TAKEN, 'This DeviceKey is already in use or has been duplicated.');
  const now = sim.now();
  product.devices.push({
    activedTime: 0, authMode, createTime: now, dataFmt: 3, deviceKey,
    deviceName: typeof body.deviceName === 'string' && body.deviceName ? body.deviceName : deviceKey,
    deviceStatus: 0, firstConnTime: 0, isActived: 0, isVerified: 0, isVirtual: 0, lastConnTime: 0, lastOfflineTime: 0,
    productKey, sn: typeof body.sn === 'string' ? body.sn : '', updateTime: now,
  });
  const values: Record<string, PropertyValue> = {};
  sim.state.shadows.set(shadowKey(productKey, deviceKey), {
    productKey, deviceKey, online: false, values, history: [], pending: [], packetId: 0, firstConnTime: 0, lastConnTime: 0, lastOfflineTime: 0,
  });
  return json({ code: 200, msg: '' });
}

/** NMEA-style degrees and minutes, as the page's lat and lng show them (3149.3362 for 31.822 degrees). */
const nmea = (degrees: number): string => {
  const whole = Math.floor(Math.abs(degrees));
  return (whole * 100 + (Math.abs(degrees) - whole) * 60).toFixed(4);
};

/** The device's latest location; a device that never located itself answers without data. */
function deviceLocation(call: Call, sim: SimCore): Answer {
  const refusal = authorize(call, sim);
  if (refusal) return refusal;
  const q = call.query;
  if (q.language !== undefined && q.language !== 'CN' && q.language !== 'EN') return paramError('language');
  // The simulated devices have no numeric ids: one named only by a deviceId is not found.
  if (q.deviceId !== undefined && !(q.productKey && q.deviceKey)) return quectelAnswer(SAAS_CODES.DEVICE_UNKNOWN, 'Device does not exist.');
  const found = deviceOf(call, sim);
  if ('status' in found) return found;
  const where = sim.state.locations.get(shadowKey(found.shadow.productKey, found.shadow.deviceKey));
  if (!where) return json({ code: 200, msg: '', data: null });
  const time = String(where.locateTime);
  return json({
    code: 200, msg: '',
    data: {
      accuracy: where.accuracy, bdLat: null, bdLng: null, gcjLat: null, gcjLng: null, count: 0, createTime: time, deviceId: 0, deviceKey: where.deviceKey, deviceStatus: found.shadow.online ? 1 : 0,
      ggaStatus: null, hdop: null, height: null, id: `${where.productKey}-${where.deviceKey}`,
      lat: nmea(where.wgsLat), latType: where.wgsLat >= 0 ? 'N' : 'S', lng: nmea(where.wgsLng), lngType: where.wgsLng >= 0 ? 'E' : 'W',
      locType: null, locateRaw: null, locateStatus: '3', locateTime: time, locateType: where.locateType, productKey: where.productKey,
      satellites: null, speed: null, ticket: null, wgsLat: where.wgsLat, wgsLng: where.wgsLng,
    },
  });
}

// ---- Message subscription: queues and the rules that fill them ----

/** pageNum and pageSize (1 to 100) of a subscription list's body, or the parameter that is wrong. */
function rulePage(body: Record<string, unknown>): { pageNum: number; pageSize: number } | string {
  const read = (name: string, max: number, fallback: number): number | undefined => {
    const v = body[name];
    if (v === undefined || v === null) return fallback;
    return Number.isInteger(v) && (v as number) >= 1 && (v as number) <= max ? v as number : undefined;
  };
  const pageNum = read('pageNum', 1_000_000, 1);
  if (pageNum === undefined) return 'pageNum';
  const pageSize = read('pageSize', 100, 10);
  if (pageSize === undefined) return 'pageSize';
  return { pageNum, pageSize };
}

function listed<T>(items: T[], page: { pageNum: number; pageSize: number }): Answer {
  const { pageNum, pageSize } = page;
  return json({ code: 200, msg: '', data: pageOf(items, pageNum, pageSize), pageNum, pageSize, pages: Math.ceil(items.length / pageSize), total: items.length });
}

/** An optional text filter of a list's body: undefined when absent, null when not text. */
function textFilter(body: Record<string, unknown>, name: string): string | undefined | null {
  const v = body[name];
  if (v === undefined || v === null || v === '') return undefined;
  return typeof v === 'string' ? v : null;
}

/** A rule or queue list: the caller's token checked, its JSON body and page read; or the refusal. */
function ruleListRequest(call: Call, sim: SimCore): { body: Record<string, unknown>; page: { pageNum: number; pageSize: number } } | { refusal: Answer } {
  const refusal = authorize(call, sim);
  if (refusal) return { refusal };
  const parsed = jsonObjectBody(call);
  if (!parsed.ok) return { refusal: paramError(`body (${parsed.reason})`) };
  const page = rulePage(parsed.value);
  if (typeof page === 'string') return { refusal: paramError(page) };
  return { body: parsed.value, page };
}

function queueList(call: Call, sim: SimCore): Answer {
  const request = ruleListRequest(call, sim);
  if ('refusal' in request) return request.refusal;
  const { body, page } = request;
  const name = textFilter(body, 'queueName');
  if (name === null) return paramError('queueName');
  if (body.status !== undefined && body.status !== null && ![0, 1, 2].includes(body.status as number)) return paramError('status');
  const matching = sim.state.queues
    .filter((q) => (name === undefined || q.queueName.includes(name)) && (body.status === undefined || body.status === null || q.status === body.status))
    .map((q) => ({
      createTime: String(q.createTime), entUserId: 1358403955870720, id: q.queueId, isFree: 0, metadata: '', queueDesc: q.queueDesc,
      queueName: q.queueName, status: q.status, updateTime: null, userId: 1358403955870720,
    }));
  return listed(matching, page);
}

/** An id in the query (queueId, subscribeId): a positive integer, or undefined. */
function idQuery(call: Call, name: string): number | undefined {
  const v = call.query[name];
  return v !== undefined && /^[1-9]\d{0,15}$/.test(v) ? Number(v) : undefined;
}

function queueDetail(call: Call, sim: SimCore): Answer {
  const refusal = authorize(call, sim);
  if (refusal) return refusal;
  const queueId = idQuery(call, 'queueId');
  if (queueId === undefined) return paramError('queueId');
  const q = sim.state.queues.find((x) => x.queueId === queueId);
  if (!q) return quectelAnswer(SAAS_CODES.QUEUE_UNKNOWN, 'The queue name does not exist');
  return json({
    code: 200, msg: '',
    data: {
      consumeRate: '0', msgNum: 0, msgSize: '0', queueId: q.queueId, queueName: q.queueName, queueDesc: q.queueDesc,
      createTime: q.createTime, updateTime: null, status: q.status, connectUrl: 'amqps://127.0.0.1:5671/quec-open',
    },
  });
}

function subscribeList(call: Call, sim: SimCore): Answer {
  const request = ruleListRequest(call, sim);
  if ('refusal' in request) return request.refusal;
  const { body, page } = request;
  const queueName = textFilter(body, 'queueName');
  if (queueName === null) return paramError('queueName');
  const subscribeName = textFilter(body, 'subscribeName');
  if (subscribeName === null) return paramError('subscribeName');
  if (body.status !== undefined && body.status !== null && body.status !== 0 && body.status !== 1) return paramError('status');
  const queueOf = (id: number) => sim.state.queues.find((q) => q.queueId === id);
  const matching = sim.state.subscriptions
    .filter((s) => (subscribeName === undefined || s.subscribeName.includes(subscribeName))
      && (queueName === undefined || (queueOf(s.queueId)?.queueName ?? '').includes(queueName))
      && (body.status === undefined || body.status === null || s.status === body.status))
    .map((s) => ({
      subscribeId: s.subscribeId, subscribeName: s.subscribeName, queueId: String(s.queueId), queueName: queueOf(s.queueId)?.queueName ?? null,
      createTime: s.createTime, status: s.status, subscribeLevel: s.subscribeLevel, projectId: 222, projectName: '1360096218198650',
    }));
  return listed(matching, page);
}

/** The rule named by subscribeId in the query, or the refusal. */
function ruleOf(call: Call, sim: SimCore): SaasSubscription | Answer {
  const subscribeId = idQuery(call, 'subscribeId');
  if (subscribeId === undefined) return paramError('subscribeId');
  return sim.state.subscriptions.find((s) => s.subscribeId === subscribeId)
    ?? quectelAnswer(SAAS_CODES.SUBSCRIPTION_UNKNOWN, 'The subscription rule does not exist');
}

function subscribeDetail(call: Call, sim: SimCore): Answer {
  const refusal = authorize(call, sim);
  if (refusal) return refusal;
  const rule = ruleOf(call, sim);
  if ('status' in rule && 'body' in rule) return rule;
  const s = rule as SaasSubscription;
  const queue = sim.state.queues.find((q) => q.queueId === s.queueId);
  return json({
    code: 200, msg: '',
    data: {
      subscribeId: s.subscribeId, subscribeName: s.subscribeName, dataLevel: s.subscribeLevel === 1 ? 1 : 4, msgType: s.msgType,
      queueId: s.queueId, queueName: queue?.queueName ?? null, userId: 1358403955870720, status: s.status,
      createTime: s.createTime, updateTime: s.updateTime,
    },
  });
}

/** Starts or stops a rule; a rule already so is refused with the page's code. */
function subscribeSwitch(running: boolean) {
  return (call: Call, sim: SimCore): Answer => {
    const refusal = authorize(call, sim);
    if (refusal) return refusal;
    const rule = ruleOf(call, sim);
    if ('status' in rule && 'body' in rule) return rule;
    const s = rule as SaasSubscription;
    if ((s.status === 1) === running) {
      return running
        ? quectelAnswer(SAAS_CODES.SUBSCRIPTION_STARTED, 'The subscription rule has been started')
        : quectelAnswer(SAAS_CODES.SUBSCRIPTION_NOT_STARTED, 'The subscription rule is not started');
    }
    s.status = running ? 1 : 0;
    s.updateTime = sim.now();
    return json({ code: 200, msg: '' });
  };
}

// ---- Device control, detail, resource and history ----

/** Each device problem's code in the SaaS table. */
const PROBLEM_CODES: Record<DeviceProblem, number> = {
  'no-device': SAAS_CODES.DEVICE_UNKNOWN,
  offline: SAAS_CODES.DEVICE_OFFLINE,
  'unknown-code': SAAS_CODES.TSL_UNKNOWN,
  'wrong-type': SAAS_CODES.TSL_VALUE,
  'out-of-range': SAAS_CODES.OUT_OF_RANGE,
  'not-in-enum': SAAS_CODES.NOT_IN_ENUM,
  'too-long': SAAS_CODES.TEXT_TOO_LONG,
  'read-only': SAAS_CODES.READ_ONLY,
  'not-service': SAAS_CODES.TSL_UNKNOWN,
};

interface DeviceResult { code: number; productKey: string; deviceKey: string; ticket: string | null; message: string | null }

const outcome = (productKey: string, deviceKey: string, result: string | Problem): DeviceResult => (isProblem(result)
  ? { code: PROBLEM_CODES[result.problem], productKey, deviceKey, ticket: null, message: result.detail }
  : { code: 200, productKey, deviceKey, ticket: result, message: null });

/** isCache, isCover (booleans), cacheTime (seconds, default 600) and qos (0, 1 or 2), or the parameter that is wrong. */
function deliveryOf(body: Record<string, unknown>, defaultCache: number): Delivery | string {
  const flag = (name: string): boolean | undefined | null => {
    const v = body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    return null;
  };
  const isCache = flag('isCache');
  if (isCache === null) return 'isCache';
  const isCover = flag('isCover');
  if (isCover === null) return 'isCover';
  const cacheTime = body.cacheTime;
  if (cacheTime !== undefined && cacheTime !== null && !(Number.isInteger(Number(cacheTime)) && Number(cacheTime) >= 1 && Number(cacheTime) <= 7_776_000)) return 'cacheTime';
  const qos = body.qos;
  if (qos !== undefined && qos !== null && ![0, 1, 2].includes(Number(qos))) return 'qos';
  return { isCache: isCache ?? false, isCover: isCover ?? false, cacheTimeSeconds: cacheTime === undefined || cacheTime === null ? defaultCache : Number(cacheTime) };
}

type TslCommand =
  | { kind: 'property'; kv: Record<string, PropertyValue> }
  | { kind: 'service'; service: string; kv: Record<string, PropertyValue> }
  | { kind: 'read'; keys: string[]; kv: Record<string, PropertyValue> };

/** readData's data: a JSON list of property codes the device can report, or the refusal's code and text. */
function readKeys(product: Product, text: string): string[] | { code: number; msg: string } {
  let keys: unknown;
  try {
    keys = JSON.parse(text);
  } catch {
    return { code: SAAS_CODES.TSL_NOT_JSON, msg: 'TSL model downlink data format is not JSON' };
  }
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string' && k !== '')) {
    return { code: SAAS_CODES.TSL_FORMAT, msg: 'Downstream TSL data format check error' };
  }
  for (const key of keys as string[]) {
    const item = product.tsl.find((t) => t.type === 'PROPERTY' && t.code === key);
    if (!item) return { code: SAAS_CODES.TSL_UNKNOWN, msg: `The TSL model is unable to analyze and identify data: ${key}` };
    if (item.subType === 'W') return { code: SAAS_CODES.WRITE_ONLY, msg: 'The fetch instruction cannot only contain write-only data' };
  }
  return keys as string[];
}

/**
 * writeData, sendServiceData and readData: one product, a list of its
 * deviceKeys, the data string in the documented list form (for a read, a list
 * of property codes: the devices then report them, as subscription messages).
 */
function tslDownlink(kind: 'property' | 'service' | 'read') {
  return (call: Call, sim: SimCore): Answer => {
    const refusal = authorize(call, sim);
    if (refusal) return refusal;
    if (call.query.language !== undefined && call.query.language !== 'CN' && call.query.language !== 'EN') return paramError('language');
    const parsed = jsonObjectBody(call);
    if (!parsed.ok) return paramError(`body (${parsed.reason})`);
    const body = parsed.value;
    const productKey = typeof body.productKey === 'string' ? body.productKey : '';
    const devices = body.devices;
    if (!productKey || !Array.isArray(devices) || devices.length === 0) {
      return quectelAnswer(SAAS_CODES.DEVICE_KEY_EMPTY, 'The deviceID, productKey or deviceKey is empty.');
    }
    if (devices.length > 100 || !devices.every((d) => typeof d === 'string' && d !== '')) return paramError('devices');
    if (typeof body.data !== 'string' || body.data === '') return paramError('data');
    const delivery = deliveryOf(body, 600);
    if (typeof delivery === 'string') return paramError(delivery);
    const product = sim.state.products.get(productKey);
    if (!product) return quectelAnswer(SAAS_CODES.PRODUCT_UNKNOWN, 'Product does not exist.');

    let command: TslCommand | Problem;
    if (kind === 'read') {
      const keys = readKeys(product, body.data);
      if (!Array.isArray(keys)) return quectelAnswer(keys.code, keys.msg);
      command = { kind, keys, kv: {} };
    } else if (kind === 'property') {
      const kv = parseKv(body.data);
      if (kv === 'not-json') return quectelAnswer(SAAS_CODES.TSL_NOT_JSON, 'TSL model downlink data format is not JSON');
      if (kv === 'format') return quectelAnswer(SAAS_CODES.TSL_FORMAT, 'Downstream TSL data format check error');
      const checked = checkWrite(product, kv);
      command = isProblem(checked) ? checked : { kind, kv: checked };
    } else {
      const svc = parseService(body.data);
      if (svc === 'not-json') return quectelAnswer(SAAS_CODES.TSL_NOT_JSON, 'TSL model downlink data format is not JSON');
      if (svc === 'format') return quectelAnswer(SAAS_CODES.TSL_FORMAT, 'Downstream TSL data format check error');
      const checked = checkService(product, svc.service, svc.inputs);
      command = isProblem(checked) ? checked : { kind, service: svc.service, kv: checked };
    }
    const data = (devices as string[]).map((deviceKey) => {
      const shadow = product.devices.some((d) => d.deviceKey === deviceKey) ? shadowOf(sim, productKey, deviceKey) : undefined;
      if (!shadow) return outcome(productKey, deviceKey, { problem: 'no-device', detail: 'Device does not exist.' });
      if (isProblem(command)) return outcome(productKey, deviceKey, command);
      return outcome(productKey, deviceKey, deliver(sim, shadow, command, delivery));
    });
    return json({ code: 200, msg: '', data });
  };
}

/** raw/sendData: devices as {productKey, deviceKey} pairs, data as Hex or Text (up to 4096 characters). */
function rawSendData(call: Call, sim: SimCore): Answer {
  const refusal = authorize(call, sim);
  if (refusal) return refusal;
  const parsed = jsonObjectBody(call);
  if (!parsed.ok) return paramError(`body (${parsed.reason})`);
  const body = parsed.value;
  const devices = body.devices;
  if (!Array.isArray(devices) || devices.length === 0) return quectelAnswer(SAAS_CODES.DEVICE_KEY_EMPTY, 'The deviceID, productKey or deviceKey is empty.');
  const pairs = devices.map((d) => (typeof d === 'object' && d !== null ? d as Record<string, unknown> : {}));
  if (pairs.some((d) => typeof d.productKey !== 'string' || typeof d.deviceKey !== 'string' || !d.productKey || !d.deviceKey)) {
    return quectelAnswer(SAAS_CODES.DEVICE_KEY_EMPTY, 'The deviceID, productKey or deviceKey is empty.');
  }
  if (devices.length > 100) return paramError('devices');
  if (body.encode !== 'Hex' && body.encode !== 'Text') return paramError('encode');
  if (typeof body.data !== 'string' || body.data === '' || body.data.length > 4096) return paramError('data');
  if (body.encode === 'Hex' && !/^(?:[0-9a-fA-F]{2})+$/.test(body.data)) return paramError('data');
  const delivery = deliveryOf(body, 600);
  if (typeof delivery === 'string') return paramError(delivery);
  const raw = (body.encode === 'Hex' ? Buffer.from(body.data, 'hex') : Buffer.from(body.data, 'utf8')).toString('base64');
  const data = pairs.map((d) => {
    const productKey = d.productKey as string;
    const deviceKey = d.deviceKey as string;
    const known = sim.state.products.get(productKey)?.devices.some((x) => x.deviceKey === deviceKey);
    const shadow = known ? shadowOf(sim, productKey, deviceKey) : undefined;
    if (!shadow) return outcome(productKey, deviceKey, { problem: 'no-device', detail: 'Device does not exist.' });
    return outcome(productKey, deviceKey, deliver(sim, shadow, { kind: 'raw', kv: {}, raw }, delivery));
  });
  return json({ code: 200, msg: '', data });
}

/** The SaaS device named by productKey and deviceKey in the query, with its live state, or the refusal. */
function deviceOf(call: Call, sim: SimCore): { product: Product; shadow: DeviceShadow; index: number } | Answer {
  const { productKey, deviceKey } = call.query;
  if (!productKey || !deviceKey) return quectelAnswer(SAAS_CODES.DEVICE_KEY_EMPTY, 'The deviceID, productKey or deviceKey is empty.');
  const product = sim.state.products.get(productKey);
  if (!product) return quectelAnswer(SAAS_CODES.PRODUCT_UNKNOWN, 'Product does not exist.');
  const index = product.devices.findIndex((d) => d.deviceKey === deviceKey);
  const shadow = index >= 0 ? shadowOf(sim, productKey, deviceKey) : undefined;
  if (!shadow) return quectelAnswer(SAAS_CODES.DEVICE_UNKNOWN, 'Device does not exist.');
  return { product, shadow, index };
}

function deviceDetail(call: Call, sim: SimCore): Answer {
  const refusal = authorize(call, sim);
  if (refusal) return refusal;
  const found = deviceOf(call, sim);
  if ('status' in found) return found;
  return json({ code: 200, msg: '', data: { ...found.product.devices[found.index] } });
}

/** The device's module and network facts; the simulated modules report few of them, as the page's example shows. */
function deviceResource(call: Call, sim: SimCore): Answer {
  const refusal = authorize(call, sim);
  if (refusal) return refusal;
  if (call.query.language !== undefined && call.query.language !== 'CN' && call.query.language !== 'EN') return paramError('language');
  const found = deviceOf(call, sim);
  if ('status' in found) return found;
  const { shadow, product, index } = found;
  const device = product.devices[index];
  const battery = typeof shadow.values.battery === 'number' ? shadow.values.battery : null;
  return json({
    code: 200,
    msg: '',
    data: {
      id: null, deviceKey: shadow.deviceKey, productKey: shadow.productKey, battery, voltage: null,
      signalStrength: shadow.online ? -60 - index : null, memoryFree: null, rsrp: null, rsrq: null, snr: null, type: 'EC800M',
      cellId: null, iccId: null, mcc: null, mnc: null, lac: null, phoneNum: null, simNum: null,
      locator: 'NONE;LBS;', comProtocolVer: null, dataProtocolVer: '1.3.0', createTime: device.createTime, updateTime: device.updateTime,
      sdkVer: null, version: 'EC800MCNGAR06A01M08', mcuVersion: null, deviceId: null, capabilitiesBitmask: 1, sn: device.sn, logEnable: null, logLevel: null,
    },
  });
}

/** An integer query parameter, or NaN when malformed; undefined when absent. */
function intQuery(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  return /^-?\d{1,16}$/.test(value) ? Number(value) : NaN;
}

/** One history entry in the page's shape: dmData holds [{id, value}] by TSL id (downlink reads/writes as the device got them). */
function historyItem(product: Product, shadow: DeviceShadow, entry: HistoryEntry): Record<string, unknown> {
  const idOf = (code: string): number | string => product.tsl.find((t) => t.code === code)?.id ?? code;
  let dmData: string | null = null;
  if (entry.kind === 'property') {
    dmData = JSON.stringify(Object.entries(entry.kv).map(([code, v]) => ({ id: idOf(code), value: typeof v === 'boolean' ? v : String(v) })));
  } else if (entry.kind === 'service') {
    const service = product.tsl.find((t) => t.code === entry.service);
    const paramId = (code: string): number | string => service?.inputData?.find((p) => p.code === code)?.id ?? idOf(code);
    const kv = Object.entries(entry.kv).map(([code, v]) => ({ id: entry.direction === 2 ? paramId(code) : idOf(code), value: typeof v === 'boolean' ? v : String(v) }));
    dmData = JSON.stringify([{ id: service?.id ?? entry.service, value: kv }]);
  }
  const bytes = entry.raw ?? Buffer.from(dmData ?? '', 'utf8').toString('base64');
  const time = String(entry.at);
  return {
    id: null, deviceKey: shadow.deviceKey, deviceId: null, productId: null, direction: entry.direction, data: bytes, dataType: 'BASE64',
    sendStatus: 1, sendTime: time, ticket: entry.ticket, createTime: time, updateTime: time, productKey: shadow.productKey,
    cmd: entry.kind === 'raw' ? null : entry.direction === 2 ? '0013' : '0014', sourceType: entry.kind === 'raw' ? 'RAW' : 'MODE',
    msgType: entry.direction === 1 ? 'up' : 'down', dmData, extData: null,
  };
}

/** The device's exchanges, newest first, a page at a time, optionally within [beginDateTimp, endDateTimp] and one direction. */
function deviceDataHistory(call: Call, sim: SimCore): Answer {
  const refusal = authorize(call, sim);
  if (refusal) return refusal;
  const q = call.query;
  const found = deviceOf(call, sim);
  if ('status' in found) return found;
  const begin = intQuery(q.beginDateTimp);
  if (Number.isNaN(begin)) return paramError('beginDateTimp');
  const end = intQuery(q.endDateTimp);
  if (Number.isNaN(end)) return paramError('endDateTimp');
  if (begin !== undefined && end !== undefined && begin > end) return paramError('beginDateTimp');
  if (q.direction !== undefined && q.direction !== '1' && q.direction !== '2') return paramError('direction');
  if (q.sendStatus !== undefined && !['0', '1', '-1'].includes(q.sendStatus)) return paramError('sendStatus');
  if (q.language !== undefined && q.language !== 'CN' && q.language !== 'EN') return paramError('language');
  const pageNum = positiveInt(q.pageNum, 1_000_000) ?? 1;
  if (Number.isNaN(pageNum)) return paramError('pageNum');
  const pageSize = positiveInt(q.pageSize, 1000) ?? 10;
  if (Number.isNaN(pageSize)) return paramError('pageSize');
  const matching = found.shadow.history
    .filter((e) => (begin === undefined || e.at >= begin) && (end === undefined || e.at <= end)
      && (q.direction === undefined || e.direction === Number(q.direction))
      && (q.sendStatus === undefined || q.sendStatus === '1'))
    .reverse();
  return json({
    code: 200, msg: '', data: pageOf(matching, pageNum, pageSize).map((e) => historyItem(found.product, found.shadow, e)),
    pageNum, pageSize, pages: Math.ceil(matching.length / pageSize), total: matching.length,
  });
}

export const quectelSaasRoutes: Route[] = [
  { path: '/v2/quecproductmgr/r3/openapi/products', methods: { GET: productList } },
  { path: '/v2/quecauth/accessKeyAuthrize/accessKeyLogin', methods: { GET: accessKeyLogin, POST: accessKeyLogin } },
  { path: '/v2/quecauth/accessKeyAuthrize/refreshToken', methods: { GET: refreshToken, POST: refreshToken } },
  { path: '/v2/quectsl/openapi/product/export/tslFile', methods: { GET: tslFile } },
  { path: '/v2/devicemgr/r3/openapi/product/device/overview', methods: { GET: deviceOverview } },
  { path: '/v2/devicemgr/r3/openapi/device/detail', methods: { GET: deviceDetail } },
  { path: '/v2/deviceshadow/r2/openapi/device/resource', methods: { GET: deviceResource } },
  { path: '/v2/deviceshadow/r3/openapi/dm/writeData', methods: { POST: tslDownlink('property') } },
  { path: '/v2/deviceshadow/r3/openapi/dm/sendServiceData', methods: { POST: tslDownlink('service') } },
  { path: '/v2/deviceshadow/r3/openapi/dm/readData', methods: { POST: tslDownlink('read') } },
  { path: '/v2/quecproductmgr/r3/openapi/product/detail', methods: { GET: productDetail } },
  { path: '/v2/devicemgr/r3/openapi/device/create', methods: { POST: deviceCreate } },
  { path: '/v2/deviceshadow/r1/openapi/device/getlocation', methods: { GET: deviceLocation } },
  { path: '/v2/quecrule/r1/openapi/queue/list', methods: { POST: queueList } },
  { path: '/v2/quecrule/r1/openapi/queue/detail', methods: { GET: queueDetail } },
  { path: '/v2/quecrule/r1/openapi/subscribe/list', methods: { POST: subscribeList } },
  { path: '/v2/quecrule/r1/openapi/subscribe/detail', methods: { GET: subscribeDetail } },
  { path: '/v2/quecrule/r1/openapi/subscribe/start', methods: { POST: subscribeSwitch(true) } },
  { path: '/v2/quecrule/r1/openapi/subscribe/stop', methods: { POST: subscribeSwitch(false) } },
  { path: '/v2/deviceshadow/r3/openapi/raw/sendData', methods: { POST: rawSendData } },
  { path: '/v2/quecdatastorage/r1/openapi/device/data/history', methods: { GET: deviceDataHistory } },
];
