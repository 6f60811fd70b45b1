// A local stand-in for the four vendor APIs at once, on one loopback HTTP
// server: Quectel App and SaaS (/v2/...), On-Bright (/oauth/token,
// /login/company, /consumer/open/...) and NovaStar (/open/api/<module>/<action>).
// As strict as the real servers about signatures, timestamps, tokens and
// parameters; with state, counters and fault injection for tests.
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SimCore, type Counters, type RecordedRequest, type SubscriptionMessage } from './core';
import type { EventEmitter } from 'node:events';
import { startAmqpEndpoint, type AmqpCounters, type AmqpEndpoint, type QueueSubscription } from './amqp';
import { startAppWsEndpoint, type AppWsEndpoint } from './app-ws';
import type { AnswerFault, SimulatorFaults } from './faults';
import { json, nginxPage, springError, JSON_TYPE, type Answer, type Call, type Handler } from './http';
import { NOVASTAR_ROOT, novastarHandler } from './novastar';
import { onbrightRoutes } from './onbright';
import { quectelAppRoutes } from './quectel-app';
import { quectelHomeRoutes } from './quectel-home';
import { quectelAnswer, reportProperties, setOnline } from './quectel';
import { quectelSaasRoutes } from './quectel-saas';
import { checkRateLimit, rateOf, type ApiPlatform, type RateLimit } from './rate-limit';
import { accountOf, tooFrequent } from './rate-refusal';
import type { SimState } from './state';

export { DEMO } from './demo';
export type { Counters, RecordedRequest, SubscriptionMessage } from './core';
export { DEMO_QUEUE, AMQP_VHOST, MAX_QUEUE_LENGTH } from './amqp';
export type { AmqpCounters, QueueSubscription } from './amqp';
export { APP_WS_CODES, APP_WS_TYPES, APP_WS_PATH, APP_WS_SILENCE_MS } from './app-ws';
export type { AppWsCounters, AppWsEndpoint, AppWsType } from './app-ws';
export type { SimulatorFaults, MalformKind, NovastarAnswerSign } from './faults';
export type { SimState } from './state';
export type { ApiPlatform, RateLimit } from './rate-limit';
export { SAAS_TOO_FREQUENT, rateOf } from './rate-limit';
export { APP_CODES } from './quectel-app';
export { SAAS_CODES } from './quectel-saas';
export { ONBRIGHT_STATUS } from './onbright';
export { NOVASTAR_STATUS } from './novastar';

export interface SimulatorOptions {
  /** 0 = a free port (default). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Seconds; defaults 7200, 2592000, 7200, 518400. */
  lifetimes?: { quectelAppAccess?: number; quectelAppRefresh?: number; quectelSaas?: number; onbright?: number };
  /** Default true. */
  novastarEncrypt?: boolean;
  /** Default false: a random 6-digit code; true: always DEMO.smsCode. */
  fixedSmsCode?: boolean;
  /** Default true: no log lines. false: one line per request, and the SMS codes "sent". */
  quiet?: boolean;
  /**
   * The Quectel SaaS message subscription over AMQPS (TLS, SASL PLAIN), with
   * the queue DEMO_QUEUE. true: a free port; `{ port, maxQueueLength }` (each
   * queue's cap, default MAX_QUEUE_LENGTH); or false (default): none.
   */
  amqp?: boolean | { port?: number; maxQueueLength?: number };
  /**
   * A per-account rate limit (default none): each account's calls beyond it
   * are refused as its vendor does (Quectel SaaS code 61007, the others HTTP
   * 429 with Retry-After) and change nothing. A number is `{ perSecond }`.
   */
  rateLimit?: RateLimit | number;
  /**
   * The Quectel App WebSocket (wss://…/ws/v1, TLS with its own certificate).
   * true: a free port; a port number and the silence limit (default 130 s); or false (default): none.
   */
  appWs?: boolean | { port?: number; silenceLimitMs?: number };
}

export interface Simulator {
  url: string;
  /** url + '/open/api' */
  novastarUrl: string;
  /** Whether the simulated processor has encryption on; may be changed at any time. */
  novastarEncrypt: boolean;
  readonly counters: Counters;
  /** The last 1000 requests, faulted ones included. */
  readonly requests: RecordedRequest[];
  readonly state: SimState;
  readonly faults: SimulatorFaults;
  /**
   * Emits 'message' with a SubscriptionMessage (the Quectel AMQP subscription's
   * format) whenever a simulated Quectel device goes online or offline, takes a
   * command (MATTR WRITE then REPORT, MSERV INPUT then OUTPUT, RAW DOWNLINK) or
   * reports by itself. Its ticket is the one the control call answered with.
   */
  readonly subscription: EventEmitter;
  /**
   * A Quectel device (App or SaaS) goes online or offline: an ONLINE message
   * (value 1 online, 2 online again, 0 offline); commands to an offline device
   * fail as offline unless cached, and cached ones reach it when it comes back.
   * Throws for an unknown device.
   */
  setDeviceOnline(productKey: string, deviceKey: string, online: boolean): SubscriptionMessage;
  /**
   * An online Quectel device reports property values by itself (read-only ones
   * too; values as numbers, booleans or the documents' strings): state, history
   * and a MATTR REPORT. Throws for an unknown or offline device, an unknown
   * property or a value its thing model refuses.
   */
  reportProperties(productKey: string, deviceKey: string, values: Record<string, unknown>): SubscriptionMessage;
  /** The AMQPS endpoint (amqps://127.0.0.1:<port>/quec-open), '' when started without `amqp`. */
  readonly amqpUrl: string;
  /** PEM of the certificate the AMQPS endpoint presents (made at start-up): trust it as the CA. '' without `amqp`. */
  readonly amqpCa: string;
  /** Deliveries, redeliveries, outcomes, dropped messages and refused logins of the AMQPS endpoint. */
  readonly amqpCounters: AmqpCounters;
  /** Drops every AMQP connection and stops listening, as an outage would; the queues keep their messages. */
  stopAmqp(): Promise<void>;
  /** Listens again on the same port, with the same queues. */
  startAmqp(): Promise<void>;
  /** A fault of the AMQPS endpoint: each receiver link is detached as soon as it is attached (see AmqpEndpoint). */
  amqpDetachAfterAttach: boolean;
  /** Adds (or changes) a queue subscription of the AMQPS endpoint. */
  addQueue(sub: QueueSubscription): void;
  /** Queues a body as given (not JSON, say): what the vendor should never send, to test a consumer with. */
  publishRaw(queue: string, body: string): void;
  /** Messages waiting in a queue, and delivered but not yet accepted. */
  queueDepth(queue: string): { ready: number; unacked: number };
  /** A simulated device reports something: the message goes to every queue whose subscription covers it. */
  publish(message: SubscriptionMessage): void;
  /** The App WebSocket (wss://127.0.0.1:<port>/ws/v1), '' when started without `appWs`. */
  readonly appWsUrl: string;
  /** PEM of the certificate the App WebSocket presents: trust it as the CA. '' without `appWs`. */
  readonly appWsCa: string;
  /** The App WebSocket itself: counters, connections, the silence limit, binding and unbinding devices. Throws without `appWs`. */
  readonly appWs: AppWsEndpoint;
  /** Drops every App WebSocket connection and stops listening, as an outage would. */
  stopAppWs(): Promise<void>;
  /** Listens again on the same port. */
  startAppWs(): Promise<void>;
  /** The per-account rate limit in force; undefined: none. */
  readonly rateLimit: RateLimit | undefined;
  /** Changes the rate limit at once (a number is `{ perSecond }`; undefined lifts it); every account starts with a full bucket. */
  setRateLimit(limit: RateLimit | number | undefined): void;
  /**
   * Real-time milliseconds, in order, of the calls the rate limit let through
   * (counted whether or not a limit is set): of one account (Quectel SaaS
   * AccessKey, App uid, On-Bright clientId, NovaStar pId) or of every account
   * of the platform; only those at or after `since`. Logins are not calls here.
   */
  callTimes(platform: ApiPlatform, opts?: { account?: string; since?: number }): number[];
  /** Calls a second those calls were made at, first to last (see rateOf); NaN with fewer than two. */
  achievedRate(platform: ApiPlatform, opts?: { account?: string; since?: number }): number;
  /** Seeded state back, counters zero, requests forgotten, faults cleared, tokens dropped, novastarEncrypt as started; queues empty. */
  reset(): void;
  /** Closes the server and every open socket (keep-alive ones too). */
  close(): Promise<void>;
}

/** Requests bigger than this are refused with HTTP 413, as the vendors' nginx does. */
export const BODY_LIMIT = 1024 * 1024;

function buildRouteTable(): Map<string, Partial<Record<string, Handler>>> {
  const table = new Map<string, Partial<Record<string, Handler>>>();
  for (const route of [...quectelAppRoutes, ...quectelHomeRoutes, ...quectelSaasRoutes, ...onbrightRoutes]) table.set(route.path, route.methods);
  return table;
}

function dispatch(table: ReturnType<typeof buildRouteTable>, call: Call, sim: SimCore): Answer {
  if (call.path.startsWith(`${NOVASTAR_ROOT}/`)) {
    return call.method === 'POST' ? novastarHandler(call, sim) : springError(call, 405, sim.now());
  }
  const methods = table.get(call.path);
  if (!methods) return springError(call, 404, sim.now());
  const handler = methods[call.method];
  if (!handler) return { ...springError(call, 405, sim.now()), headers: { Allow: Object.keys(methods).join(', ') } };
  return handler(call, sim);
}

/** A refusal (or, with code 200, a success) whose text repeats the request, in the envelope of the vendor the path belongs to. */
function echoAnswer(call: Call, rawQuery: string, code: number | undefined): Answer {
  const text = `request ${call.method} ${call.path}${rawQuery} query=${JSON.stringify(call.query)} body=${call.rawBody}`;
  if (call.path.startsWith(`${NOVASTAR_ROOT}/`)) return json({ status: code ?? 1, msg: text, body: '' });
  if (call.path.startsWith('/v2/')) return quectelAnswer(code ?? 5002, text);
  return json({ status: code ?? 414, message: text });
}

function parseRecordedBody(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function firstValues(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of params) if (!(key in out)) out[key] = value;
  return out;
}

function headerRecord(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const sim = new SimCore({
    lifetimes: {
      quectelAppAccess: opts.lifetimes?.quectelAppAccess ?? 7200,
      quectelAppRefresh: opts.lifetimes?.quectelAppRefresh ?? 2_592_000,
      quectelSaas: opts.lifetimes?.quectelSaas ?? 7200,
      onbright: opts.lifetimes?.onbright ?? 518_400,
    },
    novastarEncrypt: opts.novastarEncrypt ?? true,
    fixedSmsCode: opts.fixedSmsCode ?? false,
    quiet: opts.quiet ?? true,
    rateLimit: checkRateLimit(opts.rateLimit),
  });
  const table = buildRouteTable();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const httpDate = (): string => new Date(sim.now()).toUTCString();

  function send(res: ServerResponse, call: Call, answer: Answer): void {
    if (res.destroyed || res.socket?.destroyed) return;
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      Date: httpDate(),
      'Content-Type': answer.contentType ?? JSON_TYPE,
      'Content-Length': Buffer.byteLength(text),
      ...answer.headers,
    });
    res.end(text);
    sim.log(`${call.method} ${call.path} -> ${answer.status}`);
  }

  function sendFault(res: ServerResponse, call: Call, fault: AnswerFault, rawQuery: string): void {
    if (fault.kind === 'echo') return send(res, call, echoAnswer(call, rawQuery, fault.code));
    if (fault.kind === 'fail') {
      if (fault.body === undefined) {
        const reason = fault.status === 503 ? 'Service Temporarily Unavailable' : STATUS_CODES[fault.status] ?? 'Error';
        return send(res, call, nginxPage(fault.status, reason));
      }
      const isJson = parseRecordedBody(fault.body) !== fault.body;
      return send(res, call, { status: fault.status, body: fault.body, contentType: isJson ? JSON_TYPE : 'text/plain;charset=UTF-8' });
    }
    switch (fault.malform) {
      case 'html':
        // A page where JSON was expected: a captive portal, a WAF, a misrouted proxy.
        return send(res, call, { status: 200, contentType: 'text/html;charset=UTF-8', body: '<!DOCTYPE html><html><head><title>Notice</title></head><body><h1>Please sign in to continue</h1></body></html>' });
      case 'empty':
        return send(res, call, { status: 200, body: '' });
      case 'invalid-json':
        return send(res, call, { status: 200, body: '{"code":200,"msg":"OK","data":{"list":[}' });
      case 'truncated': {
        // Promise more than is sent, then hang up.
        const part = '{"code":200,"msg":"OK","data":{"list":[{"deviceKey":"D0';
        res.writeHead(200, { Date: httpDate(), 'Content-Type': JSON_TYPE, 'Content-Length': 4096 });
        res.write(part, () => res.socket?.destroy());
        sim.log(`${call.method} ${call.path} -> truncated`);
        return;
      }
      case 'drip': {
        const text = JSON.stringify({ code: 200, msg: 'OK', data: { note: 'sent one byte at a time'.repeat(4) } });
        res.writeHead(200, { Date: httpDate(), 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text) });
        let sent = 0;
        const timer = setInterval(() => {
          if (res.destroyed || sent >= text.length) {
            clearInterval(timer);
            timers.delete(timer);
            if (!res.destroyed) res.end();
            return;
          }
          res.write(text[sent++]);
        }, 400);
        timers.add(timer);
        sim.log(`${call.method} ${call.path} -> dripping`);
        return;
      }
      case 'drop':
        res.socket?.destroy();
        sim.log(`${call.method} ${call.path} -> dropped`);
        return;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse, rawBody: string, tooBig: boolean): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const call: Call = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: firstValues(url.searchParams),
      headers: headerRecord(req),
      rawBody,
    };
    // Counted and recorded before any fault, so faulted requests show too.
    sim.record({ method: call.method, path: call.path, query: call.query, headers: call.headers, body: parseRecordedBody(rawBody), rawBody, at: Date.now() });

    const delay = sim.faults.takeDelay(call.path);
    if (delay !== undefined) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, delay);
        timers.add(timer);
      });
    }
    const fault = sim.faults.takeAnswerFault(call.path);
    if (fault) return sendFault(res, call, fault, url.search);
    if (tooBig) return send(res, call, nginxPage(413, 'Request Entity Too Large'));
    // The limit is the gateway's: a call beyond it never reaches the handler, so it changes nothing.
    const account = accountOf(call, sim);
    if (account) {
      const wait = sim.limiter.take(`${account.platform}:${account.subject}`, Date.now());
      if (wait !== undefined) {
        sim.counters.rateLimited[account.platform]++;
        return send(res, call, tooFrequent(account.platform, wait));
      }
    }

    let answer: Answer;
    try {
      answer = dispatch(table, call, sim);
    } catch (err) {
      // A simulator bug, not a vendor behaviour: say so plainly.
      answer = { status: 500, body: { status: 500, error: 'Internal Server Error', message: String(err) } };
    }
    send(res, call, answer);
  }

  const server = createServer((req, res) => {
    res.on('error', () => undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    // Past the limit, the rest is read and thrown away so the client can finish sending and read the 413.
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT) chunks.push(chunk);
    });
    req.on('end', () => {
      const tooBig = size > BODY_LIMIT;
      // A request the simulator cannot even parse (a malformed URL) ends the connection rather than the process.
      handle(req, res, tooBig ? '' : Buffer.concat(chunks).toString('utf8'), tooBig).catch(() => res.socket?.destroy());
    });
    req.on('error', () => undefined);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  let amqp: AmqpEndpoint | undefined;
  if (opts.amqp) {
    try {
      const given = typeof opts.amqp === 'object' ? opts.amqp : {};
      amqp = await startAmqpEndpoint(sim, { host: opts.host ?? '127.0.0.1', port: given.port ?? 0, maxQueueLength: given.maxQueueLength });
    } catch (err) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw err;
    }
  }
  let appWs: AppWsEndpoint | undefined;
  if (opts.appWs) {
    const o = typeof opts.appWs === 'object' ? opts.appWs : {};
    try {
      appWs = await startAppWsEndpoint(sim, { host: opts.host ?? '127.0.0.1', port: o.port ?? 0, silenceLimitMs: o.silenceLimitMs });
    } catch (err) {
      await amqp?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw err;
    }
  }
  const needAppWs = (): AppWsEndpoint => {
    if (!appWs) throw new Error('the simulator was started without appWs');
    return appWs;
  };
  const needAmqp = (): AmqpEndpoint => {
    if (!amqp) throw new Error('the simulator was started without amqp');
    return amqp;
  };
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  return {
    url,
    novastarUrl: url + NOVASTAR_ROOT,
    get novastarEncrypt() {
      return sim.novastarEncrypt;
    },
    set novastarEncrypt(value: boolean) {
      sim.novastarEncrypt = value;
    },
    get counters() {
      return sim.counters;
    },
    get requests() {
      return sim.requests;
    },
    state: sim.state,
    faults: sim.faults,
    subscription: sim.subscription,
    setDeviceOnline: (productKey, deviceKey, online) => setOnline(sim, productKey, deviceKey, online),
    reportProperties: (productKey, deviceKey, values) => reportProperties(sim, productKey, deviceKey, values),
    get amqpUrl() {
      return amqp?.url ?? '';
    },
    amqpCa: amqp?.ca ?? '',
    get amqpCounters() {
      return needAmqp().counters;
    },
    get amqpDetachAfterAttach() {
      return amqp?.detachAfterAttach ?? false;
    },
    set amqpDetachAfterAttach(on: boolean) {
      needAmqp().detachAfterAttach = on;
    },
    stopAmqp: () => needAmqp().stop(),
    startAmqp: () => needAmqp().start(),
    addQueue: (sub) => needAmqp().addQueue(sub),
    publishRaw: (queue, body) => needAmqp().publishRaw(queue, body),
    queueDepth: (queue) => needAmqp().depth(queue),
    get appWsUrl() {
      return appWs?.url ?? '';
    },
    appWsCa: appWs?.ca ?? '',
    get appWs() {
      return needAppWs();
    },
    stopAppWs: () => needAppWs().stop(),
    startAppWs: () => needAppWs().start(),
    publish: (message) => sim.publish(message),
    get rateLimit() {
      return sim.limiter.current;
    },
    setRateLimit: (limit) => sim.limiter.set(limit),
    callTimes: (platform, o = {}) => sim.limiter.callTimes(platform, o.account, o.since),
    achievedRate: (platform, o = {}) => rateOf(sim.limiter.callTimes(platform, o.account, o.since)),
    reset: () => {
      sim.reset();
      amqp?.reset();
      appWs?.reset();
    },
    close: async () => {
      await amqp?.close();
      await appWs?.close();
      await new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
