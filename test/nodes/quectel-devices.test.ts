// Controlling Quectel devices and reading their state, in the real Node-RED
// runtime against the simulator over HTTP on loopback, with App and SaaS
// accounts: each write is read back through the state node, bad values are
// refused before anything is sent, and a partly failed control call reaches
// the Catch node with every device's result. With a SaaS account also: a
// device's resources and location, a read that devices answer by reporting,
// a product's detail and a new device.
import assert from 'node:assert/strict';
import type { Simulator } from '../../simulator';
import { RED_PACKAGE, helper, useRuntime } from '../support/red';
import { FlowHarness, sleep, type Outcome } from '../support/harness';

/** Online in the simulator's seed: App p11pLZ D003, D006; SaaS p11v14 SW000001, SW000003. Offline: D001, SW000002. */
const APP = { account: 'acc-quectel-app', productKey: 'p11pLZ', online: ['D003', 'D006'], offline: 'D001' };
const SAAS = { account: 'acc-quectel-saas', productKey: 'p11v14', online: ['SW000001', 'SW000003'], offline: 'SW000002' };

function ok(o: Outcome, what: string): NonNullable<Outcome['msg']> {
  assert.equal(o.error, undefined, `${what}: ${JSON.stringify(o.error)}`);
  assert.ok(o.msg, `${what}: no output`);
  return o.msg;
}

function failed(o: Outcome, code: string | number, what: string): NonNullable<Outcome['error']> {
  assert.equal(o.msg, undefined, `${what}: sent on the output`);
  assert.ok(o.error, `${what}: no error`);
  assert.equal(o.error.code, code, `${what}: ${o.error.message}`);
  return o.error;
}

describe(`Quectel device control and state in the Node-RED runtime (${RED_PACKAGE})`, function () {
  this.timeout(30_000);
  let sim: Simulator;
  const h = new FlowHarness(() => sim);
  useRuntime((s) => (sim = s));

  const nodes = [APP, SAAS].flatMap((p) => [
    { id: `control-${p.account}`, type: 'quectel-control-device', account: p.account, productKey: p.productKey, productKeyType: 'str' },
    { id: `state-${p.account}`, type: 'quectel-device-state', account: p.account, productKey: p.productKey, productKeyType: 'str' },
  ]);
  before(() => h.load(nodes));
  after(() => helper.unload());
  beforeEach(() => sim.reset());

  const controlPaths = () => sim.requests.filter((r) => /batchControlDevice|openapi\/dm\/|raw\/sendData/.test(r.path));

  for (const p of [APP, SAAS]) {
    describe(p.account, () => {
      const control = `control-${p.account}`;
      const state = `state-${p.account}`;
      const [first, second] = p.online;

      it('writes properties, and the state node reads them back typed from the thing model, with the device\'s details', async () => {
        const msg = ok(await h.send(control, { payload: { deviceKey: first, data: { switch: true, brightness: 37 } } }), 'writeProperties');
        const results = msg.payload as { productKey: string; deviceKey: string; ok: boolean; ticket?: string }[];
        assert.equal(results.length, 1);
        assert.deepEqual({ ...results[0], ticket: undefined }, { productKey: p.productKey, deviceKey: first, ok: true, ticket: undefined });
        assert.match(String(results[0].ticket), /\S/, 'a ticket');

        const read = ok(await h.send(state, { payload: { deviceKey: first } }), 'latest');
        const values = read.payload as Record<string, unknown>;
        assert.equal(values.switch, true);
        assert.equal(values.brightness, 37);
        const device = read.device as { online: boolean; deviceKey: string; lastSeen: number | null };
        assert.equal(device.online, true);
        assert.equal(device.deviceKey, first);
        assert.equal(typeof device.lastSeen, 'number');

        const some = ok(await h.send(state, { payload: { deviceKey: first, codes: ['brightness'] } }), 'latest, one code');
        assert.deepEqual(some.payload, { brightness: 37 });
      });

      it('controls several devices at once: one result per device in the order given', async () => {
        const msg = ok(await h.send(control, { payload: { devices: [second, { productKey: p.productKey, deviceKey: first }], data: { brightness: 5 } } }), 'two devices');
        assert.deepEqual((msg.payload as { deviceKey: string; ok: boolean }[]).map((r) => [r.deviceKey, r.ok]), [[second, true], [first, true]]);
        for (const dk of [first, second]) {
          assert.equal((ok(await h.send(state, { payload: { deviceKey: dk } }), dk).payload as Record<string, unknown>).brightness, 5);
        }
      });

      it('a device that fails sends the message to Catch as DEVICE_FAILED, with every device\'s result on msg.payload', async () => {
        const o = await h.send(control, { payload: { devices: [first, p.offline], data: { switch: false } } });
        const error = failed(o, 'DEVICE_FAILED', 'one offline device');
        assert.match(error.message, new RegExp(`1 of 2 devices failed \\(${p.productKey}/${p.offline}: `));
        const results = o.caughtMsg!.payload as { deviceKey: string; ok: boolean; message?: string }[];
        assert.deepEqual(results.map((r) => [r.deviceKey, r.ok]), [[first, true], [p.offline, false]]);
        assert.ok(results[1].message, 'the failed device says why');
        assert.equal((ok(await h.send(state, { payload: { deviceKey: first } }), 'read').payload as Record<string, unknown>).switch, false, 'the online device was switched');
      });

      it('refuses values the thing model does not allow, naming the property, and sends nothing', async () => {
        const cases: [Record<string, unknown>, RegExp][] = [
          [{ brightness: 101 }, /: data\.brightness must be between 0 and 100/],
          [{ switch: 'on' }, /: data\.switch must be true or false/],
          [{ power: 3 }, /: data\.power is read-only/],
          [{ nope: 1 }, /: data\.nope is not in the product's thing model \(it has switch, brightness/],
          [{}, /: data \(Data\) is required/],
        ];
        for (const [data, message] of cases) {
          const error = failed(await h.send(control, { payload: { devices: [first, second], data } }), 'INVALID_INPUT', JSON.stringify(data));
          assert.match(error.message, message);
        }
        assert.equal(failed(await h.send(control, { payload: { devices: [first, first], data: { switch: true } } }), 'INVALID_INPUT', 'twice').message.includes(': devices (Devices) names'), true);
        assert.deepEqual(controlPaths(), [], 'no control call was sent');
      });

      it('calls a service with parameters checked against the thing model, and sends raw data', async () => {
        const service = p === APP ? { service: 'blink', params: { times: 3 } } : { service: 'countdown', params: { seconds: 30 } };
        const msg = ok(await h.send(control, { operation: 'callService', payload: { deviceKey: first, data: service } }), 'callService');
        assert.equal((msg.payload as { ok: boolean }[])[0].ok, true);
        const badParam = { ...service, params: Object.fromEntries(Object.keys(service.params).map((k) => [k, 0])) };
        failed(await h.send(control, { operation: 'callService', payload: { deviceKey: first, data: badParam } }), 'INVALID_INPUT', 'param out of range');
        failed(await h.send(control, { operation: 'callService', payload: { deviceKey: first, data: { service: 'selfDestruct' } } }), 'INVALID_INPUT', 'unknown service');

        const raw = ok(await h.send(control, { operation: 'sendRaw', payload: { deviceKey: first, data: '01A2FF', dataFormat: 'hex' } }), 'sendRaw');
        assert.equal((raw.payload as { ok: boolean }[])[0].ok, true);
        failed(await h.send(control, { operation: 'sendRaw', payload: { deviceKey: first, data: '0xZZ', dataFormat: 'hex' } }), 'INVALID_INPUT', 'not hex');
        failed(await h.send(control, { operation: 'sendRaw', payload: { deviceKey: first, data: 'hi' } }), 'INVALID_INPUT', 'no dataFormat');
      });

      it('reads one property\'s history over a time range, oldest first', async () => {
        const from = Date.now() - 1000;
        for (const level of [10, 20, 30]) ok(await h.send(control, { payload: { deviceKey: first, data: { brightness: level } } }), `write ${level}`);
        const msg = ok(await h.send(state, { operation: 'history', payload: { deviceKey: first, code: 'brightness', startTime: from, endTime: Date.now() + 1000 } }), 'history');
        const points = msg.payload as { time: number; value: unknown }[];
        assert.deepEqual(points.map((x) => x.value), [10, 20, 30]);
        assert.ok(points.every((x, i) => x.time >= from && (i === 0 || x.time >= points[i - 1].time)), JSON.stringify(points));
        failed(await h.send(state, { operation: 'history', payload: { deviceKey: first, code: 'nope', startTime: from, endTime: Date.now() } }), 'INVALID_INPUT', 'unknown code');
      });
    });
  }
});

describe(`quectel-device-state watch mode (${RED_PACKAGE})`, function () {
  this.timeout(40_000);
  let sim: Simulator;
  const h = new FlowHarness(() => sim);
  useRuntime((s) => (sim = s));
  beforeEach(() => sim.reset());
  afterEach(() => helper.unload());

  it('sends every value first, then only the values that changed with their old values, topic <productKey>/<deviceKey>', async () => {
    const seen: Record<string, unknown>[] = [];
    await h.load([{
      id: 'watch', type: 'quectel-device-state', account: SAAS.account, productKey: SAAS.productKey, productKeyType: 'str',
      deviceKey: SAAS.online[0], deviceKeyType: 'str', watch: true, interval: 5,
    }]);
    helper.getNode('out').on('input', ((m: Record<string, unknown>) => seen.push(m)) as never);
    await sleep(1500);
    assert.equal(seen.length, 1, `the first read; status ${JSON.stringify(h.statuses('watch'))}`);
    assert.equal(seen[0].topic, `${SAAS.productKey}/${SAAS.online[0]}`);
    const first = seen[0].payload as Record<string, unknown>;
    assert.ok('switch' in first && 'brightness' in first, JSON.stringify(first));

    sim.reportProperties(SAAS.productKey, SAAS.online[0], { brightness: 64 });
    await sleep(5500);
    assert.equal(seen.length, 2, 'one message for the change');
    assert.deepEqual(seen[1].payload, { brightness: 64 });
    assert.deepEqual(seen[1].previous, { brightness: first.brightness });
    assert.equal((seen[1].device as { online: boolean }).online, true);

    await sleep(5500);
    assert.equal(seen.length, 2, 'nothing while nothing changes');
  });

  it('refuses an interval under 5 seconds and a history watch, sending nothing', async () => {
    await h.load([
      { id: 'fast', type: 'quectel-device-state', account: SAAS.account, productKey: SAAS.productKey, productKeyType: 'str', deviceKey: SAAS.online[0], deviceKeyType: 'str', watch: true, interval: 4 },
      { id: 'watch-history', type: 'quectel-device-state', account: SAAS.account, operation: 'history', productKey: SAAS.productKey, productKeyType: 'str', deviceKey: SAAS.online[0], deviceKeyType: 'str', watch: true, interval: 5 },
    ]);
    await sleep(1500);
    assert.equal(sim.requests.length, 0);
    for (const id of ['fast', 'watch-history']) assert.equal(h.statuses(id).at(-1)?.fill, 'red', id);
  });
});

describe(`Quectel SaaS resources, location, reads and new devices in the Node-RED runtime (${RED_PACKAGE})`, function () {
  this.timeout(30_000);
  let sim: Simulator;
  const h = new FlowHarness(() => sim);
  useRuntime((s) => (sim = s));
  before(() => h.load([
    { id: 'saas-state', type: 'quectel-device-state', account: SAAS.account, productKey: 'p11w22', productKeyType: 'str' },
    { id: 'saas-control', type: 'quectel-control-device', account: SAAS.account, productKey: SAAS.productKey, productKeyType: 'str', operation: 'readProperties' },
    { id: 'app-control', type: 'quectel-control-device', account: APP.account, productKey: APP.productKey, productKeyType: 'str' },
    { id: 'saas-list', type: 'quectel-list-devices', account: SAAS.account, productKey: SAAS.productKey, productKeyType: 'str', output: 'all' },
  ]));
  after(() => helper.unload());
  beforeEach(() => sim.reset());

  it('the state node reads a device\'s resources and its latest location', async () => {
    const resource = ok(await h.send('saas-state', { operation: 'resource', payload: { deviceKey: 'TH000001' } }), 'resource').payload as { deviceKey: string; battery: unknown };
    assert.equal(resource.deviceKey, 'TH000001');
    assert.equal(resource.battery, sim.state.shadows.get('p11w22/TH000001')?.values.battery);
    const where = ok(await h.send('saas-state', { operation: 'location', payload: { deviceKey: 'TH000005' } }), 'location').payload as { locateType: string; wgsLng: number };
    assert.equal(where.locateType, 'LBS');
    assert.equal(typeof where.wgsLng, 'number');
    failed(await h.send('saas-state', { operation: 'location', payload: { deviceKey: 'TH999999' } }), 70130, 'an unknown device');
  });

  it('the control node asks devices to report: the answer per device, the values as subscription messages', async () => {
    const reports: { subtype?: string; data: { kv?: Record<string, unknown> } }[] = [];
    const listener = (m: (typeof reports)[number]) => reports.push(m);
    sim.subscription.on('message', listener);
    try {
      const msg = ok(await h.send('saas-control', { payload: { deviceKey: SAAS.online[0], codes: ['switch', 'power'] } }), 'readProperties');
      assert.deepEqual((msg.payload as { ok: boolean }[]).map((r) => r.ok), [true]);
    } finally {
      sim.subscription.off('message', listener);
    }
    assert.deepEqual(reports.filter((m) => m.subtype === 'READRESP').map((m) => Object.keys(m.data.kv ?? {})), [['switch', 'power']]);

    const before = sim.requests.length;
    failed(await h.send('saas-control', { payload: { deviceKey: SAAS.online[0], codes: 'nope' } }), 'INVALID_INPUT', 'an unknown code');
    failed(await h.send('saas-control', { payload: { deviceKey: SAAS.online[0] } }), 'INVALID_INPUT', 'no codes');
    failed(await h.send('app-control', { operation: 'readProperties', payload: { deviceKey: APP.online[0], codes: 'switch' } }), 'INVALID_INPUT', 'an App account');
    const after = sim.requests.slice(before);
    assert.equal(after.filter((r) => r.path.endsWith('/dm/readData')).length, 0, 'no read was sent');
    assert.ok(after.length <= 1, 'at most the thing model was read');
  });

  it('the list node reads a product\'s detail and adds a device, in one message each whatever the Output setting', async () => {
    const detail = ok(await h.send('saas-list', { operation: 'productDetail', payload: {} }), 'productDetail').payload as { productKey: string; productName: string };
    assert.deepEqual([detail.productKey, detail.productName], [SAAS.productKey, '智能开关']);
    ok(await h.send('saas-list', { operation: 'createDevice', payload: { deviceKey: 'SWNODE01', deviceName: 'hall', psk: 'k3y-s3cret' } }), 'createDevice');
    const again = failed(await h.send('saas-list', { operation: 'createDevice', payload: { deviceKey: 'SWNODE01', psk: 'k3y-s3cret' } }), 70062, 'a key in use');
    assert.ok(!JSON.stringify(again).includes('k3y-s3cret'), 'the psk is not in the error');
    const all = ok(await h.send('saas-list', { payload: { deviceKey: 'SWNODE01' } }), 'list').payload as { deviceName: string }[];
    assert.deepEqual(all.map((d) => d.deviceName), ['hall']);
    failed(await h.send('saas-list', { operation: 'createDevice', payload: { deviceKey: 'bad key!' } }), 'INVALID_INPUT', 'a malformed key');
  });
});
