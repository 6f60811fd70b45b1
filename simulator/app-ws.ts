// The Quectel App WebSocket, as the App pages describe it: a TLS endpoint at
// /ws/v1 (frames of 64 KB at most) where an end user logs in with the access
// token of the App API, subscribes devices bound to them and message types,
// and receives the devices' messages; `send` commands a device and is
// answered with `send_ack`. A client keeps the connection alive with a `pong`
// command (any frame counts) and is dropped after 130 s of silence. Every
// refusal carries the pages' own code and text.
//
// Devices reach it through the simulator's subscription events (the same a
// SaaS queue is fed from), so a control call, a device's own report and an
// online change all show up here for the users the device is bound to.
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { SimCore, SubscriptionMessage } from './core';
import { selfSignedCertificate } from './cert';
import { checkService, checkWrite, deliver, isProblem, newTicket, parseKv, parseService, productOfKey, reportProperties, shadowOf, type Problem } from './quectel';
import type { AppDevice, PropertyValue } from './state';

export const APP_WS_PATH = '/ws/v1';
/** The pages' frame size limit. */
export const APP_WS_MAX_FRAME = 64 * 1024;
/** A connection that sends nothing for this long is dropped (the pages: heartbeat 40 s, timeout 130 s). */
export const APP_WS_SILENCE_MS = 130_000;

/** The message types a subscription may name, as the subscribe page lists them. */
export const APP_WS_TYPES = ['ONLINE', 'STATUS', 'RAW-UPLINK', 'MATTR-REPORT', 'MEVENT-INFO', 'MEVENT-WARN', 'MEVENT-ERROR', 'LOCATION-INFO-KV'] as const;
export type AppWsType = (typeof APP_WS_TYPES)[number];

/** The pages' codes and texts (1 = success). */
export const APP_WS_CODES = {
  OK: 1,
  INTERNAL: 4001,
  BAD_JSON: 4002,
  NO_CMD: 4003,
  UNKNOWN_CMD: 4004,
  NO_DATA: 4005,
  BAD_DATA: 4006,
  NO_TOKEN: 4007,
  TOKEN_INVALID: 4008,
  LOGGED_IN: 4009,
  NOT_LOGGED_IN: 4010,
  NOT_BOUND: 4011,
  BAD_TYPE: 4012,
  NOT_SUBSCRIBED: 4014,
  BAD_OPERATION: 4015,
  SEND_FAILED: 4017,
  PRODUCT_MISMATCH: 4020,
  NO_PRODUCT_KEY: 4021,
  BAD_PRODUCT_KEY: 4022,
  NO_DEVICE_KEY: 4023,
  BAD_DEVICE_KEY: 4024,
  NO_MESSAGE_TYPE: 4025,
  NO_OPERATION: 4026,
  BAD_TSL: 4028,
  BAD_MSG_ID: 4029,
  OFFLINE: 4030,
} as const;

const TEXT: Record<number, string> = {
  1: 'succ',
  4001: 'server internal exception',
  4002: 'the JSON data is incorrectly formatted',
  4003: 'command is empty',
  4004: 'command is not supported',
  4005: 'data is empty',
  4006: 'data format is incorrect',
  4007: 'token is empty',
  4008: 'token validation failed',
  4009: 'user cannot login repeatedly',
  4010: 'user not logged in',
  4011: 'device is not bound',
  4012: 'subscription type is not supported',
  4014: 'device is not subscribed',
  4015: 'operation type is not supported',
  4017: 'failed to send data',
  4020: 'product type and parameter type do not match',
  4021: 'product key is empty',
  4022: 'product key is incorrectly formatted',
  4023: 'device key is empty',
  4024: 'device key is incorrectly formatted',
  4025: 'message type is empty',
  4026: 'operation type is empty',
  4028: 'validation of downstream data format of physical model is abnormal',
  4029: 'the message id is incorrectly formatted',
  4030: 'device offline',
};

const SEND_TYPES = ['READ-ATTR', 'WRITE-ATTR', 'EXE-SERV', 'RAW'];
const KEY_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** Of the request echoed in an error frame, at most this much. */
const REQ_ECHO_MAX = 2048;

export interface AppWsCounters {
  /** WebSocket connections opened. */
  connections: number;
  /** Logins accepted. */
  logins: number;
  /** Logins refused with 4008, and logged-in connections whose token lapsed (also 4008). */
  refusedTokens: number;
  /** Connections dropped for silence. */
  timedOut: number;
  /** `message` frames sent. */
  delivered: number;
  /** `send` commands received, and `send_ack` frames sent. */
  sends: number;
  acks: number;
  /** `error` frames sent. */
  errors: number;
}

function emptyCounters(): AppWsCounters {
  return { connections: 0, logins: 0, refusedTokens: 0, timedOut: 0, delivered: 0, sends: 0, acks: 0, errors: 0 };
}

export interface AppWsEndpoint {
  /** wss://127.0.0.1:<port>/ws/v1 */
  readonly url: string;
  readonly port: number;
  /** PEM of the certificate the endpoint presents: what a client trusts as its CA. */
  readonly ca: string;
  readonly counters: AppWsCounters;
  readonly running: boolean;
  /** Silence after which a connection is dropped; 130 s unless a test shortens it (applies from the next frame). */
  silenceLimitMs: number;
  /** Open connections, and those logged in. */
  connections(): { open: number; loggedIn: number };
  /** Stops listening and drops every connection at once, as an outage would. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /**
   * Binds a device (of an App product the simulator knows) to a user, or shares
   * it: the user's logged-in connections get an ENDUSER USER-BIND message, value 1.
   * Defaults: the demo user; name and the listing's fields like the seeded ones.
   */
  bindDevice(productKey: string, deviceKey: string, opts?: { uid?: string; deviceName?: string }): void;
  /**
   * Unbinds a device from its user: connections subscribed to it get a
   * USER-BIND message, value 0 with the cause (1 unbound by default), and its
   * subscriptions end. Throws for a device not bound.
   */
  unbindDevice(productKey: string, deviceKey: string, opts?: { invalidCause?: number }): void;
  /** Drops every connection; counters zero. */
  reset(): void;
  close(): Promise<void>;
}

interface Connection {
  ws: WebSocket;
  /** The logged-in user's uid and the token they logged in with; absent before login and after a lapse. */
  uid?: string;
  token?: string;
  /** productKey/deviceKey → the App message types subscribed. */
  subs: Map<string, Set<string>>;
  lastHeard: number;
  silence?: NodeJS.Timeout;
}

const deviceId = (productKey: string, deviceKey: string): string => `${productKey}/${deviceKey}`;

/** The App type a subscription message is subscribed as: ONLINE, STATUS, or type-subtype; undefined for types the App channel does not carry. */
export function appTypeOf(m: Pick<SubscriptionMessage, 'type' | 'subtype'>): AppWsType | undefined {
  const name = m.type === 'ONLINE' || m.type === 'STATUS' ? m.type : `${m.type}-${m.subtype ?? ''}`;
  return (APP_WS_TYPES as readonly string[]).includes(name) ? (name as AppWsType) : undefined;
}

type KeyCheck = { productKey: string; deviceKey: string } | { code: number };

function checkKeys(item: Record<string, unknown>): KeyCheck {
  const { productKey, deviceKey } = item;
  if (productKey === undefined || productKey === null || productKey === '') return { code: APP_WS_CODES.NO_PRODUCT_KEY };
  if (typeof productKey !== 'string' || !KEY_PATTERN.test(productKey)) return { code: APP_WS_CODES.BAD_PRODUCT_KEY };
  if (deviceKey === undefined || deviceKey === null || deviceKey === '') return { code: APP_WS_CODES.NO_DEVICE_KEY };
  if (typeof deviceKey !== 'string' || !KEY_PATTERN.test(deviceKey)) return { code: APP_WS_CODES.BAD_DEVICE_KEY };
  return { productKey, deviceKey };
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The kv of WRITE-ATTR: the send page's list of `{id, name, type, value}`
 * (name the property's code, value a string), or the App API's own
 * `[{"code":"value"}]`. undefined when neither.
 */
function writeValues(kv: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(kv);
  } catch {
    return undefined;
  }
  if (Array.isArray(parsed) && parsed.length > 0 && parsed.every((i) => isPlain(i) && typeof i.name === 'string' && 'value' in i)) {
    const out: Record<string, unknown> = {};
    for (const item of parsed as Array<{ name: string; value: unknown }>) out[item.name] = item.value;
    return out;
  }
  const plain = parseKv(kv);
  return typeof plain === 'string' ? undefined : plain;
}

/** The codes READ-ATTR asks for: a list of names, or of `{id?, name}`; an empty list means every property. */
function readCodes(kv: string | undefined): string[] | undefined {
  if (kv === undefined || kv === '') return [];
  try {
    const parsed: unknown = JSON.parse(kv);
    if (!Array.isArray(parsed)) return undefined;
    const codes = parsed.map((i) => (typeof i === 'string' ? i : isPlain(i) && typeof i.name === 'string' ? i.name : undefined));
    return codes.every((c): c is string => c !== undefined) ? codes : undefined;
  } catch {
    return undefined;
  }
}

/** EXE-SERV: `[{"name":"svc","value":[{"name":"p","value":"v"}]}]`, or the App API's `[{"svc":[{"p":"v"}]}]`. */
function serviceCall(kv: string): { service: string; inputs: Record<string, unknown> } | undefined {
  try {
    const parsed: unknown = JSON.parse(kv);
    const first: unknown = Array.isArray(parsed) && parsed.length === 1 ? parsed[0] : undefined;
    if (isPlain(first) && typeof first.name === 'string' && (first.value === undefined || Array.isArray(first.value))) {
      const inputs: Record<string, unknown> = {};
      for (const p of (first.value ?? []) as unknown[]) {
        if (!isPlain(p) || typeof p.name !== 'string') return undefined;
        inputs[p.name] = p.value;
      }
      return { service: first.name, inputs };
    }
  } catch {
    return undefined;
  }
  const svc = parseService(kv);
  return typeof svc === 'string' ? undefined : svc;
}

export async function startAppWsEndpoint(sim: SimCore, opts: { port?: number; host?: string; silenceLimitMs?: number; tokenCheckMs?: number } = {}): Promise<AppWsEndpoint> {
  const host = opts.host ?? '127.0.0.1';
  const { cert, key } = selfSignedCertificate();
  let port = opts.port ?? 0;
  let counters = emptyCounters();
  let silenceLimitMs = opts.silenceLimitMs ?? APP_WS_SILENCE_MS;
  const conns = new Set<Connection>();
  const sockets = new Set<Socket>();
  /** Acknowledgements still owed: a command held for an offline device, by its ticket. */
  const owedAcks = new Map<string, { conn: Connection; msgId: number; productKey: string; deviceKey: string; createdAt: number }>();
  let server: HttpsServer | undefined;
  let wss: WebSocketServer | undefined;

  const write = (conn: Connection, frame: unknown): void => {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(JSON.stringify(frame));
  };
  const errorFrame = (conn: Connection, code: number, reqMsg: string): void => {
    counters.errors++;
    write(conn, { cmd: 'error', data: { code, msg: TEXT[code], reqMsg: reqMsg.slice(0, REQ_ECHO_MAX) } });
  };

  const userOf = (uid: string) => [...sim.state.users.values()].find((u) => u.uid === uid);
  const bound = (uid: string, productKey: string, deviceKey: string): AppDevice | undefined =>
    sim.state.devices.find((d) => d.uid === uid && d.productKey === productKey && d.deviceKey === deviceKey);

  /** Whether the connection's token is still good; a lapsed one is told 4008 and logged out (its subscriptions end). */
  function stillValid(conn: Connection, reqMsg = ''): boolean {
    if (!conn.uid) return false;
    if (sim.checkToken(conn.token, 'quectel-app', ['access']).ok) return true;
    conn.uid = undefined;
    conn.token = undefined;
    conn.subs.clear();
    counters.refusedTokens++;
    errorFrame(conn, APP_WS_CODES.TOKEN_INVALID, reqMsg);
    return false;
  }

  /** Whether a command may go on: refused 4010 before a login, 4008 when the token has lapsed since. */
  function loggedIn(conn: Connection, text: string): conn is Connection & { uid: string } {
    if (!conn.uid) {
      errorFrame(conn, APP_WS_CODES.NOT_LOGGED_IN, text);
      return false;
    }
    return stillValid(conn, text);
  }

  function heard(conn: Connection): void {
    conn.lastHeard = Date.now();
    if (!conn.silence) armSilence(conn, silenceLimitMs);
  }

  function armSilence(conn: Connection, ms: number): void {
    conn.silence = setTimeout(() => {
      conn.silence = undefined;
      const quiet = Date.now() - conn.lastHeard;
      if (quiet < silenceLimitMs) return armSilence(conn, silenceLimitMs - quiet);
      counters.timedOut++;
      conn.ws.close(1001, 'heartbeat timeout');
      // A client that does not answer the close is cut off.
      setTimeout(() => conn.ws.terminate(), 1000).unref();
    }, Math.max(1, ms));
  }

  function login(conn: Connection, data: unknown, text: string): void {
    if (data === undefined || data === null) return errorFrame(conn, APP_WS_CODES.NO_DATA, text);
    if (!isPlain(data)) return errorFrame(conn, APP_WS_CODES.BAD_DATA, text);
    if (data.token === undefined || data.token === null || data.token === '') return errorFrame(conn, APP_WS_CODES.NO_TOKEN, text);
    // Logged in with a token still good: refused; one that has lapsed unnoticed is simply replaced.
    if (conn.uid && sim.checkToken(conn.token, 'quectel-app', ['access']).ok) return errorFrame(conn, APP_WS_CODES.LOGGED_IN, text);
    conn.subs.clear();
    const check = typeof data.token === 'string' ? sim.checkToken(data.token, 'quectel-app', ['access']) : undefined;
    if (!check?.ok) {
      counters.refusedTokens++;
      return write(conn, { cmd: 'login_resp', data: { code: APP_WS_CODES.TOKEN_INVALID, msg: TEXT[APP_WS_CODES.TOKEN_INVALID] } });
    }
    conn.uid = check.record.subject;
    conn.token = check.record.token;
    counters.logins++;
    write(conn, { cmd: 'login_resp', data: { code: 1, msg: 'succ' } });
  }

  /** A request naming devices (subscribe, unsubscribe): checked as a whole, then one result per device. */
  function perDevice(conn: Connection, data: unknown, text: string, answer: string, judge: (item: Record<string, unknown>, productKey: string, deviceKey: string) => number): void {
    if (!loggedIn(conn, text)) return;
    if (data === undefined || data === null || (Array.isArray(data) && data.length === 0)) return errorFrame(conn, APP_WS_CODES.NO_DATA, text);
    if (!Array.isArray(data) || !data.every(isPlain)) return errorFrame(conn, APP_WS_CODES.BAD_DATA, text);
    const results = (data as Record<string, unknown>[]).map((item) => {
      const keys = checkKeys(item);
      const code = 'code' in keys ? keys.code : judge(item, keys.productKey, keys.deviceKey);
      return { productKey: item.productKey, deviceKey: item.deviceKey, code, msg: TEXT[code] };
    });
    write(conn, { cmd: answer, data: results });
  }

  function subscribe(conn: Connection, data: unknown, text: string): void {
    perDevice(conn, data, text, 'subscribe_resp', (item, productKey, deviceKey) => {
      const types = item.messageType;
      if (types === undefined || types === null || (Array.isArray(types) && types.length === 0)) return APP_WS_CODES.NO_MESSAGE_TYPE;
      if (!Array.isArray(types) || !types.every((t) => (APP_WS_TYPES as readonly unknown[]).includes(t))) return APP_WS_CODES.BAD_TYPE;
      if (!bound(conn.uid!, productKey, deviceKey)) return APP_WS_CODES.NOT_BOUND;
      const id = deviceId(productKey, deviceKey);
      const set = conn.subs.get(id) ?? new Set<string>();
      for (const t of types as string[]) set.add(t);
      conn.subs.set(id, set);
      return 1;
    });
  }

  function unsubscribe(conn: Connection, data: unknown, text: string): void {
    perDevice(conn, data, text, 'unsubscribe_resp', (_item, productKey, deviceKey) => (conn.subs.delete(deviceId(productKey, deviceKey)) ? 1 : APP_WS_CODES.NOT_SUBSCRIBED));
  }

  function ack(conn: Connection, owed: { msgId: number; productKey: string; deviceKey: string; createdAt: number }, ticket: string, status: 'succ' | 'fail'): void {
    counters.acks++;
    const at = sim.now();
    write(conn, { cmd: 'send_ack', data: { msgId: owed.msgId, ticket, productKey: owed.productKey, deviceKey: owed.deviceKey, createdAt: owed.createdAt, sentAt: at, ackAt: at, status } });
  }

  function send(conn: Connection, frame: Record<string, unknown>, text: string): void {
    counters.sends++;
    const data = frame.data;
    if (!loggedIn(conn, text)) return;
    if (data === undefined || data === null) return errorFrame(conn, APP_WS_CODES.NO_DATA, text);
    if (!isPlain(data)) return errorFrame(conn, APP_WS_CODES.BAD_DATA, text);
    if (frame.version !== undefined && frame.version !== 1 && frame.version !== 2) return errorFrame(conn, APP_WS_CODES.BAD_DATA, text);
    const keys = checkKeys(data);
    if ('code' in keys) return errorFrame(conn, keys.code, text);
    const type = data.type;
    if (type === undefined || type === null || type === '') return errorFrame(conn, APP_WS_CODES.NO_OPERATION, text);
    if (typeof type !== 'string' || !SEND_TYPES.includes(type)) return errorFrame(conn, APP_WS_CODES.BAD_OPERATION, text);
    const msgId = data.msgId ?? 0;
    if (typeof msgId !== 'number' || !Number.isSafeInteger(msgId) || msgId < 0) return errorFrame(conn, APP_WS_CODES.BAD_MSG_ID, text);
    if (data.QoS !== undefined && data.QoS !== 0 && data.QoS !== 1) return errorFrame(conn, APP_WS_CODES.BAD_DATA, text);
    if (!bound(conn.uid, keys.productKey, keys.deviceKey)) return errorFrame(conn, APP_WS_CODES.NOT_BOUND, text);
    const shadow = shadowOf(sim, keys.productKey, keys.deviceKey);
    const product = productOfKey(sim, keys.productKey);
    if (!shadow || !product) return errorFrame(conn, APP_WS_CODES.SEND_FAILED, text);
    const createdAt = sim.now();
    const owed = { msgId, productKey: keys.productKey, deviceKey: keys.deviceKey, createdAt };

    if (type === 'READ-ATTR') {
      const codes = typeof data.kv === 'string' || data.kv === undefined ? readCodes(data.kv as string | undefined) : undefined;
      if (!codes) return errorFrame(conn, APP_WS_CODES.BAD_TSL, text);
      const known = product.tsl.filter((t) => t.type === 'PROPERTY').map((t) => t.code);
      if (codes.some((c) => !known.includes(c))) return errorFrame(conn, APP_WS_CODES.BAD_TSL, text);
      if (!shadow.online) return errorFrame(conn, APP_WS_CODES.OFFLINE, text);
      const asked = codes.length ? codes : known;
      const values: Record<string, PropertyValue> = {};
      for (const c of asked) if (c in shadow.values) values[c] = shadow.values[c];
      ack(conn, owed, newTicket(sim), 'succ');
      // The device answers the read with a report of the values asked for.
      if (Object.keys(values).length) reportProperties(sim, keys.productKey, keys.deviceKey, values);
      return;
    }

    let command: Parameters<typeof deliver>[2] | Problem;
    if (type === 'RAW') {
      if (typeof data.raw !== 'string' || data.raw === '') return errorFrame(conn, APP_WS_CODES.BAD_DATA, text);
      const format = data.dataFormat ?? 'Text';
      if (format === 'Hex' && !/^([0-9a-fA-F]{2})+$/.test(data.raw)) return errorFrame(conn, APP_WS_CODES.BAD_DATA, text);
      if (format === 'Base64' && !/^[A-Za-z0-9+/]+={0,2}$/.test(data.raw)) return errorFrame(conn, APP_WS_CODES.BAD_DATA, text);
      if (format !== 'Text' && format !== 'Hex' && format !== 'Base64') return errorFrame(conn, APP_WS_CODES.BAD_DATA, text);
      const bytes = format === 'Hex' ? Buffer.from(data.raw, 'hex') : format === 'Base64' ? Buffer.from(data.raw, 'base64') : Buffer.from(data.raw, 'utf8');
      command = { kind: 'raw', kv: {}, raw: bytes.toString('base64') };
    } else {
      if (typeof data.kv !== 'string' || data.kv === '') return errorFrame(conn, APP_WS_CODES.PRODUCT_MISMATCH, text);
      if (type === 'WRITE-ATTR') {
        const values = writeValues(data.kv);
        if (!values) return errorFrame(conn, APP_WS_CODES.BAD_TSL, text);
        const checked = checkWrite(product, values);
        command = isProblem(checked) ? checked : { kind: 'property', kv: checked };
      } else {
        const call = serviceCall(data.kv);
        if (!call) return errorFrame(conn, APP_WS_CODES.BAD_TSL, text);
        const checked = checkService(product, call.service, call.inputs);
        command = isProblem(checked) ? checked : { kind: 'service', service: call.service, kv: checked };
      }
    }
    if (isProblem(command)) return errorFrame(conn, APP_WS_CODES.BAD_TSL, text);
    const wasOnline = shadow.online;
    const isCache = data.isCache === true && type === 'RAW';
    const cacheTime = typeof data.cacheTime === 'number' && data.cacheTime > 0 ? data.cacheTime : 3600;
    const result = deliver(sim, shadow, command, { isCache, isCover: false, cacheTimeSeconds: cacheTime });
    if (isProblem(result)) return errorFrame(conn, result.problem === 'offline' ? APP_WS_CODES.OFFLINE : APP_WS_CODES.SEND_FAILED, text);
    // Carried out at once; or held for the device, acknowledged when it takes it.
    if (wasOnline) ack(conn, owed, result, 'succ');
    else owedAcks.set(result, { conn, ...owed });
  }

  function onFrame(conn: Connection, raw: RawData, isBinary: boolean): void {
    heard(conn);
    const text = isBinary ? '' : Buffer.isBuffer(raw) ? raw.toString('utf8') : Buffer.concat(raw as Buffer[]).toString('utf8');
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      return errorFrame(conn, APP_WS_CODES.BAD_JSON, text);
    }
    if (!isPlain(frame)) return errorFrame(conn, APP_WS_CODES.BAD_JSON, text);
    const cmd = frame.cmd;
    if (cmd === undefined || cmd === null || cmd === '') return errorFrame(conn, APP_WS_CODES.NO_CMD, text);
    try {
      switch (cmd) {
        case 'pong':
          return;
        case 'login':
          return login(conn, frame.data, text);
        case 'subscribe':
          return subscribe(conn, frame.data, text);
        case 'unsubscribe':
          return unsubscribe(conn, frame.data, text);
        case 'send':
          return send(conn, frame, text);
        default:
          return errorFrame(conn, APP_WS_CODES.UNKNOWN_CMD, text);
      }
    } catch {
      return errorFrame(conn, APP_WS_CODES.INTERNAL, text);
    }
  }

  function onConnection(ws: WebSocket): void {
    counters.connections++;
    const conn: Connection = { ws, subs: new Map(), lastHeard: Date.now() };
    conns.add(conn);
    armSilence(conn, silenceLimitMs);
    ws.on('message', (raw, isBinary) => onFrame(conn, raw, isBinary));
    // The WebSocket protocol's own ping and pong count as life too, as a browser's would.
    ws.on('ping', () => heard(conn));
    ws.on('pong', () => heard(conn));
    ws.on('error', () => undefined);
    ws.on('close', () => {
      clearTimeout(conn.silence);
      conns.delete(conn);
      for (const [ticket, owed] of owedAcks) if (owed.conn === conn) owedAcks.delete(ticket);
    });
  }

  /** A device message, to each connection of a user the device is bound to that subscribed its type. */
  const onMessage = (m: SubscriptionMessage): void => {
    const owed = owedAcks.get(m.ticket);
    if (owed && ['MATTR-WRITE', 'MSERV-INPUT', 'RAW-DOWNLINK'].includes(`${m.type}-${m.subtype ?? ''}`)) {
      owedAcks.delete(m.ticket);
      ack(owed.conn, owed, m.ticket, 'succ');
    }
    const type = appTypeOf(m);
    if (!type) return;
    const id = deviceId(m.productKey, m.deviceKey);
    for (const conn of conns) {
      if (!conn.uid || !conn.subs.get(id)?.has(type)) continue;
      if (!bound(conn.uid, m.productKey, m.deviceKey) || !stillValid(conn)) continue;
      counters.delivered++;
      write(conn, { cmd: 'message', data: m });
    }
  };
  sim.subscription.on('message', onMessage);

  /** A lapsed token is noticed within this time even on a connection with nothing to deliver. */
  const tokenTimer = setInterval(() => {
    for (const conn of conns) if (conn.uid) stillValid(conn);
  }, opts.tokenCheckMs ?? 1000);
  tokenTimer.unref();

  /** The pages' USER-BIND message: its data is sent as a JSON text, as the page's example shows it. */
  function bindNotice(device: AppDevice, value: 0 | 1, invalidCause?: number): { cmd: string; data: string } {
    const user = userOf(device.uid);
    const notice = {
      type: 'ENDUSER', subtype: 'USER-BIND', productKey: device.productKey, deviceKey: device.deviceKey, deviceName: device.deviceName,
      createdAt: sim.now(), ticket: newTicket(sim),
      data: { endUserId: device.uid, endUserDomain: user?.userDomain ?? '', value, authStatus: 1, authLevel: 1, ...(invalidCause ? { invalidCause } : {}) },
    };
    return { cmd: 'message', data: JSON.stringify(notice) };
  }

  async function start(): Promise<void> {
    if (server) return;
    const listening = createHttpsServer({ cert, key });
    const ws = new WebSocketServer({ server: listening, path: APP_WS_PATH, maxPayload: APP_WS_MAX_FRAME });
    ws.on('connection', onConnection);
    ws.on('error', () => undefined);
    listening.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    listening.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(port, host, () => {
        listening.off('error', reject);
        resolve();
      });
    });
    listening.on('error', () => undefined);
    port = (listening.address() as AddressInfo).port;
    server = listening;
    wss = ws;
  }

  async function stop(): Promise<void> {
    const closing = server;
    server = undefined;
    if (!closing) return;
    const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
    for (const conn of conns) {
      clearTimeout(conn.silence);
      conn.ws.terminate();
    }
    conns.clear();
    owedAcks.clear();
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    wss?.close();
    wss = undefined;
    await closed;
  }

  await start();

  return {
    get url() {
      return `wss://${host}:${port}${APP_WS_PATH}`;
    },
    get port() {
      return port;
    },
    ca: cert,
    get counters() {
      return counters;
    },
    get running() {
      return server !== undefined;
    },
    get silenceLimitMs() {
      return silenceLimitMs;
    },
    set silenceLimitMs(ms: number) {
      silenceLimitMs = ms;
    },
    connections: () => ({ open: conns.size, loggedIn: [...conns].filter((c) => c.uid).length }),
    stop,
    start,
    bindDevice: (productKey, deviceKey, o = {}) => {
      const product = sim.state.appProducts.get(productKey);
      if (!product) throw new Error(`no simulated App product ${productKey}`);
      const uid = o.uid ?? [...sim.state.users.values()][0]?.uid;
      if (!uid || !userOf(uid)) throw new Error(`no simulated App user ${uid}`);
      if (bound(uid, productKey, deviceKey)) throw new Error(`${productKey}/${deviceKey} is already bound to ${uid}`);
      const like = sim.state.devices.find((d) => d.productKey === productKey);
      const now = sim.now();
      const device: AppDevice = {
        ...(like ?? {}), uid, productKey, deviceKey, deviceName: o.deviceName ?? `${productKey}-${deviceKey}`,
        sn: deviceKey, deviceBindTimeTs: now, onlineStatus: 0, deviceStatus: '离线',
      };
      sim.state.devices.push(device);
      if (!shadowOf(sim, productKey, deviceKey)) {
        sim.state.shadows.set(deviceId(productKey, deviceKey), {
          productKey, deviceKey, online: false, values: {}, history: [], pending: [], packetId: 0, firstConnTime: 0, lastConnTime: 0, lastOfflineTime: 0,
        });
      }
      const notice = bindNotice(device, 1);
      for (const conn of conns) if (conn.uid === uid && stillValid(conn)) write(conn, notice);
    },
    unbindDevice: (productKey, deviceKey, o = {}) => {
      const index = sim.state.devices.findIndex((d) => d.productKey === productKey && d.deviceKey === deviceKey);
      if (index < 0) throw new Error(`${productKey}/${deviceKey} is not bound`);
      const [device] = sim.state.devices.splice(index, 1);
      const notice = bindNotice(device, 0, o.invalidCause ?? 1);
      const id = deviceId(productKey, deviceKey);
      for (const conn of conns) {
        if (conn.uid !== device.uid || !conn.subs.has(id)) continue;
        conn.subs.delete(id);
        if (stillValid(conn)) write(conn, notice);
      }
    },
    reset: () => {
      for (const conn of conns) conn.ws.terminate();
      owedAcks.clear();
      counters = emptyCounters();
    },
    close: async () => {
      clearInterval(tokenTimer);
      sim.subscription.off('message', onMessage);
      await stop();
    },
  };
}
