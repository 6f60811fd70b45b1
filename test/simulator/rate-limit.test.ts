// The simulator's per-account rate limit: each vendor's refusal, nothing done
// beyond it, counted per account, and the call times a pacing test reads.
import assert from 'node:assert/strict';
import { DEMO, rateOf, SAAS_TOO_FREQUENT, startSimulator, type Simulator } from '../../simulator';
import { appLogin, novastar, novastarEnvelope, onbrightCall, onbrightLogin, saasLogin, send } from './helpers';

const WRITE = '/v2/deviceshadow/r3/openapi/dm/writeData';
const TSL = '/v2/quectsl/openapi/product/export/tslFile';
const LIST = '/v2/binding/enduserapi/userDeviceList';
const BATCH = '/v2/binding/enduserapi/batchControlDevice';
const SWITCH = 'p11v14';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('simulator: per-account rate limit', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ rateLimit: { perSecond: 20 } });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('starts with the limit it was given, and reset() brings it back', () => {
    assert.deepEqual(sim.rateLimit, { perSecond: 20, burst: undefined });
    sim.setRateLimit(5);
    assert.deepEqual(sim.rateLimit, { perSecond: 5, burst: undefined });
    sim.setRateLimit(undefined);
    assert.equal(sim.rateLimit, undefined);
    sim.reset();
    assert.deepEqual((sim as Simulator).rateLimit, { perSecond: 20, burst: undefined });
    assert.throws(() => sim.setRateLimit(0), /perSecond/);
    assert.throws(() => sim.setRateLimit({ perSecond: 10, burst: 0.5 }), /burst/);
  });

  it('Quectel SaaS: beyond the limit, code 61007 in its envelope (HTTP 200), and the write is not applied', async () => {
    const token = await saasLogin(sim);
    sim.setRateLimit({ perSecond: 2, burst: 3 });
    const write = (brightness: number) => send(sim.url, WRITE, {
      method: 'POST', headers: { Authorization: token },
      body: { productKey: SWITCH, devices: ['SW000001'], data: JSON.stringify([{ brightness: String(brightness) }]) },
    });
    const answers = [];
    for (let i = 1; i <= 5; i++) answers.push(await write(10 * i));
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200, 200]);
    assert.deepEqual(answers.map((a) => a.json.code), [200, 200, 200, SAAS_TOO_FREQUENT, SAAS_TOO_FREQUENT]);
    assert.equal(answers[3].json.msg, 'Frequency of transmitted device messages reached the upper limit.');
    assert.equal(answers[3].json.data, null);
    // The third write (30) was the last applied; the refused 40 and 50 changed nothing.
    assert.equal(sim.state.shadows.get(`${SWITCH}/SW000001`)?.values.brightness, 30);
    assert.equal(sim.counters.rateLimited['quectel-saas'], 2);
    assert.equal(sim.callTimes('quectel-saas', { account: DEMO.quectelSaas.accessKey }).length, 3, 'only calls let through are timed');

    // After half a second the bucket holds one call again.
    await sleep(550);
    assert.equal((await write(60)).json.code, 200);
    assert.equal(sim.state.shadows.get(`${SWITCH}/SW000001`)?.values.brightness, 60);
  });

  it('logins and calls with a dead token are not counted against the account', async () => {
    sim.setRateLimit({ perSecond: 1, burst: 1 });
    const token = await saasLogin(sim);
    await saasLogin(sim);
    await saasLogin(sim);
    const bad = await send(sim.url, TSL, { query: { productKey: SWITCH }, headers: { Authorization: 'QJWT x.y.z' } });
    assert.equal(bad.json.code, 91001);
    const good = await send(sim.url, TSL, { query: { productKey: SWITCH }, headers: { Authorization: token } });
    assert.equal(good.json.code, 200, good.text);
    const next = await send(sim.url, TSL, { query: { productKey: SWITCH }, headers: { Authorization: token } });
    assert.equal(next.json.code, SAAS_TOO_FREQUENT);
    assert.equal(sim.counters.logins['quectel-saas'], 3);

    // Expiring every token (an existing fault) leaves the limit as it is.
    sim.faults.expireAllTokens('quectel-saas');
    const expired = await send(sim.url, TSL, { query: { productKey: SWITCH }, headers: { Authorization: token } });
    assert.equal(expired.json.code, 91004, 'a dead token is refused as such, not as too frequent');
  });

  it('Quectel App: HTTP 429 with Retry-After; a refused control call reaches no device', async () => {
    const { accessToken } = await appLogin(sim);
    sim.setRateLimit({ perSecond: 1, burst: 1 });
    const auth = { Authorization: accessToken.token };
    assert.equal((await send(sim.url, LIST, { headers: auth })).json.code, 200);
    const messages: unknown[] = [];
    const onMessage = (m: unknown) => messages.push(m);
    sim.subscription.on('message', onMessage);
    try {
      const refused = await send(sim.url, BATCH, {
        method: 'POST', headers: auth,
        body: { type: 1, data: '[{"brightness":"11"}]', deviceList: [{ productKey: 'p11pLZ', deviceKey: 'D003' }] },
      });
      assert.equal(refused.status, 429);
      assert.equal(refused.headers['retry-after'], '1');
      assert.match(refused.text, /429 Too Many Requests/);
      assert.equal(messages.length, 0, 'no command reached the device');
      assert.notEqual(sim.state.shadows.get('p11pLZ/D003')?.values.brightness, 11);
    } finally {
      sim.subscription.off('message', onMessage);
    }
    assert.equal(sim.counters.rateLimited['quectel-app'], 1);
  });

  it('On-Bright and NovaStar: HTTP 429 with Retry-After (NovaStar documents no busy status)', async () => {
    sim.setRateLimit({ perSecond: 0.5, burst: 1 });
    const token = await onbrightLogin(sim);
    assert.equal((await onbrightCall(sim, 'GET', '/consumer/open/obox', token)).status, 200);
    const refused = await onbrightCall(sim, 'GET', '/consumer/open/obox', token);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers['retry-after'], '2', 'half a call a second: two seconds to the next');

    assert.equal((await novastar(sim, 'device/readDetail', { deviceId: sim.state.novastarDevice.deviceId })).status, 0);
    const busy = await send(sim.novastarUrl, '/device/readDetail', { method: 'POST', body: novastarEnvelope({ deviceId: sim.state.novastarDevice.deviceId }, sim.novastarEncrypt) });
    assert.equal(busy.status, 429);
    assert.equal(busy.headers['retry-after'], '2');
    assert.deepEqual(sim.counters.rateLimited, { 'quectel-app': 0, 'quectel-saas': 0, onbright: 1, novastar: 1 });
  });

  it('counts each account apart: one account at its limit leaves the others alone', async () => {
    sim.setRateLimit({ perSecond: 1, burst: 1 });
    const saas = await saasLogin(sim);
    const { accessToken } = await appLogin(sim);
    assert.equal((await send(sim.url, TSL, { query: { productKey: SWITCH }, headers: { Authorization: saas } })).json.code, 200);
    assert.equal((await send(sim.url, TSL, { query: { productKey: SWITCH }, headers: { Authorization: saas } })).json.code, SAAS_TOO_FREQUENT);
    assert.equal((await send(sim.url, LIST, { headers: { Authorization: accessToken.token } })).json.code, 200, 'the App user has a bucket of its own');
  });

  it('holds a steady sender to the limit, and callTimes/achievedRate show the rate achieved', async () => {
    const token = await saasLogin(sim);
    const since = Date.now();
    // 40 calls a second for two seconds, against 20 a second with a bucket of 20.
    const codes: unknown[] = [];
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 80; i++) {
      sends.push(send(sim.url, TSL, { query: { productKey: SWITCH }, headers: { Authorization: token } }).then((r) => {
        codes.push(r.json.code);
      }));
      await sleep(25);
    }
    await Promise.all(sends);
    const passed = codes.filter((c) => c === 200).length;
    // At most the bucket (20) plus 20 a second over the ~2 s the calls took.
    const seconds = (Date.now() - since) / 1000;
    assert.ok(passed <= 20 + 20 * seconds + 1, `${passed} let through in ${seconds} s`);
    assert.ok(passed >= 20 + 20 * (seconds - 0.5), `${passed} let through in ${seconds} s`);
    assert.equal(codes.length - passed, sim.counters.rateLimited['quectel-saas']);
    const times = sim.callTimes('quectel-saas', { since });
    assert.equal(times.length, passed);
    assert.equal(sim.achievedRate('quectel-saas', { account: DEMO.quectelSaas.accessKey, since }), rateOf(times));
    assert.ok(Number.isNaN(sim.achievedRate('onbright')));
  });

  it('without a limit, nothing is refused and calls are still timed', async () => {
    sim.setRateLimit(undefined);
    const token = await saasLogin(sim);
    const answers = await Promise.all(Array.from({ length: 50 }, () => send(sim.url, TSL, { query: { productKey: SWITCH }, headers: { Authorization: token } })));
    assert.ok(answers.every((a) => a.json.code === 200));
    assert.equal(sim.callTimes('quectel-saas').length, 50);
    assert.equal(sim.counters.rateLimited['quectel-saas'], 0);
  });

  it('rateOf: calls a second from the first to the last', () => {
    assert.equal(rateOf([0, 50, 100, 150, 200]), 20);
    assert.ok(Number.isNaN(rateOf([5])));
  });
});
