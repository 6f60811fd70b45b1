// Settings carry a version (nodes/migrations.ts): flows saved before (version 0,
// today's names) still deploy and behave the same, accounts and the events node
// included, and a renamed setting carries the user's value over.
import assert from 'node:assert/strict';
import { migrateSettings, settingsVersion, type Migration } from '../../nodes/migrations';
import { HAND_WRITTEN_TYPES, NODE_SPECS } from '../../nodes/specs';
import { DEMO_QUEUE, type Simulator } from '../../simulator';
import { ACCOUNT_IDS, ALL_NODES, RED_PACKAGE, accounts, coreNode, helper, useRuntime } from '../support/red';
import { FlowHarness } from '../support/harness';

describe('settings migrations', () => {
  const renamed: Migration[] = [{}, { pkList: 'productKeys' }];

  it('every node is at a version of its own, and version 0 is the flow saved without one', () => {
    for (const type of ['iot-openapi-account', ...NODE_SPECS.map((s) => s.type), ...HAND_WRITTEN_TYPES]) {
      assert.ok(settingsVersion(type) >= 1, type);
      const { settings } = migrateSettings([{}], { id: 'n', type });
      assert.equal(settings.settingsVersion, 1);
    }
  });

  it('a renamed setting keeps its value and its type, from any older version', () => {
    for (const from of [undefined, 0, 1]) {
      const { settings, newer } = migrateSettings(renamed, { settingsVersion: from, pkList: 'p11pLZ', pkListType: 'env', dk: 'D1' });
      assert.equal(settings.productKeys, 'p11pLZ', `from ${String(from)}`);
      assert.equal(settings.productKeysType, 'env');
      assert.equal('pkList' in settings, false);
      assert.equal(settings.dk, 'D1', 'the rest stays');
      assert.equal(newer, false);
    }
  });

  it('a value already under the new name is kept; settings of the current version are left alone', () => {
    assert.equal(migrateSettings(renamed, { settingsVersion: 0, pkList: 'old', productKeys: 'new' }).settings.productKeys, 'new');
    assert.equal(migrateSettings(renamed, { settingsVersion: 2, pkList: 'kept' }).settings.pkList, 'kept');
  });

  it('settings from a newer version are flagged', () => {
    assert.equal(migrateSettings(renamed, { settingsVersion: 7 }).newer, true);
  });
});

describe(`a flow saved before settings had a version (${RED_PACKAGE})`, function () {
  this.timeout(30_000);
  let sim: Simulator;
  const h = new FlowHarness(() => sim);

  useRuntime((s) => (sim = s), { fixedSmsCode: true });
  afterEach(() => helper.unload());

  // Today's property names as an earlier version saved them: no settingsVersion, types as then.
  const old = [
    { id: 'sms', type: 'quectel-send-sms', account: 'acc-quectel-app', phone: '13900000071', phoneType: 'str', codeType: '3', codeTypeType: 'num' },
    { id: 'list', type: 'quectel-list-devices', account: 'acc-quectel-saas', productKey: 'p11v14', productKeyType: 'str', deviceStatus: '1', deviceStatusType: 'num', output: 'all' },
    { id: 'screen', type: 'novastar-screen', account: 'acc-novastar', operation: 'fadeToBlack', screenId: '0', screenIdType: 'num', paramType: '0', paramTypeType: 'num' },
  ];

  it('deploys and gives the same answers as the same nodes saved today', async () => {
    await h.load(old);
    const before = [await h.send('sms', { payload: 1 }), await h.send('list', { payload: 1 }), await h.send('screen', { payload: 1 })];
    for (const o of before) assert.equal(o.error, undefined, JSON.stringify(o.error));
    assert.equal(sim.state.screens[0].ftb, 0, 'the screen faded to black');
    await helper.unload();
    sim.reset();
    // The same settings as today's editor saves them: a version, and choices as choices.
    await h.load(old.map((n) => ({ ...n, settingsVersion: settingsVersion(n.type), ...(n.codeTypeType ? { codeTypeType: 'choice' } : {}), ...(n.paramTypeType ? { paramTypeType: 'choice' } : {}) })));
    const after = [await h.send('sms', { payload: 1 }), await h.send('list', { payload: 1 }), await h.send('screen', { payload: 1 })];
    for (const [i, o] of after.entries()) {
      assert.equal(o.error, undefined, JSON.stringify(o.error));
      assert.deepEqual(o.msg!.openapi.path, before[i].msg!.openapi.path);
    }
    assert.deepEqual(after[1].msg!.payload, before[1].msg!.payload, 'the same devices');
    assert.equal(sim.state.screens[0].ftb, 0, 'the screen faded to black again');
    assert.equal(sim.state.smsCodes.has('13900000071'), true);
  });
});

describe(`an account and an events node saved before settings had a version (${RED_PACKAGE})`, function () {
  this.timeout(30_000);
  let sim: Simulator;
  useRuntime((s) => (sim = s), { amqp: true });
  afterEach(() => helper.unload());

  it('deploy and work: the account logs in and calls, the events node receives', async () => {
    const acc = accounts(sim);
    // As an earlier editor saved them: no settingsVersion, numbers as text.
    const old = acc.nodes.map((n) => ({ ...n, timeout: '5000', rateQueue: '100', tokenStore: 'local' }));
    for (const n of old) assert.equal('settingsVersion' in n, false);
    const flow = [
      { id: 'tab', type: 'tab', label: 'old' },
      ...old,
      { id: 'tls', type: 'tls-config', name: 'simulator CA', cert: '', key: '', ca: '', verifyservercert: true },
      { id: 'ev', z: 'tab', type: 'quectel-events', name: '', account: ACCOUNT_IDS['quectel-saas'], url: sim.amqpUrl, queue: DEMO_QUEUE, productKey: '', deviceKey: '', types: '', tls: 'tls', wires: [['out']] },
      { id: 'out', z: 'tab', type: 'helper' },
      { id: 'list', z: 'tab', type: 'quectel-list-devices', account: ACCOUNT_IDS['quectel-saas'], productKey: 'p11v14', productKeyType: 'str', output: 'page', wires: [['listed']] },
      { id: 'listed', z: 'tab', type: 'helper' },
    ];
    await helper.load([...ALL_NODES, coreNode('network/05-tls.js')], flow, { ...acc.credentials, tls: { cadata: sim.amqpCa } });
    const received: Record<string, unknown>[] = [];
    helper.getNode('out').on('input', ((m: Record<string, unknown>) => received.push(m)) as never);
    for (const id of Object.values(ACCOUNT_IDS)) assert.equal((helper.getNode(id) as unknown as { configError?: Error }).configError, undefined, id);
    const listed = new Promise<Record<string, unknown>>((resolve) => helper.getNode('listed').on('input', resolve as never));
    helper.getNode('list').receive({ payload: 1 } as never);
    assert.ok(((await listed).openapi as { path: string }).path.includes('/device/overview'));
    const connected = () => (helper.getNode('ev') as unknown as { status: { getCalls(): { args: [{ fill?: string }] }[] } }).status.getCalls().at(-1)?.args[0].fill === 'green';
    for (let i = 0; !connected(); i++) {
      if (i > 1500) throw new Error('the events node did not connect');
      await new Promise((r) => setTimeout(r, 10));
    }
    sim.publish({ productKey: 'p11pLZ', deviceKey: 'D0001', type: 'ONLINE', createdAt: Date.now(), ticket: 'tk-old-1', data: { value: 1 } });
    for (let i = 0; received.length === 0; i++) {
      if (i > 1500) throw new Error('no event came');
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(received[0].topic, 'p11pLZ/D0001/ONLINE');
  });
});
