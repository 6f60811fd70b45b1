// The App channel against the simulator's App WebSocket, with the token of a
// real App login made by the account's client: messages arrive once, a token
// that lapses mid-stream and a server restart lose nothing pushed after the
// channel is back, the heartbeat keeps an idle channel open, a flood stays
// bounded, and commands are acknowledged.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { OpenApiClient } from '../../lib/client';
import type { TokenSet } from '../../lib/session';
import {
  AppChannel, type AppChannelMessage, type AppChannelOptions, type AppChannelStatus, type AppChannelSubscriber, type AppChannelType, type AppDevice,
} from '../../lib/platforms/quectel-app-channel';
import { startSimulator, type Simulator } from '../../simulator';
import { demoAccount } from '../support/accounts';

const LAMP = 'p11pLZ';
const D = (deviceKey: string): AppDevice => ({ productKey: LAMP, deviceKey });
const ALL: AppChannelType[] = ['ONLINE', 'STATUS', 'MATTR-REPORT', 'MEVENT-INFO', 'MEVENT-WARN', 'MEVENT-ERROR', 'RAW-UPLINK', 'LOCATION-INFO-KV'];
/** Quick reconnects, so a test does not wait for the real backoff. */
const QUICK = { backoffBaseMs: 50, backoffMaxMs: 200, connectTimeoutMs: 3000 };

async function until(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A subscriber that keeps what it is told. */
function recorder(devices: AppDevice[], types: AppChannelType[] = ALL) {
  const got: AppChannelMessage[] = [];
  const refused: Array<[AppDevice, number, string]> = [];
  const states: AppChannelStatus[] = [];
  const sub: AppChannelSubscriber = {
    devices, types,
    onMessage: (m) => got.push(m),
    onDeviceRefused: (d, code, msg) => refused.push([d, code, msg]),
    onStatus: (s) => states.push(s),
  };
  return { sub, got, refused, states, tickets: () => got.map((m) => m.ticket) };
}

describe('lib: Quectel App channel', function () {
  this.timeout(30_000);
  let sim: Simulator;
  let client: OpenApiClient;
  const channels: AppChannel[] = [];
  let refusedTokens: string[];

  /** The account's token, as the account node will give it: its session's, renewed when the channel refuses it. */
  function channel(opts: Partial<AppChannelOptions> = {}): AppChannel {
    const session = (client as unknown as { parts: { session: { token(): Promise<TokenSet>; invalidate(t: TokenSet): void } } }).parts.session;
    let last: TokenSet | undefined;
    const c = new AppChannel({
      url: sim.appWsUrl,
      tls: { ca: sim.appWsCa },
      token: async () => (last = await session.token()).accessToken,
      onTokenRefused: (token) => {
        refusedTokens.push(token);
        if (last && last.accessToken === token) session.invalidate(last);
      },
      timing: QUICK,
      ...opts,
    });
    channels.push(c);
    return c;
  }
  const online = (c: AppChannel) => until(() => c.status.state === 'online' && sim.appWs.connections().loggedIn > 0, 5000, 'online');
  /** Waits until the server has confirmed the subscriptions (a message published before would be lost). */
  const settled = () => new Promise((r) => setTimeout(r, 150));

  before(async () => {
    sim = await startSimulator({ appWs: true });
  });
  beforeEach(() => {
    client = new OpenApiClient(demoAccount(sim, 'quectel-app'));
    refusedTokens = [];
  });
  afterEach(() => {
    for (const c of channels.splice(0)) c.close();
    client.close();
    sim.appWs.silenceLimitMs = 130_000;
    sim.reset();
  });
  after(() => sim.close());

  it('shares one connection among subscribers; each message arrives once, to those who asked for its device and type', async () => {
    const c = channel();
    const a = recorder([D('D001'), D('D003')]);
    const b = recorder([D('D001')], ['ONLINE']);
    c.acquire(a.sub);
    c.acquire(b.sub);
    await online(c);
    await settled();
    assert.equal(sim.appWs.counters.connections, 1);
    assert.equal(sim.appWs.counters.logins, 1);
    assert.equal(sim.counters.logins['quectel-app'], 1, 'one App login for the channel');

    sim.setDeviceOnline(LAMP, 'D001', true);
    sim.reportProperties(LAMP, 'D001', { brightness: 12 });
    sim.reportProperties(LAMP, 'D003', { switch: true });
    sim.publish({ productKey: LAMP, deviceKey: 'D003', type: 'MEVENT', subtype: 'ERROR', createdAt: Date.now(), ticket: 'evt-1', data: { packetId: 1, code: 'lampFault', kv: {} } });
    sim.publish({ productKey: LAMP, deviceKey: 'D003', type: 'RAW', subtype: 'UPLINK', createdAt: Date.now(), ticket: 'raw-1', data: { packetId: 2, raw: 'AQI=' } });
    await until(() => a.got.length >= 5, 3000, 'five messages');
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(a.got.map((m) => `${m.deviceKey} ${m.type} ${m.subtype ?? ''}`.trim()), ['D001 ONLINE', 'D001 MATTR REPORT', 'D003 MATTR REPORT', 'D003 MEVENT ERROR', 'D003 RAW UPLINK']);
    assert.equal(new Set(a.tickets()).size, 5, 'no message twice');
    assert.deepEqual(b.got.map((m) => m.type), ['ONLINE']);
    assert.deepEqual(a.got[1].data.kv, { brightness: '12' });
  });

  it('reports a device the server refuses once per subscriber (4011), even across reconnects', async () => {
    const c = channel();
    const a = recorder([D('D001'), D('NOT-MINE')]);
    c.acquire(a.sub);
    await online(c);
    await until(() => a.refused.length > 0, 3000, 'a refusal');
    assert.deepEqual(a.refused, [[D('NOT-MINE'), 4011, 'device is not bound']]);
    await sim.stopAppWs();
    await sim.startAppWs();
    await until(() => sim.appWs.counters.connections === 1 && c.status.state === 'online', 5000, 'back online');
    await settled();
    assert.equal(a.refused.length, 1);
  });

  it('a token that lapses mid-stream: the account renews it, the channel logs in again and resubscribes; nothing pushed after is lost', async () => {
    const c = channel();
    const a = recorder([D('D001')], ['ONLINE', 'MATTR-REPORT']);
    c.acquire(a.sub);
    await online(c);
    await settled();
    sim.setDeviceOnline(LAMP, 'D001', true);
    await until(() => a.got.length === 1, 3000, 'the first message');

    sim.faults.expireAllTokens('quectel-app');
    await until(() => c.stats.tokenRefusals === 1 && c.stats.logins === 2, 5000, 'a second login on the channel');
    assert.equal(refusedTokens.length, 1, 'the refused token was handed back once');
    assert.equal(sim.counters.logins['quectel-app'], 2, 'one new App login');
    assert.equal(sim.appWs.counters.connections, 1, 'on the same connection');
    await settled();
    const before = a.got.length;
    for (let i = 0; i < 20; i++) sim.reportProperties(LAMP, 'D001', { brightness: i });
    await until(() => a.got.length === before + 20, 3000, 'twenty reports');
    assert.deepEqual(a.got.slice(before).map((m) => m.data.kv), Array.from({ length: 20 }, (_, i) => ({ brightness: String(i) })));
    const user = [...sim.state.users.values()][0];
    assert.equal(user.failedLogins, 0, 'no password refused');
  });

  it('a server restart: reconnects with backoff, logs in, resubscribes; everything pushed after is delivered', async () => {
    const c = channel();
    const a = recorder([D('D001'), D('D003')], ['MATTR-REPORT']);
    sim.setDeviceOnline(LAMP, 'D001', true);
    c.acquire(a.sub);
    await online(c);
    await sim.stopAppWs();
    await until(() => c.status.state === 'waiting' || c.status.state === 'connecting', 3000, 'the drop noticed');
    await new Promise((r) => setTimeout(r, 300));
    await sim.startAppWs();
    await online(c);
    await settled();
    assert.ok(c.stats.connects >= 2);
    for (let i = 0; i < 10; i++) sim.reportProperties(LAMP, i % 2 ? 'D001' : 'D003', { brightness: i });
    await until(() => a.got.length === 10, 3000, 'ten reports');
    assert.deepEqual(a.got.map((m) => m.data.kv), Array.from({ length: 10 }, (_, i) => ({ brightness: String(i) })));
  });

  it('the heartbeat keeps an idle channel open past the server\'s silence limit (40 s / 130 s, a hundred times faster)', async () => {
    sim.appWs.silenceLimitMs = 1300;
    const beating = channel({ timing: { ...QUICK, heartbeatMs: 400 } });
    beating.acquire(recorder([D('D001')]).sub);
    await online(beating);
    // 2.8 s here is 280 s there: twice the limit.
    await new Promise((r) => setTimeout(r, 2800));
    assert.equal(sim.appWs.counters.timedOut, 0);
    assert.equal(sim.appWs.counters.connections, 1);
    assert.equal(beating.status.state, 'online');

    // The same without a heartbeat in time is dropped: the check above can fail.
    const silent = channel({ timing: { ...QUICK, heartbeatMs: 60_000 } });
    silent.acquire(recorder([D('D001')]).sub);
    await until(() => sim.appWs.counters.timedOut === 1, 4000, 'the silent channel dropped');
  });

  it('a flood is bounded: the oldest waiting messages are dropped and counted, the rest delivered in order', async () => {
    const c = channel({ maxQueue: 50 });
    const a = recorder([D('D003')], ['MEVENT-INFO']);
    let biggest = 0;
    const sub = { ...a.sub, onMessage: (m: AppChannelMessage) => {
      biggest = Math.max(biggest, c.stats.queued);
      a.got.push(m);
    } };
    let droppedSeen = 0;
    c.acquire({ ...sub, onDropped: (n) => (droppedSeen = n) });
    await online(c);
    await settled();
    const total = 3000;
    for (let i = 0; i < total; i++) {
      sim.publish({ productKey: LAMP, deviceKey: 'D003', type: 'MEVENT', subtype: 'INFO', createdAt: Date.now(), ticket: `f-${i}`, data: { packetId: i, code: 'lampFault', kv: { pad: 'x'.repeat(100) } } });
    }
    await until(() => a.got.length + c.stats.dropped === total, 10_000, 'every message delivered or dropped');
    assert.ok(c.stats.dropped > 0, 'some were dropped');
    assert.equal(droppedSeen, c.stats.dropped);
    assert.ok(biggest <= 50, `at most 50 waiting, saw ${biggest}`);
    const order = a.got.map((m) => Number(m.ticket.slice(2)));
    assert.deepEqual(order, [...order].sort((x, y) => x - y), 'in order');
    assert.equal(order[order.length - 1], total - 1, 'the newest kept');
  });

  it('sends commands and resolves with the acknowledgement; a refusal rejects with the vendor\'s code; nothing is sent while closed', async () => {
    const c = channel();
    await assert.rejects(c.send(D('D003'), { type: 'RAW', raw: 'x' }), { code: 'ECONNRESET' });
    const a = recorder([D('D003')], ['MATTR-REPORT']);
    c.acquire(a.sub);
    await online(c);
    const ack = await c.send(D('D003'), { type: 'WRITE-ATTR', kv: JSON.stringify([{ id: 2, name: 'brightness', type: 'INT', value: '70' }]) });
    assert.equal(ack.status, 'succ');
    assert.equal(ack.deviceKey, 'D003');
    assert.ok(ack.msgId > 0);
    await until(() => a.got.length === 1, 3000, 'the report');
    assert.deepEqual(a.got[0].data.kv, { brightness: '70' });
    await assert.rejects(c.send(D('D001'), { type: 'WRITE-ATTR', kv: '[{"name":"brightness","value":"1"}]' }), { code: 4030, refusal: true });
    await assert.rejects(c.send(D('NOT-MINE'), { type: 'RAW', raw: 'x' }), { code: 4011 });
  });

  it('closes its connection when the last subscriber leaves, and opens again for a new one', async () => {
    const c = channel();
    const one = c.acquire(recorder([D('D001')]).sub);
    const two = c.acquire(recorder([D('D003')]).sub);
    await online(c);
    one.release();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(sim.appWs.connections().open, 1);
    two.release();
    await until(() => sim.appWs.connections().open === 0, 3000, 'the connection closed');
    assert.equal(c.status.state, 'idle');
    assert.equal(c.holders, 0);
    c.acquire(recorder([D('D001')]).sub);
    await online(c);
  });

  it('gives up a connection that does not answer within the connect timeout, and tries again', async () => {
    const sockets = new Set<Socket>();
    const mute: Server = createServer((s) => sockets.add(s));
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
    try {
      const port = (mute.address() as { port: number }).port;
      const c = channel({ url: `wss://127.0.0.1:${port}/ws/v1`, timing: { ...QUICK, connectTimeoutMs: 300 } });
      const a = recorder([D('D001')]);
      c.acquire(a.sub);
      await until(() => a.states.some((s) => s.state === 'waiting'), 3000, 'a timeout');
      const waiting = a.states.find((s) => s.state === 'waiting')!;
      assert.equal(waiting.code, 'ETIMEDOUT');
      await until(() => c.stats.connects >= 2, 3000, 'another attempt');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => mute.close(r));
    }
  });
});
