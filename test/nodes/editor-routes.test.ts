// The editor's pickers in the real runtime against the simulator: the admin
// route fills a list from a saved account, takes JSON only, and reaches
// nothing but that account's own host.
import assert from 'node:assert/strict';
import { DEMO, type Simulator } from '../../simulator';
import { ALL_NODES, RED_PACKAGE, accounts, helper, useRuntime } from '../support/red';

describe(`picker route (${RED_PACKAGE})`, function () {
  this.timeout(30_000);
  let sim: Simulator;

  useRuntime((s) => (sim = s));
  beforeEach(async () => {
    sim.reset();
    const { nodes, credentials } = accounts(sim);
    await helper.load(ALL_NODES, [{ id: 'tab', type: 'tab' }, ...nodes, { id: 'other', z: 'tab', type: 'helper' }], credentials);
  });
  afterEach(() => helper.unload());

  const pick = (body: object) => helper.request().post('/iot-openapi-account/pick').send(body);
  const values = (answer: Record<string, unknown>) => (answer.items as { value: string; label: string }[]).map((i) => i.value);

  it('lists a processor\'s screens, and the presets of the screen chosen', async () => {
    const screens = (await pick({ account: 'acc-novastar', list: 'screens' })).body;
    assert.equal(screens.ok, true, JSON.stringify(screens));
    assert.deepEqual(values(screens), sim.state.screens.map((s) => String(s.screenId)));
    const presets = (await pick({ account: 'acc-novastar', list: 'presets', params: { screenId: 0, ignored: 'x' } })).body;
    assert.deepEqual(values(presets), sim.state.presets.filter((p) => p.screenId === 0).map((p) => String(p.presetId)));
    assert.ok((presets.items as { label: string }[]).every((i) => i.label !== ''), 'each preset has its name');
  });

  it('lists the layers of the screen chosen, the inputs and the backgrounds, each by the name under general', async () => {
    const items = (answer: Record<string, unknown>) => answer.items as { value: string; label: string }[];
    const layers = (await pick({ account: 'acc-novastar', list: 'layers', params: { screenId: 0 } })).body;
    assert.equal(layers.ok, true, JSON.stringify(layers));
    assert.deepEqual(items(layers), sim.state.layers.filter((l) => l.screenId === 0).map((l) => ({ value: String(l.layerId), label: l.name })));
    const inputs = (await pick({ account: 'acc-novastar', list: 'inputs' })).body;
    assert.deepEqual(items(inputs), sim.state.inputs.map((i) => ({ value: String(i.inputId), label: i.name })));
    const backgrounds = (await pick({ account: 'acc-novastar', list: 'backgrounds' })).body;
    assert.deepEqual(items(backgrounds), sim.state.backgrounds.map((b) => ({ value: String(b.bkgId), label: b.name })));
  });

  it('lists Quectel SaaS products, and the devices of one product', async () => {
    const products = (await pick({ account: 'acc-quectel-saas', list: 'products' })).body;
    assert.deepEqual(values(products).sort(), [...sim.state.products.keys()].sort());
    const devices = (await pick({ account: 'acc-quectel-saas', list: 'devices', params: { productKey: 'p11v14' } })).body;
    assert.deepEqual(values(devices), sim.state.products.get('p11v14')!.devices.map((d) => d.deviceKey));
  });

  it('lists the Quectel SaaS subscription rules and queues by name', async () => {
    const items = (answer: Record<string, unknown>) => answer.items as { value: string; label: string }[];
    const rules = (await pick({ account: 'acc-quectel-saas', list: 'subscriptions' })).body;
    assert.deepEqual(items(rules), sim.state.subscriptions.map((s) => ({ value: String(s.subscribeId), label: s.subscribeName })));
    const queues = (await pick({ account: 'acc-quectel-saas', list: 'queues' })).body;
    assert.deepEqual(items(queues), sim.state.queues.map((q) => ({ value: String(q.queueId), label: q.queueName })));
  });

  it('lists a Quectel App user\'s devices, and the products among them once each', async () => {
    const devices = (await pick({ account: 'acc-quectel-app', list: 'devices' })).body;
    assert.ok(values(devices).length > 0);
    const products = (await pick({ account: 'acc-quectel-app', list: 'products' })).body;
    assert.equal(new Set(values(products)).size, values(products).length);
  });

  it('lists a Quectel App user\'s devices with their products, as the events node takes them (productKey/deviceKey)', async () => {
    const uid = sim.state.users.get(DEMO.quectelApp.phone)?.uid;
    const own = sim.state.devices.filter((d) => d.uid === uid).map((d) => `${d.productKey}/${d.deviceKey}`);
    const picked = (await pick({ account: 'acc-quectel-app', list: 'productDevices' })).body;
    assert.ok(own.length > 1, 'the demo user has devices');
    assert.deepEqual(values(picked).sort(), own.sort());
    // SaaS accounts take devices product by product: no such list there.
    assert.equal((await pick({ account: 'acc-quectel-saas', list: 'productDevices' })).body.ok, false);
  });

  it('refuses a list the platform does not offer, a node that is no account, and a form post', async () => {
    for (const body of [{ account: 'acc-onbright', list: 'screens' }, { account: 'other', list: 'screens' }, { account: 'acc-novastar', list: 'toString' }]) {
      const answer = (await pick(body)).body;
      assert.equal(answer.ok, false, JSON.stringify(body));
      assert.equal(answer.code, 'INVALID_INPUT');
    }
    const form = await helper.request().post('/iot-openapi-account/pick').set('Content-Type', 'application/x-www-form-urlencoded').send('account=acc-novastar&list=screens');
    assert.equal(form.status, 415);
    assert.equal(sim.requests.length, 0, 'nothing was sent');
  });

  it('reads a product\'s thing model: each property by name with its type, unit and range, the services with their inputs (SaaS and App)', async () => {
    // The App's call names the product pk: the form's productKey is passed on as it.
    for (const [account, productKey] of [['acc-quectel-saas', 'p11v14'], ['acc-quectel-app', 'p11pLZ']]) {
      const answer = (await pick({ account, list: 'model', params: { productKey } })).body;
      assert.equal(answer.ok, true, `${account}: ${JSON.stringify(answer)}`);
      const items = answer.items as Record<string, unknown>[];
      const brightness = items.find((i) => i.value === 'brightness');
      assert.deepEqual({ ...brightness, label: typeof brightness?.label }, { value: 'brightness', label: 'string', kind: 'property', dataType: 'INT', subType: 'RW', unit: '%', min: 0, max: 100 }, account);
      assert.deepEqual(items.find((i) => i.value === 'switch')?.values, ['true', 'false'], account);
      assert.ok(items.some((i) => i.kind === 'service' && Array.isArray(i.inputs)), `${account}: a service with its inputs`);
    }
  });

  describe('with the editor\'s values, before the account is deployed', () => {
    const settings = () => ({ platform: 'novastar', baseUrl: sim.novastarUrl, encrypt: true, timeout: 5000 });

    it('reads the list with the credentials typed in the dialog, for an account the runtime does not know', async () => {
      const answer = (await pick({ account: 'not-deployed', list: 'screens', settings: settings(), credentials: { pId: DEMO.novastar.pId, secretKey: DEMO.novastar.secretKey } })).body;
      assert.equal(answer.ok, true, JSON.stringify(answer));
      assert.deepEqual(values(answer), ['0', '1']);
    });

    it('uses a stored secret only for the same saved account, platform and base URL', async () => {
      const same = (await pick({ account: 'acc-novastar', list: 'screens', settings: settings(), credentials: { pId: DEMO.novastar.pId, secretKey: '__PWRD__' } })).body;
      assert.equal(same.ok, true, JSON.stringify(same));
      const sent = sim.requests.length;
      for (const body of [
        { account: 'not-deployed', list: 'screens', settings: settings(), credentials: { pId: DEMO.novastar.pId, secretKey: '__PWRD__' } },
        { account: 'acc-novastar', list: 'screens', settings: { ...settings(), baseUrl: `${sim.url}/elsewhere/open/api` }, credentials: { pId: DEMO.novastar.pId, secretKey: '__PWRD__' } },
      ]) {
        const answer = (await pick(body)).body;
        assert.equal(answer.ok, false, JSON.stringify(body));
        assert.equal(answer.code, 'INVALID_INPUT');
        assert.match(String(answer.message), /secretKey/);
      }
      assert.equal(sim.requests.length, sent, 'nothing was sent with a stored secret');
    });

    it('says why in full when the values cannot be used: a wrong secret is the vendor\'s refusal, a host that is no vendor gets one wording', async () => {
      const wrong = (await pick({ account: 'not-deployed', list: 'screens', settings: settings(), credentials: { pId: DEMO.novastar.pId, secretKey: 'wrongkey' } })).body;
      assert.equal(wrong.ok, false);
      assert.notEqual(wrong.code, 'NO_ANSWER');
      const closed = (await pick({ account: 'not-deployed', list: 'screens', settings: { ...settings(), baseUrl: 'http://127.0.0.1:9/open/api' }, credentials: { pId: 'x', secretKey: 'abcdefgh' } })).body;
      assert.equal(closed.code, 'NO_ANSWER');
    });
  });

  it('a refused read comes back with the vendor\'s code', async () => {
    const answer = (await pick({ account: 'acc-quectel-saas', list: 'devices', params: { productKey: 'nope00' } })).body;
    assert.equal(answer.ok, false);
    assert.equal(answer.code, 70017);
  });
});
