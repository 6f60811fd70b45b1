// Every node and operation in the real Node-RED runtime against the simulator over HTTP.
import assert from 'node:assert/strict';
import { desDecrypt } from '../../lib/crypto';
import { DEMO, type Simulator } from '../../simulator';
import { assertFreeOf, demoSecrets, issuedTokens } from '../support/accounts';
import { ALL_NODES, RED_PACKAGE, coreNode, flowWith, helper, sendAndWait, type Outcome, useRuntime } from '../support/red';

interface Case {
  title: string;
  node: Record<string, unknown>;
  msg?: Record<string, unknown>;
  /** What the simulator must have received last. */
  path: string;
  method?: string;
  sent?: (seen: Simulator['requests'][number]) => void;
  check?: (out: NonNullable<Outcome['msg']>) => void;
}

/** The business body of a NovaStar request, decrypted (the demo account has encryption on). */
function novastarBody(seen: Simulator['requests'][number]): unknown {
  const envelope = seen.body as { body: string; pId: string };
  assert.equal(envelope.pId, DEMO.novastar.pId);
  return JSON.parse(desDecrypt(envelope.body, DEMO.novastar.secretKey));
}

describe(`nodes in the Node-RED runtime (${RED_PACKAGE})`, function () {
  this.timeout(20000);
  let sim: Simulator;

  useRuntime((s) => (sim = s), { fixedSmsCode: true });
  beforeEach(() => sim.reset());
  afterEach(async () => {
    await helper.unload();
  });

  async function run(node: Record<string, unknown>, msg: Record<string, unknown> = {}, accountOverrides = {}) {
    const { flow, credentials } = flowWith(sim, node, accountOverrides);
    await helper.load(ALL_NODES, flow, credentials);
    return sendAndWait({ payload: 1, ...msg });
  }

  const cases: Case[] = [
    {
      title: 'quectel-send-sms from settings',
      node: { type: 'quectel-send-sms', account: 'acc-quectel-app', phone: '13900000001', phoneType: 'str', codeType: '3', codeTypeType: 'num' },
      path: '/v2/sms/enduserapi/v2/sendPhoneSmsCode',
      sent: (s) => assert.equal(s.query.phone, '13900000001'),
    },
    {
      title: 'quectel-send-sms with msg.payload overriding the phone',
      node: { type: 'quectel-send-sms', account: 'acc-quectel-app', phone: '13900000001', codeType: '3', codeTypeType: 'num' },
      msg: { payload: { phone: '13900000002' } },
      path: '/v2/sms/enduserapi/v2/sendPhoneSmsCode',
      sent: (s) => assert.equal(s.query.phone, '13900000002'),
    },
    {
      title: 'quectel-list-devices (App), one page',
      node: { type: 'quectel-list-devices', account: 'acc-quectel-app', pageSize: '5', pageSizeType: 'num' },
      path: '/v2/binding/enduserapi/userDeviceList',
      sent: (s) => assert.equal(s.query.pageSize, '5'),
      check: (m) => assert.equal((m.payload as { list: unknown[] }).list.length, 5),
    },
    {
      title: 'quectel-list-devices (App), every page in one message',
      node: { type: 'quectel-list-devices', account: 'acc-quectel-app', output: 'all', pageSize: '10', pageSizeType: 'num' },
      path: '/v2/binding/enduserapi/userDeviceList',
      check: (m) => {
        assert.equal((m.payload as unknown[]).length, 23);
        assert.equal(m.openapi.total, 23);
      },
    },
    {
      title: 'quectel-list-devices (SaaS) with the product from msg.payload',
      node: { type: 'quectel-list-devices', account: 'acc-quectel-saas' },
      msg: { payload: { productKey: 'p11v14', pageSize: 3 } },
      path: '/v2/devicemgr/r3/openapi/product/device/overview',
      sent: (s) => assert.equal(s.query.productKey, 'p11v14'),
      check: (m) => assert.ok(Array.isArray(m.payload)),
    },
    {
      title: 'quectel-export-tsl',
      node: { type: 'quectel-export-tsl', account: 'acc-quectel-saas', productKey: 'p11v14', productKeyType: 'str', language: 'EN', languageType: 'str' },
      path: '/v2/quectsl/openapi/product/export/tslFile',
      sent: (s) => assert.equal(s.query.language, 'EN'),
      check: (m) => assert.equal((m.payload as { profile: { productKey: string } }).profile.productKey, 'p11v14'),
    },
    {
      title: 'onbright-obox add from settings with JSON lists',
      node: { type: 'onbright-obox', account: 'acc-onbright', operation: 'add', oboxSerialId: 'c033000000', oboxName: 'OBOX33c0', oboxVersion: '0a0219080a253002', deviceConfig: '[]', deviceConfigType: 'json' },
      path: '/consumer/open/obox',
      method: 'POST',
      sent: (s) => assert.deepEqual((s.body as { deviceConfig: unknown[] }).deviceConfig, []),
    },
    {
      title: 'onbright-obox list chosen by msg.operation',
      node: { type: 'onbright-obox', account: 'acc-onbright', operation: 'add' },
      msg: { operation: 'list' },
      path: '/consumer/open/obox',
      method: 'GET',
      check: (m) => assert.ok(Array.isArray((m.payload as { oboxs: unknown[] }).oboxs)),
    },
    {
      title: 'onbright-obox register (the parameter named type)',
      node: { type: 'onbright-obox', account: 'acc-onbright', operation: 'register', paramType: 'OBOX', paramTypeType: 'str', zone: 'Asia/Shanghai', zoneType: 'str' },
      path: '/consumer/open/registAliDev',
      sent: (s) => assert.deepEqual(s.body, { type: 'OBOX', zone: 'Asia/Shanghai' }),
    },
    {
      title: 'onbright-lock-user add, times from msg',
      node: { type: 'onbright-lock-user', account: 'acc-onbright', operation: 'add', serialId: 'lock000001', nickName: 'Guest', startTime: '1550573820000', endTime: '1550841360000', times: 'guestTimes', timesType: 'msg' },
      msg: { guestTimes: 2 },
      path: '/consumer/open/intelligentRemoteUser',
      sent: (s) => assert.equal((s.body as { times: number }).times, 2),
      check: (m) => assert.ok((m.payload as { remoteUser: { pwd: string } }).remoteUser.pwd),
    },
    {
      title: 'novastar-screen setBrightness from settings',
      node: { type: 'novastar-screen', account: 'acc-novastar', operation: 'setBrightness', screenId: '0', screenIdType: 'num', brightness: '50', brightnessType: 'num' },
      path: '/open/api/screen/writeBrightness',
      method: 'POST',
      sent: (s) => assert.deepEqual(novastarBody(s), { screenId: 0, brightness: 50 }),
      check: (m) => {
        assert.deepEqual(m.payload, {});
        assert.equal(m.openapi.code, 0);
        assert.equal(sim.state.screens.find((x) => x.screenId === 0)!.brightness, 50);
      },
    },
    {
      title: 'novastar-screen playPreset from msg.operation and msg.payload',
      node: { type: 'novastar-screen', account: 'acc-novastar' },
      msg: { operation: 'playPreset', payload: { screenId: 0, presetId: 1 } },
      path: '/open/api/preset/play',
      sent: (s) => assert.deepEqual(novastarBody(s), { screenId: 0, presetId: 1 }),
      check: (m) => {
        assert.deepEqual(m.payload, {});
        assert.equal(m.openapi.operation, 'novastar.playPreset');
        assert.equal(sim.state.screens.find((x) => x.screenId === 0)!.presetId, 1);
      },
    },
    {
      title: 'iot-openapi-request, NovaStar screen list',
      node: { type: 'iot-openapi-request', account: 'acc-novastar', method: 'POST', path: 'screen/readList' },
      msg: { payload: { deviceId: 0 } },
      path: '/open/api/screen/readList',
      check: (m) => assert.equal(m.openapi.platform, 'novastar'),
    },
    {
      title: 'iot-openapi-request, msg.path and msg.query on Quectel App',
      node: { type: 'iot-openapi-request', account: 'acc-quectel-app', method: 'GET', path: '/nothing' },
      msg: { path: '/v2/binding/enduserapi/userDeviceList', query: { pageSize: 2 } },
      path: '/v2/binding/enduserapi/userDeviceList',
      check: (m) => assert.equal((m.payload as { list: unknown[] }).list.length, 2),
    },
  ];

  for (const c of cases) {
    it(c.title, async () => {
      const { msg, error } = await run(c.node, { keep: 'me', ...c.msg });
      assert.equal(error, undefined, `unexpected error ${JSON.stringify(error)}`);
      assert.ok(msg);
      const seen = sim.requests.filter((r) => !/login|oauth|accessKeyLogin/i.test(r.path)).at(-1)!;
      assert.equal(seen.path, c.path);
      if (c.method) assert.equal(seen.method, c.method);
      c.sent?.(seen);
      c.check?.(msg);
      assert.equal(msg.keep, 'me', 'the rest of the message passes through');
      assert.ok(typeof msg.openapi.durationMs === 'number');
      assert.equal(helper.getNode('n1').status.getCalls().at(-1)?.args[0] && (helper.getNode('n1').status.getCalls().at(-1)!.args[0] as { fill: string }).fill, 'green');
    });
  }

  it('quectel-register-user, after quectel-send-sms, with the code from msg.payload', async () => {
    await run({ type: 'quectel-send-sms', account: 'acc-quectel-app', codeType: '3', codeTypeType: 'num' }, { payload: { phone: '13900000009' } });
    await helper.unload();
    const { msg, error } = await run({ type: 'quectel-register-user', account: 'acc-quectel-app', pwd: 'pw', pwdType: 'msg' }, { pw: 'S3cret-pass', payload: { phone: '13900000009', smsCode: DEMO.smsCode } });
    assert.equal(error, undefined);
    assert.ok((msg!.payload as { uid: string }).uid);
    assert.ok(!sim.requests.at(-1)!.rawBody.includes('S3cret-pass'));
  });

  it('onbright-scan-devices and onbright-delete-device', async () => {
    const scan = await run({ type: 'onbright-scan-devices', account: 'acc-onbright' }, { payload: { oboxSerialId: 'no-such-obox' } });
    assert.equal(scan.error?.code, 413);
    await helper.unload();
    const del = await run({ type: 'onbright-delete-device', account: 'acc-onbright', serialId: 'no-such-device' });
    assert.equal(del.error?.code, 413);
    assert.equal(sim.requests.at(-1)!.method, 'DELETE');
  });

  it('shows a yellow ring while logging in, then a green dot', async () => {
    await run({ type: 'quectel-list-devices', account: 'acc-quectel-app' });
    const shapes = helper.getNode('n1').status.getCalls().map((c) => c.args[0] as { fill?: string; shape?: string; text?: string });
    const yellow = shapes.findIndex((s) => s.fill === 'yellow' && s.shape === 'ring');
    assert.ok(yellow >= 0, 'a yellow ring during the login');
    assert.match(String(shapes[yellow].text), /loggingIn|logging in/);
    assert.deepEqual([shapes.at(-1)!.fill, shapes.at(-1)!.shape], ['green', 'dot']);
  });

  it('takes parameters from an object a function node built', async () => {
    const { flow, credentials } = flowWith(sim, { type: 'quectel-send-sms', account: 'acc-quectel-app', codeType: '3', codeTypeType: 'num' });
    // The function node runs in its own sandbox: its objects come from another realm.
    flow.push({ id: 'fn', z: 'tab', type: 'function', func: 'msg.payload = { phone: "13900000077" }; return msg;', outputs: 1, wires: [['n1']] } as never);
    await helper.load([...ALL_NODES, coreNode('function/10-function.js')], flow, credentials);
    const got = new Promise<Record<string, unknown>>((resolve) => helper.getNode('out').once('input', resolve as never));
    helper.getNode('fn').receive({ payload: 1 });
    const msg = await got;
    assert.equal((msg.openapi as { code: number }).code, 200);
    assert.equal(sim.requests.at(-1)!.query.phone, '13900000077');
  });

  it('quectel-list-devices can send one message per device', async () => {
    const { flow, credentials } = flowWith(sim, { type: 'quectel-list-devices', account: 'acc-quectel-app', output: 'each' });
    await helper.load(ALL_NODES, flow, credentials);
    const got: Record<string, unknown>[] = [];
    await new Promise<void>((resolve) => {
      helper.getNode('out').on('input', ((m: Record<string, unknown>) => {
        got.push(m);
        if (got.length === 23) resolve();
      }) as never);
      helper.getNode('n1').receive({ payload: 1 });
    });
    const parts = got.map((m) => m.parts as { index: number; count: number });
    assert.deepEqual(parts.map((p) => p.index), [...Array(23).keys()]);
    assert.ok(parts.every((p) => p.count === 23));
  });

  describe('errors reach a Catch node', () => {
    it('a bad input names the field as the form labels it, beside the parameter', async () => {
      const { error } = await run({ type: 'novastar-screen', account: 'acc-novastar', operation: 'setBrightness' }, { payload: { screenId: 0, brightness: 150 } });
      assert.equal(error?.code, 'INVALID_INPUT');
      assert.match(error!.message, /brightness \(Brightness\)/);
    });

    it('a missing input too', async () => {
      const missing = await run({ type: 'novastar-screen', account: 'acc-novastar', operation: 'setBrightness' }, { payload: { brightness: 50 } });
      assert.match(missing.error!.message, /screenId \(Screen ID\) is required/);
    });

    it('a vendor refusal carries the vendor\'s code', async () => {
      const { error, caughtMsg } = await run({ type: 'quectel-export-tsl', account: 'acc-quectel-saas', productKey: 'nope00' });
      assert.equal(error?.code, 70017);
      assert.ok(error?.message);
      assert.equal((caughtMsg!.openapi as { code: number }).code, 70017);
      const status = helper.getNode('n1').status.getCalls().at(-1)!.args[0] as { fill: string; shape: string; text: string };
      assert.deepEqual([status.fill, status.shape], ['red', 'ring']);
      assert.match(status.text, /70017/);
    });

    it('bad input is INVALID_INPUT naming the parameter, and nothing is sent', async () => {
      const { error } = await run({ type: 'onbright-lock-user', account: 'acc-onbright', operation: 'update' }, { payload: { serialId: 'lock000001', nickName: 'x', startTime: '1550573820000', endTime: '1550841360000', times: 1 } });
      assert.equal(error?.code, 'INVALID_INPUT');
      assert.match(error!.message, /pin/);
      assert.equal(sim.counters.total, 0);
    });

    it('an unknown msg.operation is INVALID_INPUT', async () => {
      const { error } = await run({ type: 'onbright-obox', account: 'acc-onbright' }, { operation: 'explode' });
      assert.equal(error?.code, 'INVALID_INPUT');
      assert.match(error!.message, /operation/);
      assert.equal(sim.counters.total, 0);
    });

    it('a node on an account of the wrong platform fails without sending', async () => {
      const { error } = await run({ type: 'quectel-export-tsl', account: 'acc-onbright', productKey: 'p11v14' });
      assert.equal(error?.code, 'INVALID_INPUT');
      assert.match(error!.message, /account/);
      assert.equal(sim.counters.total, 0);
    });

    it('wrong credentials: the vendor\'s code on the Catch node and the status', async () => {
      const { error } = await run({ type: 'onbright-obox', account: 'acc-onbright', operation: 'list' }, {}, { onbright: {} });
      assert.equal(error, undefined);
      await helper.unload();
      const { flow } = flowWith(sim, { type: 'onbright-obox', account: 'acc-onbright', operation: 'list' });
      await helper.load(ALL_NODES, flow, { 'acc-onbright': { ...DEMO.onbright, clientSecret: 'wrong' } });
      const out = await sendAndWait({ payload: 1 });
      assert.equal(out.error?.code, 401);
    });
  });

  describe('secrets', () => {
    it('no credential or token in any message, status or log line; the exported flow holds none', async () => {
      const seen: string[] = [];
      const outcomes = [
        await run({ type: 'quectel-list-devices', account: 'acc-quectel-app' }),
        await (async () => { await helper.unload(); return run({ type: 'quectel-export-tsl', account: 'acc-quectel-saas', productKey: 'nope00' }); })(),
        await (async () => { await helper.unload(); sim.faults.expireAllTokens(); return run({ type: 'onbright-obox', account: 'acc-onbright', operation: 'list' }); })(),
        await (async () => { await helper.unload(); return run({ type: 'iot-openapi-request', account: 'acc-novastar', path: 'screen/readList' }); })(),
      ];
      for (const o of outcomes) seen.push(JSON.stringify(o));
      for (const call of helper.getNode('n1').status.getCalls()) seen.push(JSON.stringify(call.args));
      for (const call of helper._logSpy.getCalls()) seen.push(JSON.stringify(call.args));
      const { flow } = flowWith(sim, { type: 'quectel-list-devices', account: 'acc-quectel-app' });
      seen.push(JSON.stringify(flow));
      const secrets = [...demoSecrets(), ...issuedTokens(sim)];
      assert.ok(issuedTokens(sim).length > 0);
      assertFreeOf(seen.join('\n'), secrets, 'messages, statuses, logs and the flow');
    });
  });

  describe('Test connection (admin route)', () => {
    async function test(body: object) {
      const { flow, credentials } = flowWith(sim, { type: 'quectel-send-sms', account: 'acc-quectel-saas' });
      await helper.load(ALL_NODES, flow, credentials);
      const res = await helper.request().post('/iot-openapi-account/test').send(body);
      return res;
    }

    it('succeeds with good credentials', async () => {
      const res = await test({ platform: 'quectel-saas', baseUrl: sim.url, credentials: { ...DEMO.quectelSaas } });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.ok, true);
    });

    it('answers the vendor\'s code for a wrong secret, without echoing it', async () => {
      const res = await test({ platform: 'onbright', baseUrl: sim.url, credentials: { ...DEMO.onbright, clientSecret: 'not-the-secret' } });
      assert.equal(res.body.ok, false);
      assert.equal(res.body.code, 401);
      assertFreeOf(res.text, ['not-the-secret', ...demoSecrets()]);
    });

    it('uses the stored password when the dialog leaves it unchanged', async () => {
      const res = await test({ id: 'acc-quectel-saas', platform: 'quectel-saas', baseUrl: sim.url, credentials: { accessKey: DEMO.quectelSaas.accessKey, accessSecret: '__PWRD__' } });
      assert.equal(res.body.ok, true);
      const without = await helper.request().post('/iot-openapi-account/test').send({ platform: 'quectel-saas', baseUrl: sim.url, credentials: { accessKey: DEMO.quectelSaas.accessKey, accessSecret: '__PWRD__' } });
      assert.equal(without.body.ok, false, 'no stored secret without the node id');
    });

    it('checks NovaStar answer signs as the dialog\'s setting says', async () => {
      const account = { platform: 'novastar', baseUrl: sim.novastarUrl, encrypt: true, credentials: { ...DEMO.novastar } };
      sim.faults.novastarBadSignNext(1);
      assert.equal((await test(account)).body.ok, true, 'off (not sent): a wrong sign passes');
      sim.faults.novastarBadSignNext(1);
      const res = await helper.request().post('/iot-openapi-account/test').send({ ...account, verifyAnswerSign: true });
      assert.equal(res.body.ok, false);
      assert.equal(res.body.code, 'SIGN_MISMATCH');
      assertFreeOf(res.text, demoSecrets());
    });
  });
});
