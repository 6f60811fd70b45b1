import assert from 'node:assert/strict';
import { startSimulator, type Simulator } from '../../simulator';
import { appLogin, loginQuery, novastar, onbrightCall, onbrightLogin, saasLogin, send } from './helpers';

const LIST = '/v2/binding/enduserapi/userDeviceList';

describe('simulator: faults', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  describe('failNext', () => {
    it('answers 503 with nginx HTML by default, for count requests, then serves again', async () => {
      sim.faults.failNext(2);
      for (let i = 0; i < 2; i++) {
        const r = await send(sim.url, '/nowhere');
        assert.equal(r.status, 503);
        assert.match(r.headers['content-type'], /text\/html/);
        assert.match(r.text, /503 Service Temporarily Unavailable/);
        assert.ok(r.headers.date);
      }
      assert.equal((await send(sim.url, '/nowhere')).status, 404);
      assert.equal(sim.counters.requests['/nowhere'], 3, 'faulted requests are counted');
      assert.equal(sim.requests.length, 3, 'faulted requests are recorded');
    });

    it('takes a status, a body and a path (string: the end of the path; or a RegExp)', async () => {
      sim.faults.failNext(1, { status: 429, body: '{"code":429}', path: '/userDeviceList' });
      sim.faults.failNext(1, { status: 502, path: /^\/oauth\// });
      assert.equal((await send(sim.url, '/nowhere')).status, 404, 'other paths untouched');
      const limited = await send(sim.url, LIST);
      assert.equal(limited.status, 429);
      assert.deepEqual(limited.json, { code: 429 });
      assert.match(limited.headers['content-type'], /application\/json/);
      const bad = await send(sim.url, '/oauth/token', { method: 'POST' });
      assert.equal(bad.status, 502);
    });

    it('does not run the handler of a failed request', async () => {
      sim.faults.failNext(1, { path: '/phonePwdLogin' });
      await assert.rejects(appLogin(sim));
      assert.equal(sim.counters.logins['quectel-app'], 0);
      assert.equal(sim.state.tokens.size, 0);
    });
  });

  describe('delayNext', () => {
    it('holds matching requests for the given time', async () => {
      sim.faults.delayNext(1, 300, { path: '/slow' });
      let started = Date.now();
      await send(sim.url, '/slow');
      assert.ok(Date.now() - started >= 290);
      started = Date.now();
      await send(sim.url, '/slow');
      assert.ok(Date.now() - started < 250);
    });

    it('accepts Infinity and combines with failNext', async () => {
      sim.faults.delayNext(Infinity, 50);
      sim.faults.failNext(1, { status: 500 });
      const started = Date.now();
      assert.equal((await send(sim.url, '/a')).status, 500);
      assert.equal((await send(sim.url, '/b')).status, 404);
      assert.ok(Date.now() - started >= 95);
    });

    it('refuses a bad count', () => {
      assert.throws(() => sim.faults.delayNext(-1, 10), TypeError);
      assert.throws(() => sim.faults.failNext(1.5), TypeError);
    });
  });

  describe('malformNext', () => {
    it('html: HTTP 200 with an HTML page', async () => {
      sim.faults.malformNext(1, 'html');
      const r = await send(sim.url, LIST);
      assert.equal(r.status, 200);
      assert.match(r.headers['content-type'], /text\/html/);
      assert.throws(() => r.json);
    });

    it('empty: HTTP 200 with no body', async () => {
      sim.faults.malformNext(1, 'empty');
      const r = await send(sim.url, LIST);
      assert.equal(r.status, 200);
      assert.equal(r.text, '');
      assert.equal(r.headers['content-length'], '0');
    });

    it('invalid-json: HTTP 200, JSON content type, broken JSON', async () => {
      sim.faults.malformNext(1, 'invalid-json');
      const r = await send(sim.url, LIST);
      assert.equal(r.status, 200);
      assert.match(r.headers['content-type'], /application\/json/);
      assert.throws(() => r.json, SyntaxError);
    });

    it('truncated: fewer bytes than Content-Length, then the connection ends', async () => {
      sim.faults.malformNext(1, 'truncated');
      await assert.rejects(send(sim.url, LIST));
      assert.equal((await send(sim.url, '/nowhere')).status, 404);
    });

    it('drop: the connection ends before any answer', async () => {
      sim.faults.malformNext(1, 'drop', { path: LIST });
      await assert.rejects(send(sim.url, LIST), (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET');
      assert.equal(sim.counters.requests[LIST], 1);
    });
  });

  describe('echoRequestNext', () => {
    const LOGIN = '/v2/enduser/enduserapi/phonePwdLogin';

    it('refuses a Quectel login with a msg that repeats its query, as sent and decoded, without running the handler', async () => {
      sim.faults.echoRequestNext(1, { path: '/phonePwdLogin' });
      const query = loginQuery();
      const r = await send(sim.url, LOGIN, { method: 'POST', query });
      assert.equal(r.status, 200);
      assert.equal(r.json.code, 5002);
      const msg = r.json.msg as string;
      assert.ok(msg.includes(encodeURIComponent(query.pwd)), 'the encoded pwd');
      assert.ok(msg.includes(JSON.stringify(query.pwd)), 'the decoded pwd');
      assert.ok(msg.includes(query.random));
      assert.equal(sim.counters.logins['quectel-app'], 0);
      assert.equal((await send(sim.url, LOGIN, { method: 'POST', query: loginQuery() })).json.code, 200, 'used up');
    });

    it('repeats a JSON body; takes a code (200: a success that echoes); On-Bright and NovaStar get their own envelope', async () => {
      sim.faults.echoRequestNext(1, { path: '/phonePwdRegister', code: 200 });
      const body = { phone: '13800000009', pwd: 'c2VjcmV0', random: 'abcdefghijklmnop' };
      const registered = await send(sim.url, '/v2/enduser/enduserapi/v2/phonePwdRegister', { method: 'POST', body });
      assert.equal(registered.json.code, 200);
      assert.ok((registered.json.msg as string).includes(JSON.stringify(body)));
      assert.equal(sim.state.users.has('13800000009'), false, 'no user made');

      sim.faults.echoRequestNext(2);
      const ob = await send(sim.url, '/login/company', { method: 'POST', query: { accessToken: 'tok-123', uniqueKey: 'uk' } });
      assert.equal(ob.json.status, 414);
      assert.match(ob.json.message as string, /tok-123/);
      const ns = await send(sim.url, '/open/api/screen/readList', { method: 'POST', body: { pId: 'p-1' } });
      assert.equal(ns.json.status, 1);
      assert.match(ns.json.msg as string, /p-1/);
    });

    it('refuses a code that is not an integer', () => {
      assert.throws(() => sim.faults.echoRequestNext(1, { code: 1.5 }), TypeError);
    });
  });

  describe('expireAllTokens', () => {
    it('invalidates every platform\'s tokens, refresh tokens too', async () => {
      const pair = await appLogin(sim);
      const saas = await saasLogin(sim);
      const ob = await onbrightLogin(sim);
      sim.faults.expireAllTokens();
      assert.equal((await send(sim.url, LIST, { headers: { Authorization: pair.accessToken.token } })).json.code, 5032);
      const refreshed = await send(sim.url, '/v2/enduser/enduserapi/refreshToken', { method: 'PUT', query: { refreshToken: pair.refreshToken.token } });
      assert.equal(refreshed.json.code, 5032);
      const tsl = await send(sim.url, '/v2/quectsl/openapi/product/export/tslFile', { query: { productKey: 'p11v14' }, headers: { Authorization: saas } });
      assert.equal(tsl.json.code, 91004);
      const obox = await onbrightCall(sim, 'GET', '/consumer/open/obox', ob);
      assert.equal(obox.status, 401);
    });

    it('can be limited to one platform', async () => {
      const pair = await appLogin(sim);
      const saas = await saasLogin(sim);
      sim.faults.expireAllTokens('quectel-saas');
      assert.equal((await send(sim.url, LIST, { headers: { Authorization: pair.accessToken.token } })).json.code, 200);
      const tsl = await send(sim.url, '/v2/quectsl/openapi/product/export/tslFile', { query: { productKey: 'p11v14' }, headers: { Authorization: saas } });
      assert.equal(tsl.json.code, 91004);
    });
  });

  describe('NovaStar faults', () => {
    it('novastarBadSignNext: one answer with a wrong sign, over neither the request\'s timeStamp nor the answer\'s', async () => {
      sim.faults.novastarBadSignNext(1);
      const bad = await novastar(sim, 'screen/readList', { deviceId: 0 });
      assert.equal(bad.status, 0);
      assert.match(String(bad.reply.json.sign), /^[A-Za-z0-9+/]{43}=$/, 'well-formed');
      assert.equal(bad.signOk, false);
      assert.equal(bad.signCovers(bad.sentTimeStamp), false);
      assert.equal((await novastar(sim, 'screen/readList', { deviceId: 0 })).signOk, true);
    });

    for (const encrypt of [true, false]) {
      describe(`novastarAnswerSign, encryption ${encrypt ? 'on' : 'off'}`, () => {
        const HOUR = 3_600_000;
        beforeEach(() => {
          sim.novastarEncrypt = encrypt;
          sim.faults.novastarClockSkewMs = -HOUR;
        });

        it('own-time (the default): the answer carries the processor\'s own time and the sign covers it', async () => {
          const r = await novastar(sim, 'screen/readList', { deviceId: 0 });
          const own = Number(r.reply.json.timeStamp);
          assert.ok(Math.abs(own - (Number(r.sentTimeStamp) - HOUR)) < 60_000, `the skewed clock: ${own} against ${r.sentTimeStamp}`);
          assert.equal(r.signOk, true);
          assert.equal(r.signCovers(r.sentTimeStamp), false);
          assert.ok(Array.isArray((r.body as { screens: unknown[] }).screens));
        });

        it('request-time: the sign covers the request\'s timeStamp; the answer still carries its own', async () => {
          sim.faults.novastarAnswerSign = 'request-time';
          const r = await novastar(sim, 'screen/readList', { deviceId: 0 });
          assert.notEqual(String(r.reply.json.timeStamp), r.sentTimeStamp);
          assert.equal(r.signCovers(r.sentTimeStamp), true);
          assert.equal(r.signOk, false);
          assert.ok(Array.isArray((r.body as { screens: unknown[] }).screens));
        });

        it('empty: "sign": "" and no timeStamp, as in the vendor\'s examples, until reset', async () => {
          sim.faults.novastarAnswerSign = 'empty';
          const r = await novastar(sim, 'screen/readList', { deviceId: 0 });
          assert.equal(r.reply.json.sign, '');
          assert.equal('timeStamp' in r.reply.json, false);
          assert.equal(r.status, 0);
          assert.ok(Array.isArray((r.body as { screens: unknown[] }).screens));
          sim.reset();
          assert.equal(sim.faults.novastarAnswerSign, 'own-time');
          assert.equal(sim.faults.novastarClockSkewMs, 0);
        });
      });
    }

    it('novastarBadBodyNext: a rightly signed body that decrypts to non-JSON', async () => {
      sim.faults.novastarBadBodyNext(1);
      const bad = await novastar(sim, 'screen/readList', { deviceId: 0 });
      assert.equal(bad.signOk, true);
      assert.equal(typeof bad.body, 'string');
      assert.throws(() => JSON.parse(bad.body as string));
    });

    it('novastarStatusWithSpace: the key is "status " until turned off', async () => {
      sim.faults.novastarStatusWithSpace = true;
      const quirky = await novastar(sim, 'device/readDetail', {});
      assert.equal(quirky.reply.json['status '], 0);
      assert.equal('status' in quirky.reply.json, false);
      sim.faults.novastarStatusWithSpace = false;
      assert.equal((await novastar(sim, 'device/readDetail', {})).status, 0);
    });
  });
});
