// Settings carry a version: flows saved before (version 0, today's names) still
// deploy and behave the same, and a renamed setting carries the user's value over.
import assert from 'node:assert/strict';
import { migrateSettings } from '../../nodes/action-node';
import { NODE_SPECS, nodeSpec, type ActionNodeSpec } from '../../nodes/specs';
import type { Simulator } from '../../simulator';
import { RED_PACKAGE, helper, useRuntime } from '../support/red';
import { FlowHarness } from '../support/harness';

describe('settings migrations', () => {
  const renamed: ActionNodeSpec = { ...nodeSpec('quectel-list-devices'), migrations: [{}, { pkList: 'productKeys' }] };

  it('every node is at a version of its own, and version 0 is the flow saved without one', () => {
    for (const spec of NODE_SPECS) {
      assert.ok(spec.migrations.length >= 1, spec.type);
      const { settings } = migrateSettings(spec, { id: 'n', type: spec.type });
      assert.equal(settings.settingsVersion, spec.migrations.length);
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
    await h.load(old.map((n) => ({ ...n, settingsVersion: nodeSpec(n.type).migrations.length, ...(n.codeTypeType ? { codeTypeType: 'choice' } : {}), ...(n.paramTypeType ? { paramTypeType: 'choice' } : {}) })));
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
