// Events per second from the simulator's AMQPS queue into a flow: the
// quectel-events node (in the real Node-RED runtime, counted at a final
// node) against a bare rhea client that reads the same queue with the same
// rule (parse the JSON, hand it on, then accept). Both read a queue filled
// beforehand, so the number is the consumer's pace, not the producer's.
//   node dist/scripts/bench-events.js [--n 10000] [--rounds 3]
import os from 'node:os';
import path from 'node:path';
import { create_container, type EventContext } from 'rhea';
import { amqpLogin, parseAmqpUrl, parseEvent } from '../nodes/amqp-events';
import { DEMO, DEMO_QUEUE, startSimulator, type Simulator } from '../simulator';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
// The simulator keeps at most 10,000 messages per queue.
const N = Math.min(arg('n', 10_000), 10_000);
const ROUNDS = arg('rounds', 3);

function fill(sim: Simulator, n: number): void {
  for (let i = 0; i < n; i++) {
    sim.publish({ productKey: 'p11pLZ', deviceKey: `D${i % 10}`, type: 'MATTR', subtype: 'REPORT', createdAt: Date.now(), ticket: `b${Date.now()}-${i}`, data: { packetId: i, kv: { switch: true, brightness: String(i % 100) } } });
  }
}

async function drained(sim: Simulator): Promise<void> {
  while (sim.queueDepth(DEMO_QUEUE).ready + sim.queueDepth(DEMO_QUEUE).unacked > 0) await new Promise((r) => setTimeout(r, 2));
}

/** Seconds for a bare rhea consumer to take N messages off the queue. */
async function bare(sim: Simulator): Promise<number> {
  fill(sim, N);
  const target = parseAmqpUrl(sim.amqpUrl)!;
  const login = amqpLogin(DEMO.quectelSaas.accessKey, DEMO.quectelSaas.accessSecret);
  const started = process.hrtime.bigint();
  const conn = create_container().connect({
    transport: 'tls', host: target.host, port: target.port, servername: '', ca: sim.amqpCa, reconnect: false,
    username: login.username, password: login.password, idle_time_out: 30_000,
  } as never);
  let count = 0;
  const handed: unknown[] = [];
  conn.on('connection_open', () => {
    const r = conn.open_receiver({ source: { address: DEMO_QUEUE }, autoaccept: false, credit_window: 200 });
    r.on('message', (c: EventContext) => {
      const parsed = parseEvent(c.message!.body);
      if ('event' in parsed) {
        handed.push(parsed.event);
        if (handed.length > 1000) handed.length = 0;
      }
      count++;
      c.delivery!.accept();
    });
  });
  await drained(sim);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  conn.close();
  if (count < N) throw new Error(`bare client: ${count} of ${N}`);
  return seconds;
}

interface Helper {
  init(runtimePath: string): void;
  load(nodes: unknown[], flow: object[], credentials?: object): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): { on(event: string, fn: () => void): void };
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
}

/** Seconds for the quectel-events node to send N messages on to a final node (and accept them). */
async function throughNode(sim: Simulator, helper: Helper, nodes: unknown[]): Promise<number> {
  fill(sim, N);
  let count = 0;
  const started = process.hrtime.bigint();
  await helper.load(nodes, [
    { id: 'tab', type: 'tab' },
    { id: 'acc', type: 'iot-openapi-account', platform: 'quectel-saas', baseUrl: sim.url },
    { id: 'tls', type: 'tls-config', cert: '', key: '', ca: '', verifyservercert: true },
    { id: 'ev', z: 'tab', type: 'quectel-events', account: 'acc', url: sim.amqpUrl, queue: DEMO_QUEUE, tls: 'tls', wires: [['end']] },
    { id: 'end', z: 'tab', type: 'helper' },
  ], { acc: { ...DEMO.quectelSaas }, tls: { cadata: sim.amqpCa } });
  helper.getNode('end').on('input', () => count++);
  await drained(sim);
  while (count < N) await new Promise((r) => setTimeout(r, 1));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await helper.unload();
  return seconds;
}

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '../..');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const helper = require('node-red-node-test-helper') as Helper;
  helper.init(require.resolve('node-red', { paths: [root] }));
  const coreDir = path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(require.resolve('node-red', { paths: [root] }))] }));
  /* eslint-disable @typescript-eslint/no-require-imports */
  const nodes = [
    require(path.join(root, 'dist', 'nodes', 'iot-openapi-account.js')),
    require(path.join(root, 'dist', 'nodes', 'quectel-events.js')),
    require(path.join(coreDir, 'core', 'network', '05-tls.js')),
  ];
  /* eslint-enable @typescript-eslint/no-require-imports */
  const sim = await startSimulator({ amqp: true });
  await helper.startServer();
  const rates = { node: [] as number[], bare: [] as number[] };
  try {
    // Warm-up, then alternate, so that neither gets the warmer process.
    await bare(sim);
    await throughNode(sim, helper, nodes);
    for (let round = 0; round < ROUNDS; round++) {
      rates.bare.push(N / (await bare(sim)));
      rates.node.push(N / (await throughNode(sim, helper, nodes)));
    }
  } finally {
    await helper.stopServer();
    await sim.close();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const node = median(rates.node);
  const plain = median(rates.bare);
  console.log(`\nevents: node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), N=${N} per run, median of ${ROUNDS} rounds`);
  console.log('| consumer | events/s | runs |');
  console.log('|:--|--:|:--|');
  console.log(`| quectel-events node → final node (Node-RED) | ${node.toFixed(0)} | ${rates.node.map((r) => r.toFixed(0)).join(', ')} |`);
  console.log(`| bare rhea client, accept after handling | ${plain.toFixed(0)} | ${rates.bare.map((r) => r.toFixed(0)).join(', ')} |`);
  console.log(`\nratio node/bare: ${(node / plain).toFixed(2)}`);
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
