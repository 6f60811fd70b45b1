// The Quectel SaaS subscription read into a flow, with the broker (the
// simulator's AMQPS endpoint) in a process of its own, as a user's broker is.
//
// 1. Speed: the same backlog (--n messages of --bytes each) is read to the end
//    once by a bare rhea client and once by the quectel-events node in the
//    real Node-RED runtime (counted at a final node), with the same rule:
//    parse the JSON, hand it on, then accept; prefetch 200 for both. The
//    node's time includes its deploy. One run of each, after a short warm-up
//    of both; the ratio is node / bare.
// 2. Memory: in a fresh process holding only Node-RED and the flow, the node
//    is connected to an empty queue (idle), the broker goes away, a backlog of
//    --memory-n messages of --bytes each gathers, the broker comes back and
//    the node reads it to the end. The process's RSS at idle and its peak
//    while draining; each message must reach the final node exactly once.
//
//   node dist/scripts/bench-events.js [--n 50000] [--bytes 2048] [--memory-n 100000]
//
// Writes its section of BENCHMARKS.md (between the bench-events markers)
// unless BENCH_WRITE=0.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { create_container, type EventContext } from 'rhea';
import { amqpLogin, parseAmqpUrl, parseEvent } from '../nodes/amqp-events';
import { startEmbeddedRed } from './embedded-red';
import { DEMO, DEMO_QUEUE } from '../simulator';
import { startSimulatorProcess, type SimulatorProcess } from '../simulator/process';

const ROOT = path.resolve(__dirname, '..', '..');
const FILE = path.join(ROOT, 'BENCHMARKS.md');
const START = '<!-- bench-events:start -->';
const END = '<!-- bench-events:end -->';
const PREFETCH = 200;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const n = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
}
const N = arg('n', 50_000);
const BYTES = arg('bytes', 2048);
const MEMORY_N = arg('memory-n', 100_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface RedNode {
  on(event: 'input', fn: (msg: { payload: { ticket: string } }, send: unknown, done: () => void) => void): void;
}

interface Red {
  /** Deploys the flow `quectel-events → junction` against the broker; resolves with the junction, once it is there. */
  deploy(broker: SimulatorProcess): Promise<RedNode>;
  /** Deploys an empty flow: the node disconnects, its unaccepted messages go back to the queue. */
  clear(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Node-RED as a user runs it (the embedded runtime, no editor), with this
 * package installed in its user directory (a link to this checkout).
 */
async function runtime(): Promise<Red> {
  const { red, stop } = await startEmbeddedRed('bench-events');
  const setFlows = (flows: object[]) => red.runtime.flows.setFlows({ flows: { flows }, deploymentType: 'full' });
  return {
    deploy: async (broker) => {
      await setFlows([
        { id: 'tab', type: 'tab', label: 'events' },
        // Credentials inside the nodes, as the editor deploys them.
        { id: 'acc', type: 'iot-openapi-account', platform: 'quectel-saas', baseUrl: broker.url, credentials: { ...DEMO.quectelSaas } },
        { id: 'tls', type: 'tls-config', cert: '', key: '', ca: '', verifyservercert: true, credentials: { cadata: broker.amqpCa } },
        { id: 'ev', z: 'tab', type: 'quectel-events', account: 'acc', url: broker.amqpUrl, queue: DEMO_QUEUE, tls: 'tls', wires: [['end']] },
        { id: 'end', z: 'tab', type: 'junction', wires: [] },
      ]);
      for (;;) {
        const end = red.nodes.getNode('end') as RedNode | null;
        if (end) return end;
        await sleep(1);
      }
    },
    clear: async () => {
      await setFlows([]);
    },
    stop,
  };
}

async function emptied(broker: SimulatorProcess): Promise<void> {
  for (;;) {
    const depth = await broker.queueDepth();
    if (depth.ready + depth.unacked === 0) return;
    await sleep(20);
  }
}

/** Seconds for a bare rhea client to read `n` queued messages: connect, parse, hand on, accept. */
async function bare(broker: SimulatorProcess, n: number): Promise<number> {
  const target = parseAmqpUrl(broker.amqpUrl)!;
  const login = amqpLogin(DEMO.quectelSaas.accessKey, DEMO.quectelSaas.accessSecret);
  const started = process.hrtime.bigint();
  const conn = create_container().connect({
    transport: 'tls', host: target.host, port: target.port, servername: '', ca: broker.amqpCa, reconnect: false,
    username: login.username, password: login.password, idle_time_out: 30_000,
  } as never);
  let count = 0;
  const handed: unknown[] = [];
  const done = new Promise<void>((resolve, reject) => {
    conn.on('connection_error', (c: EventContext) => reject(c.connection.error));
    conn.on('connection_open', () => {
      const r = conn.open_receiver({ source: { address: DEMO_QUEUE }, autoaccept: false, credit_window: PREFETCH });
      r.on('message', (c: EventContext) => {
        const parsed = parseEvent(c.message!.body);
        if ('event' in parsed) {
          handed.push(parsed.event);
          if (handed.length > 1000) handed.length = 0;
        }
        c.delivery!.accept();
        if (++count === n) resolve();
      });
    });
  });
  await done;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await emptied(broker);
  conn.close();
  await sleep(100);
  return seconds;
}

/** Seconds for the node, from its deploy, to send `n` queued messages on to the final node. */
async function throughNode(broker: SimulatorProcess, red: Red, n: number): Promise<number> {
  let count = 0;
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const started = process.hrtime.bigint();
  const end = await red.deploy(broker);
  end.on('input', (_msg, _send, finished) => {
    finished();
    if (++count === n) resolve();
  });
  await done;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await emptied(broker);
  await red.clear();
  return seconds;
}

interface MemoryResult {
  idleMb: number;
  peakMb: number;
  seconds: number;
  distinct: number;
  duplicates: number;
}

/** The memory run, in a process of its own (forked with --memory-child): only Node-RED and the flow in it. */
async function memoryChild(): Promise<void> {
  const broker = await startSimulatorProcess({ maxQueueLength: MEMORY_N });
  const red = await runtime();
  try {
    const end = await red.deploy(broker);
    const seen = new Map<string, number>();
    let duplicates = 0;
    end.on('input', (msg, _send, finished) => {
      finished();
      const before = seen.get(msg.payload.ticket) ?? 0;
      if (before) duplicates++;
      seen.set(msg.payload.ticket, before + 1);
    });
    // Connected to an empty queue, settled: the idle figure is the median of a second's samples.
    await sleep(3000);
    const idle: number[] = [];
    for (let i = 0; i < 10; i++) {
      idle.push(process.memoryUsage.rss());
      await sleep(100);
    }
    idle.sort((a, b) => a - b);
    // An outage: the backlog gathers while the node waits to reconnect.
    await broker.stopAmqp();
    await broker.fill({ count: MEMORY_N, bytes: BYTES, ticketPrefix: 'mem-' });
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
    const started = Date.now();
    await broker.startAmqp();
    for (;;) {
      const depth = await broker.queueDepth();
      if (depth.ready + depth.unacked === 0 && seen.size >= MEMORY_N) break;
      await sleep(100);
    }
    clearInterval(sampler);
    const result: MemoryResult = { idleMb: idle[5] / 2 ** 20, peakMb: peak / 2 ** 20, seconds: (Date.now() - started) / 1000, distinct: seen.size, duplicates };
    process.send?.(result);
  } finally {
    await red.clear().catch(() => undefined);
    await red.stop();
    await broker.close();
  }
}

function memoryRun(): Promise<MemoryResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--memory-child', '--memory-n', String(MEMORY_N), '--bytes', String(BYTES)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: MemoryResult | undefined;
    child.on('message', (m: MemoryResult) => (result = m));
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`the memory run ended with ${String(code)} and no result`))));
  });
}

async function speed(): Promise<{ bare: number; node: number }> {
  const broker = await startSimulatorProcess({ maxQueueLength: N });
  const red = await runtime();
  try {
    // Warm-up of both (code compiled, TLS session set up once), then one run each.
    for (const consumer of [(n: number) => bare(broker, n), (n: number) => throughNode(broker, red, n)]) {
      await broker.fill({ count: 2000, bytes: BYTES, ticketPrefix: `warm-${Date.now()}-` });
      await consumer(2000);
    }
    await broker.fill({ count: N, bytes: BYTES, ticketPrefix: 'bare-' });
    const b = N / (await bare(broker, N));
    await broker.fill({ count: N, bytes: BYTES, ticketPrefix: 'node-' });
    const n = N / (await throughNode(broker, red, N));
    return { bare: b, node: n };
  } finally {
    await red.stop();
    await broker.close();
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--memory-child')) return memoryChild();
  const rates = await speed();
  const memory = await memoryRun();
  const ratio = rates.node / rates.bare;
  const cpu = os.cpus()[0]?.model?.split(' ').slice(0, 2).join(' ') ?? '?';
  const lines = [
    `Run of ${new Date().toISOString()}: Node ${process.version}, ${os.cpus().length} CPUs (${cpu}); broker in its own process.`,
    '',
    `Speed: a backlog of ${N.toLocaleString('en')} messages of ${BYTES} bytes, read to the end once by each consumer.`,
    '',
    '| consumer | events/s |',
    '|:--|--:|',
    `| quectel-events node → final node (Node-RED, time from deploy) | ${rates.node.toFixed(0)} |`,
    `| bare rhea client, accept after handling | ${rates.bare.toFixed(0)} |`,
    '',
    `Ratio node/bare: **${ratio.toFixed(2)}**.`,
    '',
    `Memory: a backlog of ${MEMORY_N.toLocaleString('en')} messages of ${BYTES} bytes gathered during an outage, read to the end through the flow.`,
    '',
    '| Node-RED process RSS idle | peak while draining | over idle | drained in | events/s | reached the final node | doubled |',
    '|--:|--:|--:|--:|--:|--:|--:|',
    `| ${memory.idleMb.toFixed(0)} MB | ${memory.peakMb.toFixed(0)} MB | ${(memory.peakMb - memory.idleMb).toFixed(0)} MB | ${memory.seconds.toFixed(1)} s | ${(MEMORY_N / memory.seconds).toFixed(0)} | ${memory.distinct.toLocaleString('en')} | ${memory.duplicates} |`,
  ];
  console.log(`\nevents:\n${lines.join('\n')}`);
  if (process.env.BENCH_WRITE !== '0') writeSection(lines.join('\n'));
  if (memory.duplicates || memory.distinct !== MEMORY_N) throw new Error('the backlog was not read exactly once');
}

function writeSection(body: string): void {
  const text = fs.readFileSync(FILE, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) {
    console.log(`bench-events: no ${START} … ${END} in ${path.basename(FILE)}; results not written`);
    return;
  }
  fs.writeFileSync(FILE, text.slice(0, start + START.length) + '\n' + body + '\n' + text.slice(end));
  console.log(`bench-events: results written to ${path.basename(FILE)}`);
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
