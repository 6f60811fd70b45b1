// Several Node-RED instances, one vendor account: a throwaway redis-server
// (a child process on a free loopback port, nothing saved, stoppable and
// startable on the same port as an outage would be), the simulator in this
// process (so its counters can be read), and N real Node-RED runtimes, each
// in its own process with this package and a flow that turns HTTP requests
// into calls of one shared Quectel SaaS account:
//
//   POST /cluster/tsl      → quectel-export-tsl      → 200 + msg.payload
//   POST /cluster/list     → quectel-list-devices    → 200 + msg.payload
//   POST /cluster/control  → quectel-control-device  → 200 + msg.payload
//   any of them failing    → catch → 500 + { error: { code, message } }
//   GET  /cluster/status   → every status the three nodes showed, oldest first
//
// The request's JSON body is the message's payload (the call's parameters).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { DEMO, startSimulator, type Simulator, type SimulatorOptions } from '../../simulator';
import { freePort, startNodeRed, type FlowNode, type NodeRedPackage, type NodeRedProcess } from '../../scripts/start';

export const ACCOUNT_ID = 'cluster-acc';
export const ACTION_IDS = { tsl: 'cluster-tsl', list: 'cluster-list', control: 'cluster-control' } as const;
export type CallKind = keyof typeof ACTION_IDS;

// ---- redis-server ----

/** Whether Debian's redis-server is on the PATH. */
export function hasRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * For a suite's before(): skips it when redis-server is missing, except under
 * CI, where a missing server is a failure rather than a silent skip.
 */
export function requireRedisServer(ctx: Mocha.Context): void {
  if (hasRedisServer()) return;
  if (process.env.CI) throw new Error('redis-server is not on the PATH (bash .ci/run installs it)');
  console.log('      (skipped: redis-server is not installed; apt-get install redis-server)');
  ctx.skip();
}

export interface TestRedis {
  /** redis://127.0.0.1:<port>/0 */
  url: string;
  port: number;
  running(): boolean;
  /** Kills the server (SIGKILL: connections drop at once, as a crash); its data is gone. */
  stop(): Promise<void>;
  /** Starts it again, empty, on the same port. */
  start(): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };

  async function start(): Promise<void> {
    if (child) return;
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    process.on('exit', killOnExit);
    let out = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${out}`)), 10_000);
        const fail = (err: Error): void => {
          clearTimeout(timer);
          reject(err);
        };
        proc.once('error', fail);
        proc.once('exit', (code, signal) => fail(new Error(`redis-server exited (${code ?? signal}):\n${out}`)));
        const collect = (chunk: Buffer): void => {
          out += chunk.toString('utf8');
          if (/Ready to accept connections/.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        };
        proc.stdout?.on('data', collect);
        proc.stderr?.on('data', collect);
      });
    } catch (err) {
      child = undefined;
      proc.kill('SIGKILL');
      throw err;
    }
    proc.removeAllListeners('exit');
    proc.once('exit', () => {
      if (child === proc) child = undefined;
    });
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    process.off('exit', killOnExit);
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }

  await start();
  return { url: `redis://127.0.0.1:${port}/0`, port, running: () => child !== undefined, stop, start };
}

// ---- the flow ----

function fn(id: string, name: string, func: string, wires: string[][]): FlowNode {
  return { id, type: 'function', z: 'cluster-tab', name, func, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], wires };
}

/** One instance's flow and credentials: the shared account and the HTTP endpoints described at the top. */
export function clusterFlow(sim: Simulator, account: Record<string, unknown>): { flow: FlowNode[]; credentials: Record<string, Record<string, string>> } {
  const actions = Object.values(ACTION_IDS);
  const endpoint = (kind: CallKind, node: Record<string, unknown> & { type: string }): FlowNode[] => [
    { id: `cluster-in-${kind}`, type: 'http in', z: 'cluster-tab', name: '', url: `/cluster/${kind}`, method: 'post', upload: false, swaggerDoc: '', wires: [[ACTION_IDS[kind]]] },
    { id: ACTION_IDS[kind], z: 'cluster-tab', name: kind, account: ACCOUNT_ID, ...node, wires: [['cluster-ok']] },
  ];
  const flow: FlowNode[] = [
    { id: 'cluster-tab', type: 'tab', label: 'cluster', disabled: false, info: '' },
    {
      id: ACCOUNT_ID, type: 'iot-openapi-account', name: 'shared SaaS account', platform: 'quectel-saas', baseUrl: sim.url,
      userDomain: '', internationalCode: '86', encrypt: true, timeout: 10000, ...account,
    },
    ...endpoint('tsl', { type: 'quectel-export-tsl', productKey: '', productKeyType: 'str', language: '', languageType: 'str' }),
    ...endpoint('list', { type: 'quectel-list-devices', output: 'page', productKey: '', productKeyType: 'str', pageSize: '', pageSizeType: 'num' }),
    ...endpoint('control', { type: 'quectel-control-device', operation: 'writeProperties', productKey: 'p11v14', productKeyType: 'str', settingsVersion: 1 }),
    { id: 'cluster-ok', type: 'http response', z: 'cluster-tab', name: '', statusCode: '', headers: {}, wires: [] },
    { id: 'cluster-catch', type: 'catch', z: 'cluster-tab', name: '', scope: actions, uncaught: false, wires: [['cluster-error']] },
    fn('cluster-error', 'error answer', [
      'const o = msg.openapi || {};',
      'msg.statusCode = 500;',
      'msg.payload = { error: { code: o.code !== undefined ? o.code : null, message: o.message || (msg.error && msg.error.message) || "" } };',
      'return msg;',
    ].join('\n'), [['cluster-ok']]),
    { id: 'cluster-status', type: 'status', z: 'cluster-tab', name: '', scope: actions, wires: [['cluster-keep-status']] },
    fn('cluster-keep-status', 'keep status', [
      'const list = global.get("clusterStatuses") || [];',
      'const s = msg.status || {};',
      'list.push({ at: Date.now(), node: s.source && s.source.id, fill: s.fill, shape: s.shape, text: s.text });',
      'if (list.length > 2000) list.splice(0, list.length - 2000);',
      'global.set("clusterStatuses", list);',
      'return null;',
    ].join('\n'), []),
    { id: 'cluster-in-status', type: 'http in', z: 'cluster-tab', name: '', url: '/cluster/status', method: 'get', upload: false, swaggerDoc: '', wires: [['cluster-read-status']] },
    fn('cluster-read-status', 'read statuses', 'msg.payload = global.get("clusterStatuses") || [];\nreturn msg;', [['cluster-ok']]),
  ];
  return { flow, credentials: { [ACCOUNT_ID]: { accessKey: DEMO.quectelSaas.accessKey, accessSecret: DEMO.quectelSaas.accessSecret } } };
}

// ---- calls ----

export interface CallResult {
  instance: number;
  /** HTTP status of the flow's answer: 200 the call succeeded, 500 it failed (see error); 0 the request itself failed. */
  status: number;
  ok: boolean;
  /** Wall time of the whole request, ms. */
  ms: number;
  body: unknown;
  error?: { code: string | number | null; message: string };
}

export interface StatusEntry {
  at: number;
  node: string;
  fill?: string;
  shape?: string;
  text?: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1000 });

function request(url: string, method: string, body?: unknown, timeoutMs = 120_000): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method, agent, timeout: timeoutMs,
      headers: payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export interface Instance {
  index: number;
  url: string;
  red: NodeRedProcess;
  /** One call through the flow; never rejects: a failed request is status 0. */
  call(kind: CallKind, params: Record<string, unknown>): Promise<CallResult>;
  /** The statuses the action nodes have shown so far. */
  statuses(): Promise<StatusEntry[]>;
}

export interface ClusterOptions {
  /** Default 2. */
  instances?: number;
  /** Account settings on top of the defaults (tokenStore 'redis' with this Redis's URL). */
  account?: Record<string, unknown>;
  simulator?: SimulatorOptions;
  /** Default: NODE_RED_PACKAGE, else node-red. */
  nodeRed?: NodeRedPackage;
  /** Node-RED's output also goes here (e.g. process.stdout, to debug). */
  output?: NodeJS.WritableStream;
}

export interface Cluster {
  sim: Simulator;
  redis: TestRedis;
  instances: Instance[];
  /** `count` calls at once, spread over the instances in turn (the i-th to instance i mod N). */
  burst(count: number, kind: CallKind, params: (i: number) => Record<string, unknown>): Promise<CallResult[]>;
  /** Every instance's Node-RED output, for a failure message. */
  logs(): string;
  stop(): Promise<void>;
}

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const nodeRed = opts.nodeRed ?? ((process.env.NODE_RED_PACKAGE || 'node-red') as NodeRedPackage);
  const sim = await startSimulator({ quiet: true, ...opts.simulator });
  let redis: TestRedis | undefined;
  const reds: NodeRedProcess[] = [];
  const dirs: string[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(reds.map((r) => r.stop()));
    await redis?.stop();
    await sim.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    redis = await startRedis();
    const { flow, credentials } = clusterFlow(sim, { tokenStore: 'redis', redisUrl: redis.url, ...opts.account });
    const count = opts.instances ?? 2;
    const started = await Promise.allSettled(Array.from({ length: count }, async () => {
      const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iot-openapi-cluster-'));
      dirs.push(userDir);
      const red = await startNodeRed({ userDir, port: 0, flow, credentials, nodeRed, output: opts.output, settings: { logging: { console: { level: 'warn', metrics: false, audit: false } } } });
      reds.push(red);
      return red;
    }));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const instances = (started as PromiseFulfilledResult<NodeRedProcess>[]).map((s, index): Instance => {
      const red = s.value;
      return {
        index,
        url: red.url,
        red,
        async call(kind, params) {
          const t0 = performance.now();
          try {
            const r = await request(`${red.url}/cluster/${kind}`, 'POST', params);
            const ms = performance.now() - t0;
            let body: unknown = r.text;
            try {
              body = JSON.parse(r.text);
            } catch {
              // not JSON: kept as text
            }
            const error = r.status === 200 ? undefined : (body as { error?: CallResult['error'] })?.error ?? { code: null, message: r.text };
            return { instance: index, status: r.status, ok: r.status === 200, ms, body, ...(error ? { error } : {}) };
          } catch (err) {
            return { instance: index, status: 0, ok: false, ms: performance.now() - t0, body: undefined, error: { code: null, message: String((err as Error).message) } };
          }
        },
        async statuses() {
          const r = await request(`${red.url}/cluster/status`, 'GET');
          return JSON.parse(r.text) as StatusEntry[];
        },
      };
    });
    return {
      sim,
      redis,
      instances,
      burst: (n, kind, params) => Promise.all(Array.from({ length: n }, (_, i) => instances[i % instances.length].call(kind, params(i)))),
      logs: () => reds.map((r, i) => `--- instance ${i} ---\n${r.log()}`).join('\n'),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
