// A backlog, as after an outage, read through a real flow with the broker in
// a process of its own (as a user's is): every message reaches the end of the
// flow exactly once, and the queue is left empty. Slower than the other node
// tests: 20,000 messages of 2 KiB.
import assert from 'node:assert/strict';
import { DEMO, DEMO_QUEUE } from '../../simulator';
import { startSimulatorProcess, type SimulatorProcess } from '../../simulator/process';
import { RED_PACKAGE, coreNode, helper } from '../support/red';
import path from 'node:path';

const N = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`quectel-events, a backlog from a broker in its own process (${RED_PACKAGE})`, function () {
  this.timeout(90_000);
  let broker: SimulatorProcess;
  before(async () => {
    broker = await startSimulatorProcess({ maxQueueLength: N });
    await helper.startServer();
  });
  after(async () => {
    await helper.unload();
    await helper.stopServer();
    await broker?.close();
  });

  it(`reads ${N.toLocaleString('en')} messages of 2 KiB to the end, each exactly once`, async () => {
    await broker.fill({ count: N, bytes: 2048, ticketPrefix: 'backlog-' });
    assert.deepEqual(await broker.queueDepth(), { ready: N, unacked: 0 });
    const counts = new Map<string, number>();
    let duplicates = 0;
    /* eslint-disable @typescript-eslint/no-require-imports */
    const nodes = [require(path.resolve(__dirname, '../../nodes/iot-openapi-account.js')), require(path.resolve(__dirname, '../../nodes/quectel-events.js')), coreNode('network/05-tls.js')];
    /* eslint-enable @typescript-eslint/no-require-imports */
    await helper.load(nodes, [
      { id: 'tab', type: 'tab', label: 'backlog' },
      { id: 'acc', type: 'iot-openapi-account', platform: 'quectel-saas', baseUrl: broker.url },
      { id: 'tls', type: 'tls-config', cert: '', key: '', ca: '', verifyservercert: true },
      { id: 'ev', z: 'tab', type: 'quectel-events', account: 'acc', url: broker.amqpUrl, queue: DEMO_QUEUE, tls: 'tls', wires: [['out']] },
      { id: 'out', z: 'tab', type: 'helper' },
    ], { acc: { ...DEMO.quectelSaas }, tls: { cadata: broker.amqpCa } });
    helper.getNode('out').on('input', ((msg: { payload: { ticket: string; pad?: string } }) => {
      const ticket = msg.payload.ticket;
      const before = counts.get(ticket) ?? 0;
      if (before) duplicates++;
      counts.set(ticket, before + 1);
    }) as never);
    const end = Date.now() + 75_000;
    for (;;) {
      const depth = await broker.queueDepth();
      if (depth.ready === 0 && depth.unacked === 0 && counts.size >= N) break;
      if (Date.now() > end) throw new Error(`${counts.size} of ${N} read; queue ${JSON.stringify(depth)}`);
      await sleep(50);
    }
    await sleep(200);
    assert.equal(duplicates, 0, 'none doubled');
    assert.equal(counts.size, N, 'none lost');
    for (let i = 0; i < N; i += 997) assert.equal(counts.get(`backlog-${i}`), 1);
    const counters = await broker.amqpCounters();
    assert.equal(counters.accepted, N);
    assert.equal(counters.dropped, 0);
  });
});
