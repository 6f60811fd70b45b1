// The Quectel App WebSocket from the client's side: one channel per account,
// shared by everything that listens to the account's devices (as its token is
// shared). It connects, logs in with the account's access token, subscribes
// the devices and message types its subscribers ask for (again after every
// reconnect), hands on the devices' messages, keeps the connection alive with
// the heartbeat, and comes back with capped, jittered backoff when it drops.
//
// The channel never logs in to the App API itself: it asks `token()` for the
// account's token and, when the channel refuses it (4008), tells
// `onTokenRefused()` so the account can renew it. A channel refusal is a
// refusal of that token, never of the password.
import { EventEmitter } from 'node:events';
import type { ConnectionOptions } from 'node:tls';
import WebSocket, { type RawData } from 'ws';
import { ErrorCodes, OpenApiError } from '../errors';

/** The pages' service address (mainland China; the pages name no other host). */
export const APP_CHANNEL_DEFAULT_URL = 'wss://iot-ws.quectelcn.com/ws/v1';

/** The message types a device may be subscribed for, as the subscribe page lists them. */
export const APP_CHANNEL_TYPES = ['ONLINE', 'STATUS', 'MATTR-REPORT', 'MEVENT-INFO', 'MEVENT-WARN', 'MEVENT-ERROR', 'RAW-UPLINK', 'LOCATION-INFO-KV'] as const;
export type AppChannelType = (typeof APP_CHANNEL_TYPES)[number];

/** The pages' codes the channel acts on. */
export const APP_CHANNEL_CODES = { OK: 1, TOKEN_INVALID: 4008, LOGGED_IN: 4009, NOT_LOGGED_IN: 4010, NOT_BOUND: 4011 } as const;

export interface AppChannelTiming {
  /** Between two heartbeats (the pages: 40 s; the server drops a connection silent for 130 s). */
  heartbeatMs: number;
  /** From opening the connection to a login answer. */
  connectTimeoutMs: number;
  /** First wait before reconnecting; it doubles with each failure up to backoffMaxMs, with jitter. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** A connection that has stayed up this long resets the backoff. */
  stableMs: number;
  /** How long `send` waits for its acknowledgement by default. */
  sendTimeoutMs: number;
}

export const APP_CHANNEL_TIMING: Readonly<AppChannelTiming> = {
  heartbeatMs: 40_000,
  connectTimeoutMs: 15_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 60_000,
  stableMs: 30_000,
  sendTimeoutMs: 30_000,
};

/** Frames received but not yet handed on; beyond this the oldest are dropped (and counted). */
export const APP_CHANNEL_MAX_QUEUE = 1_000;
/** Frames handed on per turn of the event loop. */
const DELIVERY_BATCH = 100;
/** Devices per subscribe frame, well within the 64 KB frame limit. */
const SUBSCRIBE_CHUNK = 200;

export interface AppDevice {
  productKey: string;
  deviceKey: string;
}

/** A device message, as the `message` frame's data carries it. */
export interface AppChannelMessage {
  productKey: string;
  deviceKey: string;
  /** ONLINE, STATUS, MATTR, MEVENT, RAW, LOCATION. */
  type: string;
  subtype?: string;
  createdAt: number;
  ticket: string;
  data: Record<string, unknown>;
  [field: string]: unknown;
}

/** A change of the user's devices (ENDUSER USER-BIND): value 0 removed, 1 added, 2 invalid (reset). */
export interface AppBindingNotice {
  productKey: string;
  deviceKey: string;
  deviceName?: string;
  createdAt: number;
  ticket: string;
  data: { endUserId?: string; endUserDomain?: string; value: number; authStatus?: number; authLevel?: number; invalidCause?: number };
}

/** The `send_ack` frame's data. */
export interface AppSendAck {
  msgId: number;
  ticket: string;
  productKey: string;
  deviceKey: string;
  createdAt: number;
  sentAt: number;
  ackAt: number;
  /** succ or fail. */
  status: string;
}

/** What `send` sends to a device: the send page's fields. */
export interface AppSendCommand {
  type: 'READ-ATTR' | 'WRITE-ATTR' | 'EXE-SERV' | 'RAW';
  /** The thing-model data as JSON text. */
  kv?: string;
  raw?: string;
  dataFormat?: 'Text' | 'Hex' | 'Base64';
  isCache?: boolean;
  cacheTime?: number;
  QoS?: 0 | 1;
}

export type AppChannelState = 'idle' | 'connecting' | 'online' | 'waiting' | 'closed';

export interface AppChannelStatus {
  state: AppChannelState;
  /** Why it is not online (a vendor code or a transport code), when it is not. */
  code?: number | string;
  reason?: string;
  /** waiting: when the next attempt is made, in ms from now. */
  retryInMs?: number;
}

export interface AppChannelSubscriber {
  /** Devices to follow and the types wanted of them. */
  devices: readonly AppDevice[];
  types: readonly AppChannelType[];
  onMessage(message: AppChannelMessage, type: AppChannelType): void;
  /** A device the channel would not subscribe (4011 not bound, …): once per device and code. */
  onDeviceRefused?(device: AppDevice, code: number, message: string): void;
  /** A device of the user was bound, unbound or reset. Every subscriber hears of every device. */
  onBinding?(notice: AppBindingNotice): void;
  onStatus?(status: AppChannelStatus): void;
  /** Messages dropped because they arrived faster than they were handed on: the total so far. */
  onDropped?(total: number): void;
}

export interface AppChannelLease {
  /** Changes the devices or types followed; the channel subscribes and unsubscribes the difference. */
  update(change: { devices?: readonly AppDevice[]; types?: readonly AppChannelType[] }): void;
  /** Stops listening; the channel closes when the last lease is released. */
  release(): void;
}

export interface AppChannelOptions {
  url: string;
  /** TLS options for the connection (a CA to trust, a client certificate, …). */
  tls?: Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;
  /** The account's access token (the session's; a login when it has none). */
  token(): Promise<string>;
  /** The channel refused this token (4008): the account should drop it, so `token()` gives a new one. */
  onTokenRefused(token: string): void | Promise<void>;
  timing?: Partial<AppChannelTiming>;
  maxQueue?: number;
  /** 0 ≤ x < 1, for the backoff's jitter (tests pin it). */
  random?: () => number;
}

export interface AppChannelStats {
  connects: number;
  logins: number;
  tokenRefusals: number;
  received: number;
  delivered: number;
  dropped: number;
  /** Frames waiting to be handed on now. */
  queued: number;
}

interface Lease {
  sub: AppChannelSubscriber;
  devices: Set<string>;
  types: Set<string>;
  /** device|code pairs already reported to this subscriber. */
  reported: Set<string>;
}

interface PendingSend {
  text: string;
  resolve(ack: AppSendAck): void;
  reject(err: OpenApiError): void;
  timer: NodeJS.Timeout;
}

const idOf = (d: AppDevice): string => `${d.productKey}/${d.deviceKey}`;
const deviceOf = (id: string): AppDevice => {
  const at = id.indexOf('/');
  return { productKey: id.slice(0, at), deviceKey: id.slice(at + 1) };
};
const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The type a message is subscribed as: ONLINE, STATUS or type-subtype; undefined for anything else. */
export function appChannelTypeOf(m: { type?: unknown; subtype?: unknown }): AppChannelType | undefined {
  if (typeof m.type !== 'string') return undefined;
  const name = m.type === 'ONLINE' || m.type === 'STATUS' ? m.type : `${m.type}-${typeof m.subtype === 'string' ? m.subtype : ''}`;
  return (APP_CHANNEL_TYPES as readonly string[]).includes(name) ? (name as AppChannelType) : undefined;
}

function channelError(code: number | string, message: string, extra: { vendorMessage?: string; refusal?: boolean } = {}): OpenApiError {
  return new OpenApiError(code, message, { platform: 'quectel-app', path: 'websocket', ...extra });
}

export class AppChannel extends EventEmitter {
  private readonly timing: AppChannelTiming;
  private readonly maxQueue: number;
  private readonly random: () => number;
  private readonly leases = new Set<Lease>();
  private ws?: WebSocket;
  /** Bumped with every connection, so callbacks of an old one do nothing. */
  private generation = 0;
  private loggedIn = false;
  private token?: string;
  /** Devices the server confirmed, with the types sent for them. */
  private subscribed = new Map<string, string>();
  private failures = 0;
  private retryTimer?: NodeJS.Timeout;
  private connectTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;
  private stableTimer?: NodeJS.Timeout;
  private awaitingPong = false;
  private readonly queue: Array<{ message: AppChannelMessage; type: AppChannelType }> = [];
  private draining = false;
  private msgId = 0;
  private readonly pending = new Map<number, PendingSend>();
  private currentStatus: AppChannelStatus = { state: 'idle' };
  private closed = false;
  readonly stats: AppChannelStats = { connects: 0, logins: 0, tokenRefusals: 0, received: 0, delivered: 0, dropped: 0, queued: 0 };

  constructor(private readonly options: AppChannelOptions) {
    super();
    this.timing = { ...APP_CHANNEL_TIMING, ...options.timing };
    this.maxQueue = options.maxQueue ?? APP_CHANNEL_MAX_QUEUE;
    this.random = options.random ?? Math.random;
  }

  get status(): AppChannelStatus {
    return this.currentStatus;
  }

  /** Subscribers now holding the channel. */
  get holders(): number {
    return this.leases.size;
  }

  /** Whether a `send` can go out now: connected and logged in. */
  get ready(): boolean {
    return this.loggedIn && this.ws?.readyState === WebSocket.OPEN;
  }

  /** Adds a subscriber; the first one opens the channel. */
  acquire(sub: AppChannelSubscriber): AppChannelLease {
    if (this.closed) throw channelError(ErrorCodes.ECANCELED, 'the App channel is closed');
    const lease: Lease = { sub, devices: new Set(sub.devices.map(idOf)), types: new Set(sub.types), reported: new Set() };
    this.leases.add(lease);
    sub.onStatus?.(this.currentStatus);
    if (!this.ws && !this.retryTimer) this.connect();
    else this.syncSubscriptions();
    return {
      update: (change) => {
        if (!this.leases.has(lease)) return;
        if (change.devices) lease.devices = new Set(change.devices.map(idOf));
        if (change.types) lease.types = new Set(change.types);
        this.syncSubscriptions();
      },
      release: () => {
        if (!this.leases.delete(lease)) return;
        if (this.leases.size === 0) this.shutDown('idle');
        else this.syncSubscriptions();
      },
    };
  }

  /**
   * Sends a command to a device and resolves with its acknowledgement (whose
   * status may be `fail`). Rejects with the vendor's code when the channel
   * refuses it, ECONNRESET when the channel is not open (nothing was sent) or
   * drops before the answer (the command may have gone out), ETIMEDOUT when no
   * answer comes in time.
   */
  send(device: AppDevice, command: AppSendCommand, timeoutMs = this.timing.sendTimeoutMs): Promise<AppSendAck> {
    if (!this.ready) return Promise.reject(channelError(ErrorCodes.ECONNRESET, 'the App channel is not open: nothing was sent'));
    this.msgId = (this.msgId % 2_000_000_000) + 1;
    const msgId = this.msgId;
    const text = JSON.stringify({ cmd: 'send', data: { productKey: device.productKey, deviceKey: device.deviceKey, ...command, msgId } });
    return new Promise<AppSendAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(msgId);
        reject(channelError(ErrorCodes.ETIMEDOUT, `no acknowledgement from the App channel within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(msgId, { text, resolve, reject, timer });
      this.ws!.send(text);
    });
  }

  /** Closes the channel for good: no more reconnects; sends waiting for an answer fail. */
  close(): void {
    this.closed = true;
    this.leases.clear();
    this.shutDown('closed');
  }

  // ---- connection ----

  private setStatus(status: AppChannelStatus): void {
    this.currentStatus = status;
    for (const lease of this.leases) lease.sub.onStatus?.(status);
    this.emit('status', status);
  }

  private connect(): void {
    this.retryTimer = undefined;
    if (this.closed || this.leases.size === 0) return;
    const generation = ++this.generation;
    this.stats.connects++;
    this.setStatus({ state: 'connecting' });
    const ws = new WebSocket(this.options.url, { ...this.options.tls, handshakeTimeout: this.timing.connectTimeoutMs, maxPayload: 1024 * 1024 });
    this.ws = ws;
    this.connectTimer = setTimeout(() => this.lost(generation, ErrorCodes.ETIMEDOUT, `no login answer within ${this.timing.connectTimeoutMs} ms`), this.timing.connectTimeoutMs);
    ws.on('open', () => {
      if (generation === this.generation) void this.login(generation);
    });
    ws.on('message', (raw, isBinary) => {
      if (generation === this.generation) this.onFrame(raw, isBinary);
    });
    ws.on('pong', () => {
      this.awaitingPong = false;
    });
    ws.on('error', (err: Error & { code?: string }) => {
      if (generation === this.generation) this.lost(generation, err.code ?? ErrorCodes.ECONNRESET, err.message);
    });
    ws.on('close', (code, reason) => {
      if (generation === this.generation) this.lost(generation, ErrorCodes.ECONNRESET, `closed by the server (${code}${reason.length ? ` ${String(reason)}` : ''})`);
    });
  }

  private async login(generation: number, afterRefusal = false): Promise<void> {
    let token: string;
    try {
      token = await this.options.token();
    } catch (err) {
      const e = err as { code?: string | number; message?: string };
      return this.lost(generation, e.code ?? 'LOGIN_FAILED', e.message ?? String(err));
    }
    if (generation !== this.generation || this.ws?.readyState !== WebSocket.OPEN) return;
    if (afterRefusal && token === this.token) {
      // The account handed back the token just refused: try again later rather than loop.
      return this.lost(generation, APP_CHANNEL_CODES.TOKEN_INVALID, 'token validation failed');
    }
    this.token = token;
    this.ws.send(JSON.stringify({ cmd: 'login', data: { token } }));
    // A login again on an open connection (after a 4008) is bounded like the first.
    if (!this.connectTimer) {
      this.connectTimer = setTimeout(() => this.lost(generation, ErrorCodes.ETIMEDOUT, `no login answer within ${this.timing.connectTimeoutMs} ms`), this.timing.connectTimeoutMs);
    }
  }

  /** The channel refused the token: the account drops it, and the channel logs in again with a new one. */
  private async tokenRefused(generation: number): Promise<void> {
    this.stats.tokenRefusals++;
    this.loggedIn = false;
    this.subscribed.clear();
    const refused = this.token;
    try {
      if (refused !== undefined) await this.options.onTokenRefused(refused);
    } catch {
      // The account's own trouble; the next token() says what it is.
    }
    if (generation === this.generation) await this.login(generation, true);
  }

  private onLoggedIn(): void {
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.loggedIn = true;
    this.stats.logins++;
    this.setStatus({ state: 'online' });
    // Only a connection that stays up earns a fresh start for the backoff.
    clearTimeout(this.stableTimer);
    this.stableTimer = setTimeout(() => (this.failures = 0), this.timing.stableMs);
    if (!this.heartbeatTimer) {
      this.awaitingPong = false;
      this.heartbeatTimer = setInterval(() => this.heartbeat(), this.timing.heartbeatMs);
    }
    this.subscribed.clear();
    this.syncSubscriptions();
  }

  /** The pages' `pong` command, and a WebSocket ping whose answer shows the server is still there. */
  private heartbeat(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (this.awaitingPong) {
      this.lost(this.generation, ErrorCodes.ETIMEDOUT, 'no answer to the heartbeat');
      return;
    }
    this.awaitingPong = true;
    ws.send('{"cmd":"pong"}');
    ws.ping();
  }

  /** The connection is gone (or given up): clean up, and try again after the backoff. */
  private lost(generation: number, code: number | string, reason: string): void {
    if (generation !== this.generation) return;
    this.generation++;
    this.dropConnection();
    if (this.closed || this.leases.size === 0) return;
    const ceiling = Math.min(this.timing.backoffMaxMs, this.timing.backoffBaseMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    // Between half and all of the ceiling, so many clients do not come back at once.
    const wait = Math.round(ceiling / 2 + (ceiling / 2) * this.random());
    this.retryTimer = setTimeout(() => this.connect(), wait);
    this.setStatus({ state: 'waiting', code, reason, retryInMs: wait });
  }

  private dropConnection(): void {
    clearTimeout(this.connectTimer);
    clearTimeout(this.stableTimer);
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    this.connectTimer = this.stableTimer = undefined;
    this.loggedIn = false;
    this.subscribed.clear();
    const ws = this.ws;
    this.ws = undefined;
    if (ws) {
      ws.removeAllListeners('message');
      ws.on('error', () => undefined);
      ws.terminate();
    }
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(channelError(ErrorCodes.ECONNRESET, 'the App channel dropped before the acknowledgement: the command may have reached the device'));
      this.pending.delete(id);
    }
  }

  private shutDown(state: 'idle' | 'closed'): void {
    this.generation++;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    // An open connection is closed properly (ws cuts it off if the server does not answer); any other is dropped.
    if (this.ws?.readyState === WebSocket.OPEN) {
      this.ws.close(1000);
      this.ws = undefined;
    }
    this.dropConnection();
    this.failures = 0;
    this.queue.length = 0;
    this.stats.queued = 0;
    this.setStatus({ state });
  }

  // ---- subscriptions ----

  /** What every subscriber together wants: device → types. */
  private wanted(): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const lease of this.leases) {
      for (const id of lease.devices) {
        const set = out.get(id) ?? new Set<string>();
        for (const t of lease.types) set.add(t);
        out.set(id, set);
      }
    }
    return out;
  }

  /** Subscribes what is wanted and not yet subscribed (or with other types), unsubscribes what no one wants. */
  private syncSubscriptions(): void {
    if (!this.ready) return;
    const wanted = this.wanted();
    const add: Array<Record<string, unknown>> = [];
    for (const [id, types] of wanted) {
      if (types.size === 0) continue;
      const key = [...types].sort().join(',');
      if (this.subscribed.get(id) === key) continue;
      this.subscribed.set(id, key);
      add.push({ ...deviceOf(id), messageType: [...types] });
    }
    const remove: AppDevice[] = [];
    for (const id of [...this.subscribed.keys()]) {
      if (!wanted.get(id)?.size) {
        this.subscribed.delete(id);
        remove.push(deviceOf(id));
      }
    }
    for (let i = 0; i < add.length; i += SUBSCRIBE_CHUNK) this.ws!.send(JSON.stringify({ cmd: 'subscribe', data: add.slice(i, i + SUBSCRIBE_CHUNK) }));
    for (let i = 0; i < remove.length; i += SUBSCRIBE_CHUNK) this.ws!.send(JSON.stringify({ cmd: 'unsubscribe', data: remove.slice(i, i + SUBSCRIBE_CHUNK) }));
  }

  private subscribeResults(results: unknown): void {
    if (!Array.isArray(results)) return;
    for (const r of results) {
      if (!isPlain(r) || typeof r.productKey !== 'string' || typeof r.deviceKey !== 'string') continue;
      const device = { productKey: r.productKey, deviceKey: r.deviceKey };
      const id = idOf(device);
      const code = Number(r.code);
      if (code === APP_CHANNEL_CODES.OK) {
        for (const lease of this.leases) for (const key of [...lease.reported]) if (key.startsWith(`${id}|`)) lease.reported.delete(key);
        continue;
      }
      // Not subscribed: the next sync (a reconnect, a change) asks again, and is reported only once.
      this.subscribed.delete(id);
      for (const lease of this.leases) {
        if (!lease.devices.has(id) || lease.reported.has(`${id}|${code}`)) continue;
        lease.reported.add(`${id}|${code}`);
        lease.sub.onDeviceRefused?.(device, code, typeof r.msg === 'string' ? r.msg : '');
      }
    }
  }

  // ---- frames in ----

  private onFrame(raw: RawData, isBinary: boolean): void {
    if (isBinary) return;
    let frame: unknown;
    try {
      frame = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : Buffer.concat(raw as Buffer[]).toString('utf8'));
    } catch {
      return;
    }
    if (!isPlain(frame)) return;
    const data = frame.data;
    const generation = this.generation;
    switch (frame.cmd) {
      case 'login_resp': {
        const code = isPlain(data) ? Number(data.code) : NaN;
        if (code === APP_CHANNEL_CODES.OK) return this.onLoggedIn();
        if (code === APP_CHANNEL_CODES.TOKEN_INVALID) return void this.tokenRefused(generation);
        return this.lost(generation, Number.isNaN(code) ? ErrorCodes.BAD_RESPONSE : code, isPlain(data) && typeof data.msg === 'string' ? data.msg : 'login refused');
      }
      case 'subscribe_resp':
        return this.subscribeResults(data);
      case 'send_ack': {
        if (!isPlain(data)) return;
        const pending = this.pending.get(Number(data.msgId));
        if (!pending) return;
        this.pending.delete(Number(data.msgId));
        clearTimeout(pending.timer);
        pending.resolve(data as unknown as AppSendAck);
        return;
      }
      case 'error':
        return this.onError(data, generation);
      case 'message':
        return this.onMessage(data);
      default:
        // unsubscribe_resp and anything the pages may add: nothing to do.
        return;
    }
  }

  private onError(data: unknown, generation: number): void {
    if (!isPlain(data)) return;
    const code = Number(data.code);
    const msg = typeof data.msg === 'string' ? data.msg : '';
    const reqMsg = typeof data.reqMsg === 'string' ? data.reqMsg : undefined;
    for (const [id, p] of this.pending) {
      if (reqMsg === undefined || p.text !== reqMsg) continue;
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(channelError(code, `the App channel refused the command: ${code} ${msg}`, { vendorMessage: msg, refusal: true }));
      return;
    }
    // The token lapsed while logged in, or the server forgot the login: log in again on this connection.
    if ((code === APP_CHANNEL_CODES.TOKEN_INVALID || code === APP_CHANNEL_CODES.NOT_LOGGED_IN) && this.loggedIn) {
      if (code === APP_CHANNEL_CODES.TOKEN_INVALID) void this.tokenRefused(generation);
      else {
        this.loggedIn = false;
        this.subscribed.clear();
        void this.login(generation);
      }
    }
  }

  private onMessage(data: unknown): void {
    let message: unknown = data;
    // The pages show the binding notice's data as JSON text: take either.
    if (typeof message === 'string') {
      try {
        message = JSON.parse(message);
      } catch {
        return;
      }
    }
    if (!isPlain(message) || typeof message.productKey !== 'string' || typeof message.deviceKey !== 'string') return;
    this.stats.received++;
    if (message.type === 'ENDUSER' && message.subtype === 'USER-BIND') {
      const notice = message as unknown as AppBindingNotice;
      if (isPlain(notice.data) && Number(notice.data.value) !== 1) this.subscribed.delete(idOf(notice));
      for (const lease of [...this.leases]) lease.sub.onBinding?.(notice);
      return;
    }
    const type = appChannelTypeOf(message);
    if (!type) return;
    this.queue.push({ message: message as AppChannelMessage, type });
    if (this.queue.length > this.maxQueue) {
      const over = this.queue.length - this.maxQueue;
      this.queue.splice(0, over);
      this.stats.dropped += over;
      for (const lease of this.leases) lease.sub.onDropped?.(this.stats.dropped);
      this.emit('dropped', this.stats.dropped);
    }
    this.stats.queued = this.queue.length;
    this.scheduleDrain();
  }

  private scheduleDrain(): void {
    if (this.draining) return;
    this.draining = true;
    setImmediate(() => this.drain());
  }

  /** Hands on a batch of waiting messages, and comes back for the rest after other work has had its turn. */
  private drain(): void {
    this.draining = false;
    const batch = this.queue.splice(0, DELIVERY_BATCH);
    this.stats.queued = this.queue.length;
    for (const { message, type } of batch) {
      const id = idOf(message);
      for (const lease of this.leases) {
        if (!lease.devices.has(id) || !lease.types.has(type)) continue;
        this.stats.delivered++;
        try {
          lease.sub.onMessage(message, type);
        } catch {
          // One subscriber's failure is its own; the others still get the message.
        }
      }
    }
    if (this.queue.length) this.scheduleDrain();
  }
}
