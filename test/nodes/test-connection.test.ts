// The account dialog's Test connection route in the real runtime, against the
// simulator: who it logged in as, what one more cheap call tells, what to
// check when the vendor refuses, in the editor's language.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DEMO, type Simulator } from '../../simulator';
import { assertFreeOf, demoSecrets } from '../support/accounts';
import sinon from 'sinon';
import { TEST_CONNECTION_MAX_MS } from '../../nodes/settings';
import { ALL_NODES, RED_PACKAGE, flowWith, helper, useRuntime } from '../support/red';

const ROOT = path.resolve(__dirname, '../../..');
const catalogue = (lang: string) => JSON.parse(fs.readFileSync(path.join(ROOT, 'locales', lang, 'iot-openapi-account.json'), 'utf8'));

describe(`Test connection: who, what, and what to check (${RED_PACKAGE})`, function () {
  this.timeout(20_000);
  let sim: Simulator;
  const en = catalogue('en-US');
  const zh = catalogue('zh-CN');

  useRuntime((s) => (sim = s), { fixedSmsCode: true });
  beforeEach(async () => {
    sim.reset();
    const { flow, credentials } = flowWith(sim, { type: 'quectel-send-sms', account: 'acc-quectel-saas' });
    await helper.load(ALL_NODES, flow, credentials);
  });
  afterEach(async () => {
    await helper.unload();
  });

  async function test(body: object, lang = 'en-US') {
    const res = await helper.request().post('/iot-openapi-account/test').set('Accept-Language', lang).send(body);
    assert.equal(res.status, 200);
    assertFreeOf(res.text, demoSecrets());
    return res.body as { ok: boolean; message: string; code?: unknown; hint?: string; user?: string; devices?: number; model?: string };
  }

  const app = () => ({
    platform: 'quectel-app', baseUrl: sim.url, userDomain: DEMO.quectelApp.userDomain, internationalCode: DEMO.quectelApp.internationalCode,
    credentials: { phone: DEMO.quectelApp.phone, password: DEMO.quectelApp.password, userDomainSecret: DEMO.quectelApp.userDomainSecret },
  });

  it('Quectel App: the phone masked and the number of bound devices, from page 1 of the device list', async () => {
    const uid = sim.state.users.get(DEMO.quectelApp.phone)?.uid;
    const count = sim.state.devices.filter((d) => d.uid === uid).length;
    assert.ok(count > 1);
    const answer = await test(app());
    assert.equal(answer.ok, true, answer.message);
    const masked = `${DEMO.quectelApp.phone.slice(0, 3)}****${DEMO.quectelApp.phone.slice(-4)}`;
    assert.equal(answer.user, `+86 ${masked}`);
    assert.equal(answer.devices, count);
    assert.equal(answer.message, `connected as +86 ${masked}, ${count} devices`);
    assert.ok(!JSON.stringify(answer).includes(DEMO.quectelApp.phone), 'the full phone number is not shown');
    const asked = sim.requests.filter((r) => r.path === '/v2/binding/enduserapi/userDeviceList');
    assert.equal(asked.length, 1, 'one call for the count');
    assert.equal(asked[0].query.pageSize, '1');
  });

  it('the same in a Chinese editor', async () => {
    const answer = await test(app(), 'zh-CN,zh;q=0.9');
    assert.equal(answer.ok, true);
    assert.match(answer.message, /^已连接，用户 \+86 171\*{4}\d{4}，\d+ 台设备$/);
  });

  it('Quectel SaaS: the AccessKey; On-Bright: the client id', async () => {
    const saas = await test({ platform: 'quectel-saas', baseUrl: sim.url, credentials: { ...DEMO.quectelSaas } });
    assert.deepEqual(saas, { ok: true, message: `connected as ${DEMO.quectelSaas.accessKey}`, user: DEMO.quectelSaas.accessKey });
    const onbright = await test({ platform: 'onbright', baseUrl: sim.url, credentials: { ...DEMO.onbright } });
    assert.deepEqual(onbright, { ok: true, message: `connected as ${DEMO.onbright.clientId}`, user: DEMO.onbright.clientId });
  });

  it('NovaStar: the pId and the processor\'s name and model id, from device/readDetail', async () => {
    const device = sim.state.novastarDevice;
    const answer = await test({ platform: 'novastar', baseUrl: sim.novastarUrl, encrypt: true, credentials: { ...DEMO.novastar } });
    assert.equal(answer.ok, true, answer.message);
    assert.equal(answer.model, `${device.name} (${device.modelId})`);
    assert.equal(answer.message, `connected as pId ${DEMO.novastar.pId}, processor ${device.name} (${device.modelId})`);
    const zhAnswer = await test({ platform: 'novastar', baseUrl: sim.novastarUrl, encrypt: true, credentials: { ...DEMO.novastar } }, 'zh-CN');
    assert.equal(zhAnswer.message, `已连接，用户 pId ${DEMO.novastar.pId}，处理器 ${device.name} (${device.modelId})`);
  });

  it('a refusal carries the vendor\'s code and text, and what to check in the editor\'s language', async () => {
    const wrong = { ...app(), credentials: { ...app().credentials, userDomainSecret: 'not-the-domain-secret' } };
    const answer = await test(wrong);
    assert.equal(answer.ok, false);
    assert.equal(answer.code, 5420);
    assert.ok(answer.message.length > 0);
    assert.equal(answer.hint, en['iot-openapi'].vendorCodes['quectel-app']['5420']);
    const zhAnswer = await test(wrong, 'zh-CN');
    assert.equal(zhAnswer.hint, zh['iot-openapi'].vendorCodes['quectel-app']['5420']);
    assert.match(zhAnswer.hint!, /用户域密码/);
    const saas = await test({ platform: 'quectel-saas', baseUrl: sim.url, credentials: { accessKey: 'no-such-access-key', accessSecret: 'x' } });
    assert.equal(saas.code, 90047);
    assert.equal(saas.hint, en['iot-openapi'].vendorCodes['quectel-saas']['90047']);
  });

  it('a country code that is not 1 to 4 digits is refused before anything is sent', async () => {
    for (const internationalCode of ['+86', '12345', '8 6', 'abc']) {
      const answer = await test({ ...app(), internationalCode });
      assert.equal(answer.ok, false, internationalCode);
      assert.equal(answer.code, 'INVALID_INPUT');
      assert.match(answer.message, /internationalCode/);
    }
    assert.equal(sim.counters.logins['quectel-app'], 0, 'no login was sent');
    assert.equal(sim.requests.length, 0);
  });

  it('a silent host is given up after 30 s, whatever timeout the dialog holds', async () => {
    // Takes connections and never answers.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    // Only the runtime's timers run on a fake clock; the sockets stay real.
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['setTimeout', 'clearTimeout'], shouldClearNativeTimers: true });
    /** Lets real I/O happen (no fake timer runs meanwhile) until `condition` holds or `ms` of real time pass. */
    const until = async (condition: () => boolean, ms = 5000) => {
      const end = Date.now() + ms;
      while (!condition() && Date.now() < end) await new Promise((resolve) => setImmediate(resolve));
    };
    try {
      let answer: Awaited<ReturnType<typeof test>> | undefined;
      const asked = test({ platform: 'quectel-saas', baseUrl, timeout: 600_000, credentials: { ...DEMO.quectelSaas } }).then((a) => (answer = a));
      await until(() => sockets.size > 0);
      assert.equal(sockets.size, 1, 'the login reached the silent host');
      await clock.tickAsync(TEST_CONNECTION_MAX_MS - 1000);
      await until(() => answer !== undefined, 300);
      assert.equal(answer, undefined, 'still waiting before the limit');
      await clock.tickAsync(1000);
      await until(() => answer !== undefined);
      const got = answer as Awaited<ReturnType<typeof test>> | undefined;
      assert.deepEqual(got && { ok: got.ok, code: got.code }, { ok: false, code: 'NO_ANSWER' }, 'answered at the limit');
      await asked;
    } finally {
      clock.restore();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

