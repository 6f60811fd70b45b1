// quectel-events in the real runtime, against the simulator's AMQPS endpoint:
// events in, filters, a refused login, an outage of the broker in the middle
// of a stream, a redeploy in the middle of a delivery, a broker that detaches
// every link at once, and a peer that never answers.
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { EVENTS_TIMING } from '../../nodes/amqp-events';
import { DEMO, DEMO_QUEUE, type Simulator, type SubscriptionMessage } from '../../simulator';
import { ACCOUNT_IDS, ALL_NODES, RED_PACKAGE, accounts, coreNode, helper, useRuntime } from '../support/red';

interface StatusCall {
  fill?: string;
  shape?: string;
  text?: string;
}

let ticket = 0;
function event(productKey: string, deviceKey: string, type: string, extra: Partial<SubscriptionMessage> = {}): SubscriptionMessage {
  ticket++;
  return {
    productKey,
    deviceKey,
    type,
    createdAt: Date.now(),
    ticket: `tk${String(ticket).padStart(6, '0')}`,
    data: type === 'ONLINE' ? { value: 1 } : { packetId: ticket, kv: { switch: true } },
    ...extra,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe(`quectel-events (${RED_PACKAGE})`, function () {
  this.timeout(60_000);
  let sim: Simulator;
  useRuntime((s) => (sim = s), { amqp: true });
  const timing = { ...EVENTS_TIMING };
  afterEach(async () => {
    await helper.unload();
    sim.reset();
    Object.assign(EVENTS_TIMING, timing);
  });

  let flow: object[] = [];
  let credentials: Record<string, object> = {};
  let received: Record<string, unknown>[] = [];
  let caught: Record<string, unknown>[] = [];

  function attach(): void {
    helper.getNode('out').on('input', ((m: Record<string, unknown>) => received.push(m)) as never);
    helper.getNode('caught').on('input', ((m: Record<string, unknown>) => caught.push(m)) as never);
  }

  async function load(settings: Record<string, unknown> = {}, secret: string = DEMO.quectelSaas.accessSecret): Promise<void> {
    const acc = accounts(sim);
    flow = [
      { id: 'tab', type: 'tab', label: 'events' },
      ...acc.nodes,
      { id: 'tls', type: 'tls-config', name: 'simulator CA', cert: '', key: '', ca: '', verifyservercert: true },
      { id: 'ev', z: 'tab', type: 'quectel-events', name: '', account: ACCOUNT_IDS['quectel-saas'], url: sim.amqpUrl, queue: DEMO_QUEUE, productKey: '', deviceKey: '', types: '', tls: 'tls', wires: [['out']], ...settings },
      { id: 'out', z: 'tab', type: 'helper' },
      { id: 'catcher', z: 'tab', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'tab', type: 'helper' },
    ];
    credentials = { ...acc.credentials, [ACCOUNT_IDS['quectel-saas']]: { accessKey: DEMO.quectelSaas.accessKey, accessSecret: secret }, tls: { cadata: sim.amqpCa } };
    received = [];
    caught = [];
    await helper.load([...ALL_NODES, coreNode('network/05-tls.js')], flow, credentials);
    attach();
  }

  async function redeploy(): Promise<void> {
    await (helper as unknown as { setFlows(flow: object[], type: string, credentials: object): Promise<void> }).setFlows(flow, 'full', credentials);
    attach();
  }

  function statuses(): StatusCall[] {
    return helper.getNode('ev').status.getCalls().map((c) => c.args[0] as StatusCall);
  }
  const connected = () => statuses().at(-1)?.fill === 'green';

  it('sends each event with the body as an object and productKey/deviceKey/type as topic, and accepts it', async () => {
    await load();
    await until('connected', connected);
    assert.equal(statuses().at(-1)?.text, 'connected');
    const online = event('p11pLZ', 'D0001', 'ONLINE');
    const report = event('p11qT3', 'TH0001', 'MATTR', { subtype: 'REPORT' });
    sim.publish(online);
    sim.publish(report);
    await until('two events', () => received.length === 2);
    assert.equal(received[0].topic, 'p11pLZ/D0001/ONLINE');
    assert.deepEqual(received[0].payload, online);
    assert.equal(received[1].topic, 'p11qT3/TH0001/MATTR');
    assert.deepEqual(received[1].payload, report);
    await until('accepted', () => sim.amqpCounters.accepted === 2);
    assert.deepEqual(sim.queueDepth(DEMO_QUEUE), { ready: 0, unacked: 0 });
  });

  it('filters by product, device and type; what it filters out is accepted all the same', async () => {
    await load({ productKey: 'p11pLZ', deviceKey: 'D0001, D0002', types: 'mattr,MEVENT' });
    await until('connected', connected);
    const wanted = [event('p11pLZ', 'D0001', 'MATTR'), event('p11pLZ', 'D0002', 'MEVENT', { subtype: 'WARN' })];
    const unwanted = [event('p11pLZ', 'D0001', 'ONLINE'), event('p11pLZ', 'D0003', 'MATTR'), event('p11qT3', 'D0001', 'MATTR')];
    for (const m of [unwanted[0], wanted[0], unwanted[1], unwanted[2], wanted[1]]) sim.publish(m);
    await until('accepted', () => sim.amqpCounters.accepted === 5);
    await sleep(50);
    assert.deepEqual(received.map((m) => m.payload), wanted);
    assert.deepEqual(sim.queueDepth(DEMO_QUEUE), { ready: 0, unacked: 0 });
  });

  it('reports a body that is not JSON with BAD_RESPONSE, accepts it, and goes on', async () => {
    await load();
    await until('connected', connected);
    sim.publishRaw(DEMO_QUEUE, 'this is not json');
    const next = event('p11pLZ', 'D0001', 'ONLINE');
    sim.publish(next);
    await until('the next event', () => received.length === 1 && caught.length === 1);
    const error = caught[0].error as { code: unknown; message: string };
    assert.equal(error.code, 'BAD_RESPONSE');
    assert.match(error.message, /^BAD_RESPONSE: .*JSON/);
    await until('both accepted', () => sim.amqpCounters.accepted === 2);
    assert.equal(sim.amqpCounters.redelivered, 0);
  });

  it('a wrong AccessSecret: red status, the longest wait, and no secret or SASL password in any log line or status', async () => {
    const wrong = 'WrongSecretWrongSecretWrongSecret0123456';
    await load({}, wrong);
    await until('refused', () => statuses().some((s) => s.fill === 'red'));
    const red = statuses().find((s) => s.fill === 'red')!;
    assert.match(String(red.text), /^authentication refused: check AccessKey\/secret/);
    const seconds = Number(/again in (\d+) s/.exec(String(statuses().at(-1)?.text))?.[1]);
    assert.ok(seconds >= 30, `waits at least 30 s after a refusal, not ${seconds}`);
    await sleep(300);
    assert.equal(sim.amqpCounters.refusedLogins, 1, 'one attempt, not a hammering');
    const said = [
      ...helper.log().getCalls().map((c) => JSON.stringify(c.args)),
      ...statuses().map((s) => JSON.stringify(s)),
      ...caught.map((m) => JSON.stringify(m.error)),
    ].join('\n');
    for (const secret of [wrong, DEMO.quectelSaas.accessSecret]) assert.ok(!said.includes(secret), 'the secret is not shown');
    assert.ok(!/[0-9a-f]{64}/.test(said), 'no SHA-256 password is shown');
  });

  it('a queue of another AccessKey is refused with a red status', async () => {
    sim.addQueue({ queue: 'other.queue', accessKey: 'someone-else' });
    await load({ queue: 'other.queue' });
    await until('refused', () => statuses().some((s) => s.fill === 'red'));
    assert.match(String(statuses().find((s) => s.fill === 'red')?.text), /^queue refused/);
  });

  it('the broker stops and starts again in the middle of 500 messages: each reaches the flow exactly once', async () => {
    const N = 500;
    await load();
    await until('connected', connected);
    const sent: string[] = [];
    const publish = (count: number): void => {
      for (let i = 0; i < count; i++) {
        const m = event('p11pLZ', `D${String(i % 10).padStart(4, '0')}`, i % 3 ? 'MATTR' : 'ONLINE');
        sent.push(m.ticket);
        sim.publish(m);
      }
    };
    // The broker goes away the moment the 50th message reaches the flow: its accept, and those of the
    // messages just before it, are still in the node's socket, and the broker delivers them again.
    let stopped: Promise<void> | undefined;
    let seenAtStop = 0;
    helper.getNode('out').on('input', (() => {
      if (received.length === 50 && !stopped) {
        seenAtStop = received.length;
        stopped = sim.stopAmqp();
      }
    }) as never);
    publish(150);
    await until('stopped', () => stopped !== undefined);
    await stopped;
    await until('reconnecting shown', () => statuses().at(-1)?.fill === 'yellow' && /reconnecting in \d+ s/.test(String(statuses().at(-1)?.text)));
    publish(200); // during the outage
    await sleep(300);
    await sim.startAmqp();
    publish(100); // while the node reconnects
    await until('connected again', connected, 20_000);
    publish(50); // after
    await until(`${N} messages`, () => received.length >= N, 30_000);
    await until('all accepted', () => sim.queueDepth(DEMO_QUEUE).ready === 0 && sim.queueDepth(DEMO_QUEUE).unacked === 0);
    await sleep(200);
    const tickets = received.map((m) => (m.payload as SubscriptionMessage).ticket);
    assert.equal(new Set(tickets).size, N, 'distinct messages');
    assert.equal(tickets.length, N, 'none doubled');
    assert.deepEqual([...tickets].sort(), [...sent].sort(), 'none lost');
    assert.equal(sim.amqpCounters.dropped, 0);
    assert.ok(sim.amqpCounters.redelivered > 0, 'the outage caught messages in flight');
    assert.ok(seenAtStop === 50);
  });

  it('a redeploy in the middle of a delivery loses nothing: what was not accepted comes to the next deploy', async () => {
    const N = 400;
    await load();
    await until('connected', connected);
    const sent: string[] = [];
    for (let i = 0; i < N; i++) {
      const m = event('p11s8K', 'SK0001', 'MATTR');
      sent.push(m.ticket);
      sim.publish(m);
    }
    await until('some received', () => received.length > 0);
    const before = received;
    await redeploy();
    const after = () => received;
    received = [];
    await until('the rest', () => before.length + after().length >= N, 20_000);
    await until('all accepted', () => sim.queueDepth(DEMO_QUEUE).ready === 0 && sim.queueDepth(DEMO_QUEUE).unacked === 0);
    const tickets = [...before, ...received].map((m) => (m.payload as SubscriptionMessage).ticket);
    assert.deepEqual([...new Set(tickets)].sort(), [...sent].sort(), 'none lost');
    assert.equal(tickets.length, N, 'none doubled');
  });

  it('settings that cannot work are reported once, without trying to connect', async () => {
    await load({ queue: '' });
    await until('an error', () => caught.length === 1 || statuses().some((s) => s.fill === 'red'));
    assert.match(String(statuses().at(-1)?.text), /queue/);
    assert.equal(sim.amqpCounters.connections, 0);
  });

  /** Real-time milliseconds at which the simulator attached a receiver link, until `count` of them. */
  async function attachTimes(count: number, timeoutMs = 20_000): Promise<number[]> {
    const times: number[] = [];
    let last = sim.amqpCounters.attached;
    const end = Date.now() + timeoutMs;
    while (times.length < count) {
      if (Date.now() > end) throw new Error(`${times.length} of ${count} attaches`);
      const now = sim.amqpCounters.attached;
      for (; last < now; last++) times.push(Date.now());
      await sleep(2);
    }
    return times;
  }

  it('a broker that detaches each link at once: the waits between attempts grow; a link that stays up starts them over', async () => {
    // The first wait 100 ms, doubling: 50-100, 100-200, 200-400, 400-800, 800-1600 ms.
    Object.assign(EVENTS_TIMING, { firstBackoffMs: 100, stableMs: 400 });
    sim.amqpDetachAfterAttach = true;
    await load();
    const times = await attachTimes(6);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    // Were the wait started over at each attach, every gap would be the first wait and a handshake.
    assert.ok(gaps[4] >= 800, `the fifth wait is at least 800 ms, not ${gaps[4]} (gaps ${gaps.join(', ')})`);
    assert.ok(gaps[4] > gaps[0] * 2, `the waits grow (gaps ${gaps.join(', ')})`);
    assert.equal(received.length, 0);

    // The broker behaves again: a link that stays up longer than stableMs brings the first wait back.
    sim.amqpDetachAfterAttach = false;
    await until('connected', connected, 10_000);
    await sleep(600);
    await sim.stopAmqp();
    await sim.startAmqp();
    const stoppedAt = Date.now();
    const [again] = await attachTimes(1);
    // Not started over, the next wait would be 3.2 s at least.
    assert.ok(again - stoppedAt < 800, `back after the first wait (${again - stoppedAt} ms)`);
  });

  it('a peer that accepts the connection and never answers: given up after the time-out, said so, tried again', async () => {
    Object.assign(EVENTS_TIMING, { connectTimeoutMs: 300, firstBackoffMs: 100 });
    const sockets: Socket[] = [];
    let closedByClient = 0;
    const silent = createServer((socket) => {
      sockets.push(socket);
      // Read and ignore what comes (the TLS hello), so that the client's end is seen.
      socket.resume();
      socket.on('close', () => closedByClient++);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      await load({ url: `amqps://127.0.0.1:${port}/quec-open` });
      await until('given up', () => statuses().some((s) => /no answer from the broker within 0\.3 s/.test(String(s.text))), 5000);
      const why = statuses().find((s) => /no answer/.test(String(s.text)))!;
      assert.equal(why.fill, 'yellow');
      assert.match(String(why.text), /\(again in \d+ s\)$/);
      await until('tried again', () => sockets.length >= 3, 5000);
      assert.ok(closedByClient >= 2, `the connections given up on are closed, not left open (${closedByClient} of ${sockets.length})`);
    } finally {
      await helper.unload();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
