// quectel-events with a Quectel App account in the real runtime, against the
// simulator's App WebSocket: each kind of device message arrives once, typed;
// a token that lapses mid-stream and a server restart lose nothing pushed
// after the channel is back; the heartbeat keeps an idle channel open past
// the server's silence limit; a refused token never counts as a refused
// password; a device not bound to the user is reported once; the account's
// events nodes share one connection, closed with the last of them.
import assert from 'node:assert/strict';
import { APP_EVENTS_TIMING } from '../../nodes/app-channels';
import type { AccountNode } from '../../nodes/red';
import type { SessionEvent } from '../../lib/session';
import { processRefusals } from '../../lib/lockout';
import type { Simulator } from '../../simulator';
import { ACCOUNT_IDS, ALL_NODES, RED_PACKAGE, accounts, coreNode, helper, useRuntime } from '../support/red';

const LAMP = 'p11pLZ';
const APP_LOGIN = '/v2/enduser/enduserapi/phonePwdLogin';
/** Quick reconnects, so a test does not wait for the real backoff. */
const QUICK = { backoffBaseMs: 50, backoffMaxMs: 300, connectTimeoutMs: 3000 };

interface StatusCall {
  fill?: string;
  shape?: string;
  text?: string;
}
type Msg = Record<string, unknown> & { topic: string; payload: Record<string, unknown>; event: Record<string, unknown> };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe(`quectel-events with an App account (${RED_PACKAGE})`, function () {
  this.timeout(60_000);
  let sim: Simulator;
  useRuntime((s) => (sim = s), { appWs: true });

  let received: Msg[] = [];
  let caught: Record<string, unknown>[] = [];
  let sessionEvents: SessionEvent[] = [];

  /** Records other suites left in the process-wide store: only this test's own are counted. */
  let recordsBefore = 0;
  beforeEach(() => {
    Object.assign(APP_EVENTS_TIMING, QUICK);
    recordsBefore = refusals().size;
  });
  afterEach(async () => {
    await helper.unload();
    sim.reset();
    for (const key of Object.keys(APP_EVENTS_TIMING)) delete (APP_EVENTS_TIMING as Record<string, unknown>)[key];
  });

  /** The App account on the simulator's App WebSocket, events nodes `ev` (and more) wired to `out`. */
  async function load(nodes: Record<string, unknown>[] = [{}], password?: string): Promise<void> {
    const acc = accounts(sim, { 'quectel-app': { wsUrl: sim.appWsUrl } });
    if (password !== undefined) Object.assign(acc.credentials[ACCOUNT_IDS['quectel-app']], { password });
    const flow = [
      { id: 'tab', type: 'tab', label: 'events' },
      ...acc.nodes,
      { id: 'tls', type: 'tls-config', name: 'simulator CA', cert: '', key: '', ca: '', verifyservercert: true },
      ...nodes.map((settings, i) => ({ id: i === 0 ? 'ev' : `ev${i}`, z: 'tab', type: 'quectel-events', name: '', account: ACCOUNT_IDS['quectel-app'], devices: [], types: '', tls: 'tls', wires: [['out']], ...settings })),
      { id: 'out', z: 'tab', type: 'helper' },
      { id: 'catcher', z: 'tab', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'tab', type: 'helper' },
    ];
    received = [];
    caught = [];
    sessionEvents = [];
    await helper.load([...ALL_NODES, coreNode('network/05-tls.js')], flow, { ...acc.credentials, tls: { cadata: sim.appWsCa } });
    (helper.getNode(ACCOUNT_IDS['quectel-app']) as unknown as AccountNode).watch((e) => sessionEvents.push(e));
    helper.getNode('out').on('input', ((m: Msg) => received.push(m)) as never);
    helper.getNode('caught').on('input', ((m: Record<string, unknown>) => caught.push(m)) as never);
  }

  function statuses(id = 'ev'): StatusCall[] {
    return helper.getNode(id).status.getCalls().map((c) => c.args[0] as StatusCall);
  }
  /** Online, and the server has every device of the user subscribed (a message pushed before would not be delivered). */
  async function ready(id = 'ev'): Promise<void> {
    await until('connected', () => /^connected/.test(statuses(id).at(-1)?.text ?? '') && sim.appWs.connections().loggedIn > 0);
    await sleep(300);
  }
  /** The runtime has no user directory here: refused logins are counted in the process's store. */
  const refusals = () => (processRefusals as unknown as { records: Map<string, unknown> }).records;
  const refusalCount = () => refusals().size - recordsBefore;
  const tickets = () => received.map((m) => String(m.event.ticket));

  it('a property change, online/offline, an event and a raw uplink each arrive once, typed, with the envelope', async () => {
    await load();
    await ready();
    assert.equal(statuses().at(-1)?.text, 'connected');
    sim.setDeviceOnline(LAMP, 'D001', true);
    sim.reportProperties(LAMP, 'D001', { brightness: 12, switch: true });
    sim.publish({ productKey: LAMP, deviceKey: 'D003', type: 'MEVENT', subtype: 'ERROR', createdAt: Date.now(), ticket: 'evt-1', data: { packetId: 1, code: 'lampFault', kv: {} } });
    sim.publish({ productKey: LAMP, deviceKey: 'D003', type: 'RAW', subtype: 'UPLINK', createdAt: Date.now(), ticket: 'raw-1', data: { packetId: 2, raw: 'AQI=' } });
    sim.setDeviceOnline(LAMP, 'D001', false);
    await until('five messages', () => received.length >= 5);
    await sleep(300);
    assert.deepEqual(received.map((m) => m.topic), [`${LAMP}/D001/ONLINE`, `${LAMP}/D001/MATTR`, `${LAMP}/D003/MEVENT`, `${LAMP}/D003/RAW`, `${LAMP}/D001/ONLINE`]);
    assert.equal(new Set(tickets()).size, 5, 'each once');
    const report = received[1];
    // Pushed as text, typed from the thing model.
    assert.equal((report.event.data as { kv: Record<string, unknown> }).kv.brightness, '12');
    assert.deepEqual(report.payload.kv, { brightness: 12, switch: true });
    assert.equal(report.event.subtype, 'REPORT');
    assert.deepEqual(received[0].payload, received[0].event.data);
    assert.equal(received[3].payload.raw, 'AQI=');
    assert.equal(caught.length, 0);
  });

  it('chosen devices and types only; a device not bound to the user is reported once on Catch and in the status', async () => {
    await load([{ devices: [{ productKey: LAMP, deviceKey: 'D001' }, { productKey: LAMP, deviceKey: 'NOT-MINE' }], types: 'MATTR-REPORT' }]);
    await until('the refusal', () => caught.length === 1);
    await ready();
    sim.setDeviceOnline(LAMP, 'D001', true);
    sim.setDeviceOnline(LAMP, 'D003', true);
    sim.reportProperties(LAMP, 'D003', { brightness: 1 });
    sim.reportProperties(LAMP, 'D001', { brightness: 2 });
    await until('one report', () => received.length === 1);
    await sleep(300);
    assert.deepEqual(received.map((m) => m.topic), [`${LAMP}/D001/MATTR`]);
    assert.match(String((caught[0].error as { message: string }).message), /4011/);
    assert.deepEqual(caught[0].payload, { productKey: LAMP, deviceKey: 'NOT-MINE', code: 4011, message: (caught[0].payload as { message: string }).message });
    assert.match(String(statuses().at(-1)?.text), /1 refused/);
    // Across a reconnect the refusal is not reported again.
    await sim.stopAppWs();
    await sim.startAppWs();
    await ready();
    await sleep(300);
    assert.equal(caught.length, 1);
  });

  it('a token that lapses mid-stream and a server restart lose nothing pushed after the channel is back; no password refusal is counted', async () => {
    await load();
    await ready();
    sim.setDeviceOnline(LAMP, 'D001', true);
    await until('online', () => received.length === 1);
    const loginsBefore = sim.counters.requests[APP_LOGIN] ?? 0;

    sim.faults.expireAllTokens('quectel-app');
    await until('the channel refused the token', () => sim.appWs.counters.refusedTokens > 0);
    await until('a new login', () => (sim.counters.requests[APP_LOGIN] ?? 0) > loginsBefore);
    await ready();
    for (let i = 0; i < 5; i++) sim.reportProperties(LAMP, 'D001', { brightness: i });
    await until('five reports', () => received.length === 6);

    await sim.stopAppWs();
    await until('waiting', () => statuses().at(-1)?.fill === 'yellow');
    await sim.startAppWs();
    await ready();
    for (let i = 0; i < 5; i++) sim.reportProperties(LAMP, 'D001', { brightness: 50 + i });
    await until('five more', () => received.length === 11);
    await sleep(300);
    assert.equal(received.length, 11);
    assert.deepEqual(received.slice(1).map((m) => m.payload.kv), [0, 1, 2, 3, 4, 50, 51, 52, 53, 54].map((brightness) => ({ brightness })));
    assert.ok(!sessionEvents.some((e) => e.type === 'login-failed'), 'no login refused');
    assert.equal(refusalCount(), 0, 'nothing counted toward the cap');
  });

  it('a channel that refuses every token gets no stream of logins, and never counts toward the password cap', async () => {
    await load();
    await ready();
    const loginsBefore = sim.counters.requests[APP_LOGIN] ?? 0;
    const started = Date.now();
    // Every token the channel sees refused, for two seconds.
    const refuse = setInterval(() => sim.faults.expireAllTokens('quectel-app'), 20);
    try {
      await sleep(2000);
    } finally {
      clearInterval(refuse);
    }
    const logins = (sim.counters.requests[APP_LOGIN] ?? 0) - loginsBefore;
    const seconds = (Date.now() - started) / 1000;
    assert.ok(sim.appWs.counters.refusedTokens >= 2, `refusals: ${sim.appWs.counters.refusedTokens}`);
    // At most one token dropped every 5 s at the channel's word (the client's own calls may log in too).
    assert.ok(logins <= Math.ceil(seconds / 5) + 1, `${logins} logins in ${seconds} s`);
    assert.ok(statuses().some((s) => s.fill === 'red' && /token refused/.test(s.text ?? '')), 'the status says the token was refused');
    assert.ok(!sessionEvents.some((e) => e.type === 'login-failed'), 'no login refused');
    assert.equal(refusalCount(), 0, 'nothing counted toward the cap');
    // And it comes back.
    await ready();

    // The count the checks above read is the one a wrong password goes to: they can fail.
    await helper.unload();
    await load([{}], 'not-the-password');
    await until('a refused login counted', () => refusalCount() === 1);
    refusals().clear();
  });

  it('the heartbeat keeps an idle channel open past the silence limit (40 s / 130 s, a hundred times faster)', async () => {
    sim.appWs.silenceLimitMs = 1300;
    APP_EVENTS_TIMING.heartbeatMs = 400;
    try {
      await load();
      await ready();
      await sleep(2800);
      assert.equal(sim.appWs.counters.timedOut, 0);
      assert.equal(sim.appWs.counters.connections, 1);
      assert.equal(statuses().at(-1)?.fill, 'green');
      // Without a heartbeat in time the same channel is dropped: the check above can fail.
      await helper.unload();
      APP_EVENTS_TIMING.heartbeatMs = 60_000;
      await load();
      await until('dropped for silence', () => sim.appWs.counters.timedOut === 1, 5000);
    } finally {
      sim.appWs.silenceLimitMs = 130_000;
    }
  });

  it('two events nodes on one account share one connection; closing the last closes it', async () => {
    await load([{ types: 'ONLINE' }, { types: 'ONLINE' }]);
    await ready('ev');
    await ready('ev1');
    assert.equal(sim.appWs.counters.connections, 1);
    assert.deepEqual(sim.appWs.connections(), { open: 1, loggedIn: 1 });
    sim.setDeviceOnline(LAMP, 'D001', true);
    await until('both nodes', () => received.length === 2);
    await helper.unload();
    await until('closed', () => sim.appWs.connections().open === 0, 5000);
  });

  it('follows the devices bound and unbound while it runs', async () => {
    await load([{ types: 'ONLINE' }]);
    await ready();
    sim.appWs.bindDevice(LAMP, 'NEW001');
    await sleep(500);
    sim.setDeviceOnline(LAMP, 'NEW001', true);
    await until('the new device', () => received.some((m) => m.topic === `${LAMP}/NEW001/ONLINE`));
    sim.appWs.unbindDevice(LAMP, 'NEW001');
    await sleep(300);
    const before = received.length;
    sim.setDeviceOnline(LAMP, 'NEW001', false);
    await sleep(300);
    assert.equal(received.length, before);
  });
});
