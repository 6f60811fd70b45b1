// The scene node in the real Node-RED runtime against the simulator over HTTP
// on loopback: scenes of the current family, a run whose devices take their
// values, a run that fails on one device reaching the Catch node with the
// failed devices, and an automation turned off.
import assert from 'node:assert/strict';
import type { Simulator } from '../../simulator';
import { RED_PACKAGE, helper, useRuntime } from '../support/red';
import { FlowHarness, type Outcome } from '../support/harness';

function ok(o: Outcome, what: string): NonNullable<Outcome['msg']> {
  assert.equal(o.error, undefined, `${what}: ${JSON.stringify(o.error)}`);
  assert.ok(o.msg, `${what}: no output`);
  return o.msg;
}

describe(`Quectel scenes in the Node-RED runtime (${RED_PACKAGE})`, function () {
  this.timeout(30_000);
  let sim: Simulator;
  const h = new FlowHarness(() => sim);
  useRuntime((s) => (sim = s));

  const account = 'acc-quectel-app';
  before(() => h.load([
    { id: 'scene-lists', type: 'quectel-scene', account, operation: 'listScenes', output: 'all' },
    { id: 'scene-run', type: 'quectel-scene', account, operation: 'executeScene', sceneId: 's0002', sceneIdType: 'str' },
  ]));
  after(() => helper.unload());
  beforeEach(() => sim.reset());

  it('lists the scenes of the current family, and one scene\'s devices', async () => {
    const msg = ok(await h.send('scene-lists', { payload: {} }), 'listScenes');
    assert.deepEqual((msg.payload as { sceneInfo: { sceneId: string } }[]).map((s) => s.sceneInfo.sceneId), ['s0001', 's0002']);
    const office = ok(await h.send('scene-lists', { payload: { fid: 'f0002' } }), 'listScenes of the office');
    assert.deepEqual((office.payload as { sceneInfo: { name: string } }[]).map((s) => s.sceneInfo.name), ['Meeting']);
  });

  it('runs a scene: its devices take the values', async () => {
    for (const dk of ['D003', 'D006']) sim.state.shadows.get(`p11pLZ/${dk}`)!.values.switch = true;
    const msg = ok(await h.send('scene-run', { payload: {} }), 'executeScene');
    assert.equal((msg.payload as { executeResult: boolean }).executeResult, true);
    assert.equal(sim.state.shadows.get('p11pLZ/D006')?.values.switch, false);
    assert.equal(sim.state.shadows.get('p11pLZ/D003')?.values.switch, false);
  });

  it('a scene that failed on a device reaches the Catch node with the failed devices on msg.payload', async () => {
    const o = await h.send('scene-run', { payload: { sceneId: 's0001' } });
    assert.equal(o.msg, undefined, 'nothing on the output');
    assert.equal(o.error?.code, 'DEVICE_FAILED', o.error?.message);
    const failed = o.caughtMsg?.payload as { productKey: string; deviceKey: string; reason: string }[];
    assert.deepEqual(failed.map((f) => `${f.productKey}/${f.deviceKey}`), ['p11pLZ/D001']);
    assert.equal(sim.state.shadows.get('p11pLZ/D003')?.values.brightness, 30, 'the online device took its value');
  });

  it('lists the automations and turns one off', async () => {
    const list = ok(await h.send('scene-lists', { operation: 'listAutomations', payload: { page: 1, pageSize: 10 } }), 'listAutomations');
    assert.deepEqual((list.payload as { automationId: number }[]).map((a) => a.automationId), [7001, 7002]);
    ok(await h.send('scene-lists', { operation: 'setAutomation', payload: { automationId: 7001, enabled: false } }), 'setAutomation');
    assert.equal(sim.state.automations.find((a) => a.automationId === 7001)?.status, false);
    const refused = await h.send('scene-lists', { operation: 'setAutomation', payload: { automationId: 7001 } });
    assert.equal(refused.error?.code, 'INVALID_INPUT', 'enabled is required');
  });
});
