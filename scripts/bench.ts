// Throughput, latency and memory of the Quectel App device list, three ways,
// against the simulator on loopback (run in a child process, so its CPU time
// is not mixed with the measured one):
//   1. this package's quectel-list-devices node in a real Node-RED flow;
//   2. what users build without it: a function node that logs in and sets the
//      Authorization header, then Node-RED's http request node;
//   3. a bare axios loop with the token computed beforehand (the floor).
//
//   npm run bench                     (builds, then runs dist/scripts/bench.js)
//   BENCH_N=20000 BENCH_MEMORY_N=100000 BENCH_ROUNDS=10 BENCH_WARMUP=1000 BENCH_WRITE=1
//
// Prints a table and, as the last lines, the ratios 1/3 and 1/2; writes the
// numbers into BENCHMARKS.md (between the bench markers) unless BENCH_WRITE=0.
import { fork, type ChildProcess } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import axios from 'axios';
import { startEmbeddedRed } from './embedded-red';

// ---------------------------------------------------------------- settings

function envInt(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got ${raw}`);
  return value;
}

const ROOT = path.resolve(__dirname, '../..');
const LIST_PATH = '/v2/binding/enduserapi/userDeviceList';
const LOGIN_PATH = '/v2/enduser/enduserapi/phonePwdLogin';
const CONCURRENCIES: readonly number[] = [1, 32];

interface Options {
  n: number;
  memoryN: number;
  warmup: number;
  rounds: number;
  /** Longest a single measured run may take, in seconds. */
  runTimeoutS: number;
  write: boolean;
  /** Subsets, for profiling one configuration: BENCH_CONFIGS=1 BENCH_CONCURRENCY=32. */
  configs: ConfigId[];
  concurrencies: number[];
}

function envList<T extends number>(name: string, allowed: readonly T[]): T[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return [...allowed];
  const values = raw.split(',').map((v) => Number(v.trim()) as T);
  for (const v of values) if (!allowed.includes(v)) throw new Error(`${name} takes ${allowed.join(', ')}, got ${raw}`);
  return allowed.filter((v) => values.includes(v));
}

function readOptions(): Options {
  return {
    n: envInt('BENCH_N', 20_000, 1, 10_000_000),
    memoryN: envInt('BENCH_MEMORY_N', 100_000, 0, 100_000_000),
    warmup: envInt('BENCH_WARMUP', 1000, 1, 1_000_000),
    rounds: envInt('BENCH_ROUNDS', 10, 1, 1000),
    runTimeoutS: envInt('BENCH_TIMEOUT_S', 600, 1, 86_400),
    configs: envList('BENCH_CONFIGS', [1, 2, 3] as ConfigId[]),
    concurrencies: envList('BENCH_CONCURRENCY', CONCURRENCIES),
    // A partial run never overwrites the published numbers.
    write: process.env.BENCH_WRITE !== '0' && !process.env.BENCH_CONFIGS && !process.env.BENCH_CONCURRENCY,
  };
}

// ---------------------------------------------------------------- the simulator child

interface SimStats {
  logins: number;
  total: number;
  /** Microseconds of CPU, user + system. */
  cpuUs: number;
  rss: number;
}

interface SimInfo {
  url: string;
  demo: { userDomain: string; userDomainSecret: string; phone: string; password: string; internationalCode: string };
}

/** Runs in the child: the simulator, answering the parent's questions over IPC. */
async function simulatorChild(): Promise<void> {
  // Loaded here only: the parent never runs simulator code.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startSimulator, DEMO } = require('../simulator') as typeof import('../simulator');
  const sim = await startSimulator({ port: 0, host: '127.0.0.1', quiet: true });
  const stats = (): SimStats => {
    const cpu = process.cpuUsage();
    return { logins: sim.counters.logins['quectel-app'], total: sim.counters.total, cpuUs: cpu.user + cpu.system, rss: process.memoryUsage().rss };
  };
  const stop = (): void => {
    sim.close().finally(() => process.exit(0));
  };
  process.on('message', (m: { type?: string; id?: number }) => {
    if (m?.type === 'stats') process.send?.({ type: 'stats', id: m.id, stats: stats() });
    else if (m?.type === 'close') stop();
  });
  process.on('disconnect', stop);
  process.send?.({ type: 'ready', url: sim.url, demo: { ...DEMO.quectelApp } });
}

class SimulatorProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, (s: SimStats) => void>();

  private constructor(readonly child: ChildProcess, readonly info: SimInfo) {
    child.on('message', (m: { type?: string; id?: number; stats?: SimStats }) => {
      if (m?.type === 'stats' && m.id !== undefined) {
        this.waiting.get(m.id)?.(m.stats!);
        this.waiting.delete(m.id);
      }
    });
  }

  static start(): Promise<SimulatorProcess> {
    const child = fork(__filename, ['--simulator'], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error('the simulator did not start within 30 s'));
      }, 30_000);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the simulator exited with ${code}`));
      });
      child.once('message', (m: { type?: string } & SimInfo) => {
        clearTimeout(timer);
        if (m?.type !== 'ready') return reject(new Error('unexpected first message from the simulator'));
        const url = new URL(m.url);
        if (url.hostname !== '127.0.0.1' && url.hostname !== '[::1]' && url.hostname !== 'localhost') {
          child.kill();
          return reject(new Error(`the simulator is not on loopback: ${m.url}`));
        }
        resolve(new SimulatorProcess(child, { url: m.url, demo: m.demo }));
      });
    });
  }

  stats(): Promise<SimStats> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error('the simulator did not answer within 10 s'));
      }, 10_000);
      this.waiting.set(id, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
      this.child.send({ type: 'stats', id });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    try {
      this.child.send({ type: 'close' });
    } catch {
      // the channel is already gone
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------- Node-RED

interface RedMsg {
  _msgid?: string;
  payload?: unknown;
  benchSeq?: number;
  /** Which run sent it: a late answer of a run that timed out never counts for the next one. */
  benchRun?: number;
  statusCode?: number;
  [key: string]: unknown;
}

interface RedNode {
  id: string;
  receive(msg: RedMsg): void;
  on(event: 'input', fn: (msg: RedMsg, send: (m: RedMsg) => void, done: (err?: Error) => void) => void): void;
}


/** A function node's code as a user writes it: log in once (node:crypto), keep the token in context, set the header. */
function userFunctionCode(baseUrl: string, demo: SimInfo['demo']): string {
  return `
const BASE = ${JSON.stringify(baseUrl)};
const USER_DOMAIN = ${JSON.stringify(demo.userDomain)};
const USER_DOMAIN_SECRET = ${JSON.stringify(demo.userDomainSecret)};
const PHONE = ${JSON.stringify(demo.phone)};
const PASSWORD = ${JSON.stringify(demo.password)};
const CODE = ${JSON.stringify(demo.internationalCode)};

function random16() {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(crypto.randomBytes(16), (b) => abc[b % abc.length]).join('');
}

function login() {
  const random = random16();
  const key = crypto.createHash('md5').update(random).digest('hex').toUpperCase().slice(8, 24);
  const iv = key.slice(8) + key.slice(0, 8);
  const cipher = crypto.createCipheriv('aes-128-cbc', Buffer.from(key), Buffer.from(iv));
  const pwd = Buffer.concat([cipher.update(PASSWORD, 'utf8'), cipher.final()]).toString('base64');
  const signature = crypto.createHash('sha256').update(CODE + PHONE + pwd + random + USER_DOMAIN_SECRET).digest('hex');
  const qs = new URLSearchParams({ internationalCode: CODE, phone: PHONE, pwd, random, userDomain: USER_DOMAIN, signature });
  return new Promise((resolve, reject) => {
    const req = http.request(BASE + ${JSON.stringify(LOGIN_PATH)} + '?' + qs, { method: 'POST', headers: { Accept: 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => {
        try {
          const body = JSON.parse(text);
          if (body.code !== 200) return reject(new Error('login failed: ' + body.code + ' ' + body.msg));
          resolve({ token: body.data.accessToken.token, expires: body.data.accessToken.expirationTime * 1000 });
        } catch (err) { reject(err); }
      });
    });
    req.setTimeout(10000, () => req.destroy(new Error('login timed out')));
    req.on('error', reject);
    req.end();
  });
}

let auth = context.get('auth');
if (!auth || auth.expires < Date.now() + 60000) {
  let pending = context.get('pending');
  if (!pending) {
    pending = login();
    context.set('pending', pending);
  }
  try {
    auth = await pending;
    context.set('auth', auth);
  } finally {
    context.set('pending', undefined);
  }
}
msg.url = BASE + ${JSON.stringify(LIST_PATH)};
msg.headers = { Authorization: auth.token };
return msg;
`;
}

function flowFor(sim: SimInfo): { flows: object[]; credentials: Record<string, object> } {
  // Flow nodes need x and y, or the runtime takes them for config nodes.
  const at = (x: number, y: number) => ({ z: 'bench-tab', x, y });
  const flows = [
    { id: 'bench-tab', type: 'tab', label: 'benchmark' },
    {
      id: 'acc', type: 'iot-openapi-account', name: 'bench account', platform: 'quectel-app', baseUrl: sim.url,
      userDomain: sim.demo.userDomain, internationalCode: sim.demo.internationalCode, encrypt: true, timeout: 10_000,
    },
    // 1. this package
    { id: 'src1', type: 'junction', ...at(100, 100), wires: [['list']] },
    { id: 'list', type: 'quectel-list-devices', name: '', account: 'acc', output: 'page', ...at(250, 100), wires: [['sink1']] },
    { id: 'sink1', type: 'junction', ...at(400, 100), wires: [] },
    // 2. function node + http request node
    { id: 'src2', type: 'junction', ...at(100, 200), wires: [['fn']] },
    {
      id: 'fn', type: 'function', name: 'sign', func: userFunctionCode(sim.url, sim.demo), outputs: 1, timeout: 0, noerr: 0,
      initialize: '', finalize: '', libs: [{ var: 'crypto', module: 'crypto' }, { var: 'http', module: 'http' }], ...at(250, 200), wires: [['req']],
    },
    {
      id: 'req', type: 'http request', name: '', method: 'GET', ret: 'obj', paytoqs: 'ignore', url: '', tls: '', persist: true,
      proxy: '', insecureHTTPParser: false, authType: '', senderr: false, headers: [], ...at(400, 200), wires: [['sink2']],
    },
    { id: 'sink2', type: 'junction', ...at(550, 200), wires: [] },
    // the runtime alone: the same two hops as configuration 1, a junction in place of the list node, no HTTP
    { id: 'route0', type: 'junction', ...at(100, 400), wires: [['route1']] },
    { id: 'route1', type: 'junction', ...at(250, 400), wires: [['route2']] },
    { id: 'route2', type: 'junction', ...at(400, 400), wires: [] },
    // failures of either flow
    { id: 'failures', type: 'catch', name: '', scope: null, uncaught: false, ...at(100, 300), wires: [['errsink']] },
    { id: 'errsink', type: 'junction', ...at(250, 300), wires: [] },
  ];
  const credentials = { acc: { phone: sim.demo.phone, password: sim.demo.password, userDomainSecret: sim.demo.userDomainSecret } };
  return { flows, credentials };
}

interface Harness {
  nodeRedVersion: string;
  src1: RedNode;
  src2: RedNode;
  /** Two hops through the runtime and nothing else. */
  route0: RedNode;
  /** Stops Node-RED and removes its user directory. */
  stop(): Promise<void>;
}

let runCounter = 0;

/** Where the sinks report: the run in progress. */
let onComplete: ((msg: RedMsg, failure?: string) => void) | undefined;

async function startNodeRed(sim: SimInfo): Promise<Harness> {
  const { flows, credentials } = flowFor(sim);
  const { red, stop } = await startEmbeddedRed('bench', flows, credentials, { httpRequestTimeout: 10_000, functionExternalModules: true });

  // Flows start after start() resolves; wait for the nodes, bounded.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ids = ['src1', 'list', 'sink1', 'src2', 'fn', 'req', 'sink2', 'errsink', 'route0', 'route2'];
    const nodes = ids.map((id) => red.nodes.getNode(id) as RedNode | null);
    if (nodes.every(Boolean)) {
      const [src1, , sink1, src2, , , sink2, errsink, route0, route2] = nodes as RedNode[];
      for (const sink of [sink1, route2]) {
        sink.on('input', (msg, _send, done) => {
          onComplete?.(msg);
          done();
        });
      }
      sink2.on('input', (msg, _send, done) => {
        const payload = msg.payload as { code?: unknown } | undefined;
        const failure = msg.statusCode !== 200 ? `HTTP ${msg.statusCode}` : payload?.code !== 200 ? `code ${String(payload?.code)}` : undefined;
        onComplete?.(msg, failure);
        done();
      });
      errsink.on('input', (msg, _send, done) => {
        const error = msg.error as { code?: unknown; message?: unknown } | undefined;
        onComplete?.(msg, String(error?.code ?? error?.message ?? 'error'));
        done();
      });
      return { nodeRedVersion: red.version(), src1, src2, route0, stop };
    }
    if (Date.now() > deadline) throw new Error(`Node-RED did not start the flow within 30 s (missing: ${ids.filter((_, i) => !nodes[i]).join(', ')})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------------------------------------------------------------- drivers

interface RunResult {
  ok: number;
  errors: number;
  /** Failures by kind (error code, HTTP status, vendor code). */
  kinds: Map<string, number>;
  wallMs: number;
  cpuUs: number;
  timedOut: boolean;
}

/**
 * Sends `n` messages into `src`, keeping `c` in flight; latencies (ms) go into
 * `lat` from `offset`. Bounded by count and by `timeoutMs`.
 */
function runFlow(src: RedNode, n: number, c: number, timeoutMs: number, lat?: Float64Array, offset = 0): Promise<RunResult> {
  return new Promise((resolve) => {
    const starts = new Float64Array(n);
    const run = ++runCounter;
    let sent = 0;
    let finished = 0;
    let ok = 0;
    let errors = 0;
    const kinds = new Map<string, number>();
    let stopped = false;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const end = (timedOut: boolean): void => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      onComplete = undefined;
      const cpu = process.cpuUsage(cpu0);
      resolve({ ok, errors, kinds, wallMs: performance.now() - t0, cpuUs: cpu.user + cpu.system, timedOut });
    };
    const timer = setTimeout(() => end(true), timeoutMs);
    const inject = (): void => {
      const seq = sent++;
      starts[seq] = performance.now();
      src.receive({ payload: Date.now(), topic: 'bench', benchSeq: seq, benchRun: run });
    };
    onComplete = (msg, failure) => {
      const seq = msg.benchSeq;
      if (stopped || msg.benchRun !== run || typeof seq !== 'number' || seq >= n) return;
      const ms = performance.now() - starts[seq];
      if (lat) lat[offset + finished] = ms;
      finished++;
      if (failure === undefined) ok++;
      else {
        errors++;
        kinds.set(failure, (kinds.get(failure) ?? 0) + 1);
      }
      if (finished >= n) return end(false);
      if (sent < n) inject();
    };
    for (let i = 0; i < Math.min(c, n); i++) inject();
  });
}

async function quectelLogin(baseUrl: string, demo: SimInfo['demo'], agent: http.Agent): Promise<string> {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const random = Array.from(randomBytes(16), (b) => abc[b % abc.length]).join('');
  const key = createHash('md5').update(random).digest('hex').toUpperCase().slice(8, 24);
  const iv = key.slice(8) + key.slice(0, 8);
  const cipher = createCipheriv('aes-128-cbc', Buffer.from(key), Buffer.from(iv));
  const pwd = Buffer.concat([cipher.update(demo.password, 'utf8'), cipher.final()]).toString('base64');
  const signature = createHash('sha256').update(demo.internationalCode + demo.phone + pwd + random + demo.userDomainSecret).digest('hex');
  const res = await axios.post<{ code: number; msg: string; data: { accessToken: { token: string } } }>(`${baseUrl}${LOGIN_PATH}`, undefined, {
    params: { internationalCode: demo.internationalCode, phone: demo.phone, pwd, random, userDomain: demo.userDomain, signature },
    httpAgent: agent,
    timeout: 10_000,
  });
  if (res.data.code !== 200) throw new Error(`login failed: ${res.data.code} ${res.data.msg}`);
  return res.data.data.accessToken.token;
}

/** The floor: axios, keep-alive, the token computed beforehand. */
class AxiosFloor {
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly client;
  private token = '';

  constructor(private readonly sim: SimInfo) {
    // As lean as axios goes: no redirect follower, no proxy lookup (the package's transport does the same).
    this.client = axios.create({ baseURL: sim.url, httpAgent: this.agent, timeout: 10_000, maxRedirects: 0, proxy: false });
  }

  get loggedIn(): boolean {
    return this.token !== '';
  }

  async login(): Promise<void> {
    this.token = await quectelLogin(this.sim.url, this.sim.demo, this.agent);
  }

  async run(n: number, c: number, timeoutMs: number, lat?: Float64Array, offset = 0): Promise<RunResult> {
    let next = 0;
    let finished = 0;
    let ok = 0;
    let errors = 0;
    const kinds = new Map<string, number>();
    const fail = (kind: string): void => {
      errors++;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    };
    const deadline = performance.now() + timeoutMs;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const worker = async (): Promise<void> => {
      while (next < n && performance.now() < deadline) {
        next++;
        const start = performance.now();
        try {
          const res = await this.client.get<{ code?: number }>(LIST_PATH, { headers: { Authorization: this.token } });
          if (res.status === 200 && res.data?.code === 200) ok++;
          else fail(res.status !== 200 ? `HTTP ${res.status}` : `code ${String(res.data?.code)}`);
        } catch (err) {
          fail(String((err as { code?: unknown }).code ?? (err as Error).message));
        }
        if (lat) lat[offset + finished] = performance.now() - start;
        finished++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(c, n) }, worker));
    const cpu = process.cpuUsage(cpu0);
    return { ok, errors, kinds, wallMs: performance.now() - t0, cpuUs: cpu.user + cpu.system, timedOut: finished < n };
  }

  close(): void {
    this.agent.destroy();
  }
}

// ---------------------------------------------------------------- measuring

type ConfigId = 1 | 2 | 3;
const CONFIG_NAMES: Record<ConfigId, string> = {
  1: 'quectel-list-devices node',
  2: 'function + http request',
  3: 'bare axios (floor)',
};

interface Measured {
  config: ConfigId;
  c: number;
  count: number;
  ok: number;
  errors: number;
  kinds: Map<string, number>;
  warmupErrors: Map<string, number>;
  timedOut: boolean;
  wallMs: number;
  rps: number;
  p50: number;
  p99: number;
  warmupLogins: number;
  measuredLogins: number;
  rssBefore: number;
  rssAfter: number;
  /** CPU of the measured (client) process per request, microseconds. */
  cpuUsPerReq: number;
  /** CPU of the simulator per request, microseconds. */
  simCpuUsPerReq: number;
  /** Simulator CPU time / wall time. */
  simBusy: number;
  /** Client CPU time / wall time. */
  clientBusy: number;
}

function kindsText(kinds: Map<string, number>): string {
  return [...kinds].map(([kind, count]) => `${kind} ×${count}`).join(', ');
}

/** One line per configuration that had failures, measured or in its warm-up. */
function failureLines(results: Measured[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    if (r.errors) lines.push(`failures, configuration ${r.config} at c=${r.c}: ${kindsText(r.kinds)}`);
    if (r.warmupErrors.size) lines.push(`failures in the warm-up, configuration ${r.config} at c=${r.c}: ${kindsText(r.warmupErrors)}`);
  }
  return lines;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

const MB = 1024 * 1024;
const mb = (bytes: number): string => (bytes / MB).toFixed(1);

let gc: (() => void) | undefined;
function collect(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
  gc();
}

interface Bench {
  opts: Options;
  sim: SimulatorProcess;
  harness: Harness;
  floor: AxiosFloor;
}

function runConfig(b: Bench, config: ConfigId, n: number, c: number, lat?: Float64Array, offset = 0): Promise<RunResult> {
  const timeoutMs = b.opts.runTimeoutS * 1000;
  if (config === 1) return runFlow(b.harness.src1, n, c, timeoutMs, lat, offset);
  if (config === 2) return runFlow(b.harness.src2, n, c, timeoutMs, lat, offset);
  return b.floor.run(n, c, timeoutMs, lat, offset);
}

interface Routing {
  c: number;
  count: number;
  rps: number;
  p50: number;
  p99: number;
  cpuUsPerMsg: number;
}

/** What the runtime alone costs: the two hops of configuration 1 with a junction in place of the list node. */
async function measureRouting(b: Bench, c: number): Promise<Routing> {
  const timeoutMs = b.opts.runTimeoutS * 1000;
  await runFlow(b.harness.route0, b.opts.warmup, c, timeoutMs);
  const lat = new Float64Array(b.opts.n);
  const r = await runFlow(b.harness.route0, b.opts.n, c, timeoutMs, lat);
  const count = r.ok + r.errors;
  const sorted = lat.slice(0, count).sort();
  return { c, count, rps: count / (r.wallMs / 1000), p50: percentile(sorted, 50), p99: percentile(sorted, 99), cpuUsPerMsg: r.cpuUs / Math.max(1, count) };
}

function routingLine(r: Routing): string {
  return `Node-RED routing alone (the two hops of configuration 1, no HTTP), c=${r.c}: ${r.rps.toFixed(0)} msg/s, p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms, client CPU ${r.cpuUsPerMsg.toFixed(0)} µs/msg`;
}

async function measureConcurrency(b: Bench, c: number): Promise<Measured[]> {
  const { n, rounds, warmup, configs } = b.opts;
  const acc = new Map<ConfigId, { lat: Float64Array; done: number; ok: number; errors: number; kinds: Map<string, number>; warmupErrors: Map<string, number>; wallMs: number; cpuUs: number; simCpuUs: number; timedOut: boolean; warmupLogins: number; measuredLogins: number; rssBefore: number; rssAfter: number }>();

  for (const config of configs) {
    const before = await b.sim.stats();
    if (config === 3 && !b.floor.loggedIn) await b.floor.login();
    const w = await runConfig(b, config, warmup, c);
    // A few failures are reported; a warm-up that mostly fails means the set-up is broken.
    if (w.timedOut || w.errors > warmup / 2) throw new Error(`warm-up of configuration ${config} failed: ${w.errors} errors (${kindsText(w.kinds)})${w.timedOut ? ', timed out' : ''}`);
    const after = await b.sim.stats();
    acc.set(config, {
      lat: new Float64Array(n), done: 0, ok: 0, errors: 0, kinds: new Map(), warmupErrors: w.kinds, wallMs: 0, cpuUs: 0, simCpuUs: 0, timedOut: false,
      warmupLogins: after.logins - before.logins, measuredLogins: 0, rssBefore: 0, rssAfter: 0,
    });
  }

  // Rounds alternate the configurations, so a slow spell of a shared machine is spread over all three.
  for (let round = 0; round < rounds; round++) {
    for (const config of configs) {
      const a = acc.get(config)!;
      const count = Math.floor(n / rounds) + (round < n % rounds ? 1 : 0);
      if (count === 0 || a.timedOut) continue;
      if (round === 0) a.rssBefore = process.memoryUsage().rss;
      const before = await b.sim.stats();
      const r = await runConfig(b, config, count, c, a.lat, a.done);
      const after = await b.sim.stats();
      a.done += r.ok + r.errors;
      a.ok += r.ok;
      a.errors += r.errors;
      for (const [kind, count] of r.kinds) a.kinds.set(kind, (a.kinds.get(kind) ?? 0) + count);
      a.wallMs += r.wallMs;
      a.cpuUs += r.cpuUs;
      a.simCpuUs += after.cpuUs - before.cpuUs;
      a.measuredLogins += after.logins - before.logins;
      a.timedOut ||= r.timedOut;
      a.rssAfter = process.memoryUsage().rss;
    }
  }

  return configs.map((config) => {
    const a = acc.get(config)!;
    const sorted = a.lat.slice(0, a.done).sort();
    return {
      config, c, count: a.done, ok: a.ok, errors: a.errors, kinds: a.kinds, warmupErrors: a.warmupErrors, timedOut: a.timedOut, wallMs: a.wallMs,
      rps: a.done / (a.wallMs / 1000),
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      warmupLogins: a.warmupLogins,
      measuredLogins: a.measuredLogins,
      rssBefore: a.rssBefore,
      rssAfter: a.rssAfter,
      cpuUsPerReq: a.cpuUs / Math.max(1, a.done),
      simCpuUsPerReq: a.simCpuUs / Math.max(1, a.done),
      simBusy: a.simCpuUs / 1000 / a.wallMs,
      clientBusy: a.cpuUs / 1000 / a.wallMs,
    };
  });
}

interface MemorySample {
  done: number;
  rss: number;
  heapAfterGc: number;
}

interface MemoryResult {
  n: number;
  c: number;
  ok: number;
  errors: number;
  kinds: Map<string, number>;
  timedOut: boolean;
  rps: number;
  rssBefore: number;
  rssAfter: number;
  samples: MemorySample[];
}

/** The long pass: memoryN messages through configuration 1, sampling RSS and the heap after a full GC. */
async function memoryPass(b: Bench, c: number): Promise<MemoryResult> {
  const n = b.opts.memoryN;
  const steps = 10;
  const samples: MemorySample[] = [];
  const sample = (done: number): void => {
    const rss = process.memoryUsage().rss;
    collect();
    samples.push({ done, rss, heapAfterGc: process.memoryUsage().heapUsed });
  };
  sample(0);
  const rssBefore = samples[0].rss;
  let done = 0;
  let ok = 0;
  let errors = 0;
  const kinds = new Map<string, number>();
  let wallMs = 0;
  let timedOut = false;
  for (let step = 0; step < steps && done < n && !timedOut; step++) {
    const count = Math.floor(n / steps) + (step < n % steps ? 1 : 0);
    if (count === 0) continue;
    const r = await runConfig(b, 1, count, c);
    done += r.ok + r.errors;
    ok += r.ok;
    errors += r.errors;
    for (const [kind, count] of r.kinds) kinds.set(kind, (kinds.get(kind) ?? 0) + count);
    wallMs += r.wallMs;
    timedOut = r.timedOut;
    const rss = process.memoryUsage().rss;
    sample(done);
    samples[samples.length - 1].rss = rss;
  }
  return { n: done, c, ok, errors, kinds, timedOut, rps: done / (wallMs / 1000), rssBefore, rssAfter: samples[samples.length - 1].rss, samples };
}

// ---------------------------------------------------------------- report

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w, i) => (i < 2 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

function resultRows(results: Measured[]): string[][] {
  const header = ['configuration', 'c', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'logins (warm-up + measured)', 'RSS before MB', 'RSS after MB', 'client CPU µs/req', 'simulator CPU µs/req', 'simulator busy'];
  return [header, ...results.map((r) => [
    `${r.config}. ${CONFIG_NAMES[r.config]}`,
    String(r.c),
    r.rps.toFixed(0) + (r.timedOut ? ' (timed out)' : ''),
    r.p50.toFixed(2),
    r.p99.toFixed(2),
    String(r.errors),
    `${r.warmupLogins} + ${r.measuredLogins}`,
    mb(r.rssBefore),
    mb(r.rssAfter),
    r.cpuUsPerReq.toFixed(0),
    r.simCpuUsPerReq.toFixed(0),
    `${(r.simBusy * 100).toFixed(0)}%`,
  ])];
}

function memoryRows(m: MemoryResult): string[][] {
  return [['messages', 'through', 'RSS MB', 'heap after GC MB'], ...m.samples.map((s) => [String(s.done), 'config 1', mb(s.rss), mb(s.heapAfterGc)])];
}

function ratio(results: Measured[], a: ConfigId, b: ConfigId, c: number): number {
  const ra = results.find((r) => r.config === a && r.c === c)!;
  const rb = results.find((r) => r.config === b && r.c === c)!;
  return ra.rps / rb.rps;
}

interface Machine {
  date: string;
  node: string;
  nodeRed: string;
  axios: string;
  cpus: number;
  cpuModel: string;
  os: string;
  loadBefore: string;
  loadAfter: string;
}

function markdown(opts: Options, machine: Machine, results: Measured[], routing: Routing[], memory: MemoryResult | undefined, ratios: string[]): string {
  const lines = [
    `Run of ${machine.date}: Node ${machine.node}, Node-RED ${machine.nodeRed}, axios ${machine.axios}, ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.os}.`,
    `Load average before / after: ${machine.loadBefore} / ${machine.loadAfter}.`,
    '',
    `${opts.n} measured calls per configuration and concurrency (after ${opts.warmup} warm-up calls), in ${opts.rounds} rounds that alternate the configurations.`,
    '',
    table(resultRows(results)),
    '',
  ];
  const failures = failureLines(results);
  if (failures.length) lines.push(...failures.map((f) => `- ${f}`), '');
  if (routing.length) lines.push(...routing.map((r) => `- ${routingLine(r)}`), '');
  if (memory) {
    lines.push(
      `Memory: ${memory.n} messages through configuration 1 at concurrency ${memory.c} (${memory.rps.toFixed(0)} req/s, ${memory.errors} errors${memory.errors ? ` (${kindsText(memory.kinds)})` : ''}${memory.timedOut ? ', timed out' : ''}); RSS ${mb(memory.rssBefore)} MB before, ${mb(memory.rssAfter)} MB after.`,
      '',
      table(memoryRows(memory)),
      '',
    );
  }
  lines.push('```', ...ratios, '```');
  return lines.join('\n');
}

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

const SKELETON = `# Benchmarks

How fast the \`quectel-list-devices\` node is, compared with what a flow does
without this package, and with a bare HTTP client (the floor). All three make
the same call, the Quectel App device list
(\`GET ${LIST_PATH}\`), against the simulator on loopback.

1. **quectel-list-devices node**: a real Node-RED runtime (embedded API), a
   flow \`junction → quectel-list-devices → junction\`; messages are injected
   into the first junction and counted at the last, so they travel through the
   runtime's routing.
2. **function + http request**: what users build today: a \`function\` node
   that logs in once with \`node:crypto\` (AES password, SHA-256 signature),
   keeps the token in context and sets \`msg.url\` and the \`Authorization\`
   header, then Node-RED's core \`http request\` node (keep-alive on, answer
   parsed as JSON).
3. **bare axios**: a loop of \`axios.get\` with the token computed beforehand,
   a keep-alive agent, no redirect following and no proxy lookup (the floor:
   nothing but the HTTP call and the JSON parse).

At concurrency 32 the flows keep 32 messages in flight: the next is injected
when one completes. The simulator runs in a child process, so its CPU time is
not counted as the measured process's; its CPU per request and how busy it was
are shown, because when it is saturated every configuration is held to its pace.

## Reproduce

\`\`\`sh
npm ci
npm run bench          # builds, then runs dist/scripts/bench.js and rewrites the results below
\`\`\`

Environment: \`BENCH_N\` (measured calls per configuration and concurrency,
default 20000), \`BENCH_MEMORY_N\` (messages of the memory pass, default
100000), \`BENCH_WARMUP\` (default 1000), \`BENCH_ROUNDS\` (default 10),
\`BENCH_TIMEOUT_S\` (longest single run, default 600), \`BENCH_WRITE=0\` (do not
touch this file), \`BENCH_CONFIGS\` and \`BENCH_CONCURRENCY\` (a subset, e.g.
\`BENCH_CONFIGS=1 BENCH_CONCURRENCY=32 node --cpu-prof dist/scripts/bench.js\`
to profile one configuration; a subset never rewrites this file).

## Reading the numbers

- **req/s** is the wall-clock rate over the measured rounds; **p50/p99** are
  per-call latencies, from injection to arrival at the last node.
- **client CPU µs/req** is the CPU time (user + system) of the measured
  process per call. On a shared machine the rate swings with whatever else
  runs; CPU per call moves much less, so differences between configurations in
  this column are what the package costs (or saves) per message.
- **simulator busy** is the simulator's CPU time over the wall time: near 100%
  means the simulator is the limit, and then all configurations show the same
  rate.
- **logins** is the simulator's login counter, during the warm-up and during
  the measured rounds: the token is reused, so the measured count stays 0.
- The **routing** lines show what Node-RED itself costs for the two hops
  configuration 1 adds (junction → node → junction), without any HTTP.
- **Memory** is the RSS of the measured process (Node-RED, the flows and the
  axios loop) and the V8 heap after a full GC, every tenth of the pass: a flat
  heap means nothing is kept per message.
- \`npm run bench\` runs on the system's \`node\`; each run's first line
  says which Node it was.

## Results

${START}
${END}
`;

function writeBenchmarks(body: string): string {
  const file = path.join(ROOT, 'BENCHMARKS.md');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : SKELETON;
  const base = current.includes(START) && current.includes(END) ? current : `${current.trimEnd()}\n\n## Results\n\n${START}\n${END}\n`;
  const next = base.slice(0, base.indexOf(START) + START.length) + `\n${body}\n` + base.slice(base.indexOf(END));
  fs.writeFileSync(file, next);
  return file;
}

// ---------------------------------------------------------------- main

function packageVersion(name: string): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const opts = readOptions();
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const machine: Machine = {
    date: new Date().toISOString(),
    node: process.version,
    nodeRed: packageVersion('node-red'),
    axios: packageVersion('axios'),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadBefore: load(),
    loadAfter: '',
  };
  console.log(`node ${machine.node}, ${machine.cpus} CPUs (${machine.cpuModel}), load ${machine.loadBefore}`);
  console.log(`N=${opts.n} per configuration and concurrency, warm-up ${opts.warmup}, ${opts.rounds} rounds, memory pass ${opts.memoryN}`);

  let sim: SimulatorProcess | undefined;
  let harness: Harness | undefined;
  let floor: AxiosFloor | undefined;
  const cleanup = async (): Promise<void> => {
    floor?.close();
    if (harness) {
      await harness.stop().catch(() => undefined);
    }
    await sim?.stop();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    console.error(`${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    sim = await SimulatorProcess.start();
    console.log(`simulator (pid ${sim.child.pid}) on ${sim.info.url}`);
    harness = await startNodeRed(sim.info);
    console.log(`Node-RED ${harness.nodeRedVersion} running the flows`);
    floor = new AxiosFloor(sim.info);
    const b: Bench = { opts, sim, harness, floor };

    const results: Measured[] = [];
    const routing: Routing[] = [];
    for (const c of opts.concurrencies) {
      const rows = await measureConcurrency(b, c);
      results.push(...rows);
      console.log(`\nconcurrency ${c}`);
      console.log(table(resultRows(rows)));
      for (const line of failureLines(rows)) console.log(line);
      if (opts.configs.includes(1)) {
        routing.push(await measureRouting(b, c));
        console.log(routingLine(routing[routing.length - 1]));
      }
    }

    let memory: MemoryResult | undefined;
    if (opts.memoryN > 0 && opts.configs.includes(1)) {
      memory = await memoryPass(b, 32);
      console.log(`\nmemory: ${memory.n} messages through configuration 1 at concurrency ${memory.c}, ${memory.rps.toFixed(0)} req/s, ${memory.errors} errors${memory.errors ? ` (${kindsText(memory.kinds)})` : ''}; RSS ${mb(memory.rssBefore)} MB before, ${mb(memory.rssAfter)} MB after`);
      console.log(table(memoryRows(memory)));
    }
    machine.loadAfter = load();

    const ratios: string[] = [];
    for (const c of opts.concurrencies) {
      for (const other of [3, 2] as const) {
        if (opts.configs.includes(1) && opts.configs.includes(other)) ratios.push(`ratio 1/${other} (c=${c}): ${ratio(results, 1, other, c).toFixed(2)}`);
      }
    }
    await cleanup();
    sim = undefined;
    harness = undefined;
    floor = undefined;

    console.log('\nall configurations');
    console.log(table(resultRows(results)));
    for (const line of failureLines(results)) console.log(line);
    for (const r of routing) console.log(routingLine(r));
    if (opts.write) console.log(`\nwritten to ${path.relative(process.cwd(), writeBenchmarks(markdown(opts, machine, results, routing, memory, ratios)))}`);
    console.log('');
    for (const line of ratios) console.log(line);
  } finally {
    await cleanup();
  }
}

if (process.argv.includes('--simulator')) {
  simulatorChild().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err instanceof Error ? err.stack : err);
      process.exit(1);
    },
  );
}
