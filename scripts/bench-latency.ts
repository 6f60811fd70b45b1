// How soon a device change reaches the flow, by each way a flow can learn of
// it: the App WebSocket (quectel-events with an App account), the SaaS
// message queue (quectel-events over AMQP) and watch mode (quectel-device-state
// polling `latest`). One simulated lamp reports a new brightness; the time is
// taken from the report to the message at a final node of the real Node-RED
// runtime (embedded, no editor), the simulator in the same process.
//
//   node dist/scripts/bench-latency.js [--n 200] [--watch-n 12]
//
// Writes its section of BENCHMARKS.md (between the bench-latency markers)
// unless BENCH_WRITE=0.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { DEMO, DEMO_QUEUE, startSimulator, type Simulator } from '../simulator';

const ROOT = path.resolve(__dirname, '..', '..');
const FILE = path.join(ROOT, 'BENCHMARKS.md');
const START = '<!-- bench-latency:start -->';
const END = '<!-- bench-latency:end -->';
const LAMP = { productKey: 'p11pLZ', deviceKey: 'D003' };
const WATCH_SECONDS = 5;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const n = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
}
const N = arg('n', 200);
const WATCH_N = arg('watch-n', 12);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface RedNode {
  on(event: 'input', fn: (msg: Record<string, unknown>, send: unknown, done: () => void) => void): void;
}
interface RedRuntime {
  init(server: http.Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  nodes: { getNode(id: string): RedNode | null };
  events: { once(event: string, fn: () => void): void };
  runtime: { flows: { setFlows(opts: { flows: { flows: object[] }; deploymentType?: string }): Promise<unknown> } };
}

type Way = 'app' | 'saas' | 'watch';
/** The brightness a message reports, as each way carries it. */
const brightnessOf: Record<Way, (msg: Record<string, unknown>) => unknown> = {
  app: (m) => (m.payload as { kv?: Record<string, unknown> }).kv?.brightness,
  saas: (m) => (m.payload as { data?: { kv?: Record<string, unknown> } }).data?.kv?.brightness,
  watch: (m) => (m.payload as Record<string, unknown>).brightness,
};

function flow(sim: Simulator): object[] {
  return [
    { id: 'tab', type: 'tab', label: 'latency' },
    { id: 'app', type: 'iot-openapi-account', platform: 'quectel-app', baseUrl: sim.url, userDomain: DEMO.quectelApp.userDomain, internationalCode: '86', wsUrl: sim.appWsUrl,
      credentials: { phone: DEMO.quectelApp.phone, password: DEMO.quectelApp.password, userDomainSecret: DEMO.quectelApp.userDomainSecret } },
    { id: 'saas', type: 'iot-openapi-account', platform: 'quectel-saas', baseUrl: sim.url, credentials: { ...DEMO.quectelSaas } },
    { id: 'tls-app', type: 'tls-config', cert: '', key: '', ca: '', verifyservercert: true, credentials: { cadata: sim.appWsCa } },
    { id: 'tls-saas', type: 'tls-config', cert: '', key: '', ca: '', verifyservercert: true, credentials: { cadata: sim.amqpCa } },
    { id: 'ev-app', z: 'tab', type: 'quectel-events', account: 'app', devices: [LAMP], types: 'MATTR-REPORT', tls: 'tls-app', wires: [['end-app']] },
    { id: 'ev-saas', z: 'tab', type: 'quectel-events', account: 'saas', url: sim.amqpUrl, queue: DEMO_QUEUE, productKey: LAMP.productKey, deviceKey: LAMP.deviceKey, types: 'MATTR', tls: 'tls-saas', wires: [['end-saas']] },
    {
      id: 'watch', z: 'tab', type: 'quectel-device-state', account: 'app', operation: 'latest', productKey: LAMP.productKey, productKeyType: 'str',
      deviceKey: LAMP.deviceKey, deviceKeyType: 'str', watch: true, interval: WATCH_SECONDS, wires: [['end-watch']],
    },
    { id: 'end-app', z: 'tab', type: 'junction', wires: [] },
    { id: 'end-saas', z: 'tab', type: 'junction', wires: [] },
    { id: 'end-watch', z: 'tab', type: 'junction', wires: [] },
  ];
}

async function runtime(): Promise<{ red: RedRuntime; stop(): Promise<void> }> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iot-openapi-bench-latency-'));
  const pkgDir = path.join(userDir, 'node_modules', '@iot-openapi');
  fs.mkdirSync(pkgDir, { recursive: true });
  fs.symlinkSync(ROOT, path.join(pkgDir, 'node-red-nodes'), 'dir');
  fs.writeFileSync(path.join(userDir, 'flows.json'), '[]');
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'bench-latency-user-dir', version: '0.0.0', private: true }));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const red = require(require.resolve(process.env.NODE_RED_PACKAGE || 'node-red', { paths: [ROOT] })) as RedRuntime;
  const server = http.createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  red.init(server, {
    userDir, flowFile: 'flows.json', credentialSecret: false, uiHost: '127.0.0.1', httpAdminRoot: false, httpNodeRoot: false, disableEditor: true,
    externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
    editorTheme: { projects: { enabled: false } }, telemetry: { enabled: false },
    logging: { console: { level: 'warn', metrics: false, audit: false } },
  });
  const loaded = new Promise<void>((resolve) => red.events.once('flows:started', () => resolve()));
  await red.start();
  await loaded;
  return {
    red,
    stop: async () => {
      await red.stop();
      server.close();
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Set once the pushed part is over: the watch part's reports are measured for watch mode only. */
let measuringWatch = false;

async function main(): Promise<void> {
  const sim = await startSimulator({ quiet: true, amqp: true, appWs: true });
  const { red, stop } = await runtime();
  /** Per way: when each brightness was reported, and how long it took to arrive. */
  const sentAt = new Map<number, number>();
  const took: Record<Way, number[]> = { app: [], saas: [], watch: [] };
  const count: Record<Way, number> = { app: 0, saas: 0, watch: 0 };
  try {
    await red.runtime.flows.setFlows({ flows: { flows: flow(sim) }, deploymentType: 'full' });
    const ends: Record<Way, RedNode | null> = { app: null, saas: null, watch: null };
    while (!ends.app || !ends.saas || !ends.watch) {
      for (const way of ['app', 'saas', 'watch'] as const) ends[way] = red.nodes.getNode(`end-${way}`);
      await sleep(5);
    }
    for (const way of ['app', 'saas', 'watch'] as const) {
      ends[way]!.on('input', (msg, _send, done) => {
        const at = performance.now();
        done();
        count[way]++;
        const value = Number(brightnessOf[way](msg));
        const sent = sentAt.get(value);
        // The pushed ways in the first part, watch mode in the second.
        if (sent !== undefined && (way === 'watch') === measuringWatch) took[way].push(at - sent);
      });
    }
    // Both channels connected and subscribed: a report then reaches both.
    sim.setDeviceOnline(LAMP.productKey, LAMP.deviceKey, true);
    const ready = Date.now();
    while (count.app === 0 || count.saas === 0) {
      if (Date.now() - ready > 30_000) throw new Error('the events nodes did not connect');
      sim.reportProperties(LAMP.productKey, LAMP.deviceKey, { brightness: 100 });
      await sleep(500);
    }
    await sleep(WATCH_SECONDS * 1000 + 500);

    // Pushed: N changes, 20 ms apart, each with its own value (values repeat only 2 s later).
    for (let i = 0; i < N; i++) {
      const value = i % 100;
      sentAt.set(value, performance.now());
      sim.reportProperties(LAMP.productKey, LAMP.deviceKey, { brightness: value });
      await sleep(20);
    }
    await sleep(1000);

    // Watch mode: one change a poll period and a bit (so no two meet in one poll), at no particular point of it.
    sentAt.clear();
    measuringWatch = true;
    for (let i = 0; i < WATCH_N; i++) {
      const value = 50 + (i % 2);
      await sleep(Math.random() * 1000);
      sentAt.set(value, performance.now());
      sim.reportProperties(LAMP.productKey, LAMP.deviceKey, { brightness: value });
      await sleep(WATCH_SECONDS * 1000 + 300);
    }
  } finally {
    await stop();
    await sim.close();
  }

  const row = (name: string, way: Way, samples: number): string => {
    const sorted = [...took[way]].sort((a, b) => a - b);
    const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
    return `| ${name} | ${sorted.length} of ${samples} | ${ms(percentile(sorted, 50))} ms | ${ms(percentile(sorted, 99))} ms | ${ms(sorted.at(-1) ?? NaN)} ms |`;
  };
  const cpu = os.cpus()[0]?.model?.split(' ').slice(0, 2).join(' ') ?? '?';
  const lines = [
    `Run of ${new Date().toISOString()}: Node ${process.version}, ${os.cpus().length} CPUs (${cpu}); simulator and Node-RED in one process, over loopback.`,
    '',
    `From a simulated device's property report to the message at a final node: ${N} reports 20 ms apart for the two pushed ways, ${WATCH_N} reports at random points of the poll period for watch mode (every ${WATCH_SECONDS} s, its shortest).`,
    '',
    '| way | measured | p50 | p99 | max |',
    '|:--|--:|--:|--:|--:|',
    row('App WebSocket (quectel-events, App account)', 'app', N),
    row('SaaS queue (quectel-events, AMQP)', 'saas', N),
    row(`watch mode (quectel-device-state \`latest\`, every ${WATCH_SECONDS} s)`, 'watch', WATCH_N),
  ];
  console.log(`\nlatency:\n${lines.join('\n')}`);
  if (process.env.BENCH_WRITE !== '0') writeSection(lines.join('\n'));
  if (took.app.length < N || took.saas.length < N) throw new Error(`not every report arrived (App ${took.app.length}, SaaS ${took.saas.length} of ${N})`);
}

function writeSection(body: string): void {
  let text = fs.readFileSync(FILE, 'utf8');
  if (!text.includes(START)) text += `\n## Latency: a device change to the flow\n\n${START}\n${END}\n`;
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  fs.writeFileSync(FILE, text.slice(0, start + START.length) + '\n' + body + '\n' + text.slice(end));
  console.log(`bench-latency: results written to ${path.basename(FILE)}`);
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
