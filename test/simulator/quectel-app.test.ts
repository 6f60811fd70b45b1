import assert from 'node:assert/strict';
import { quectelEncryptPassword, randomString } from '../../lib/crypto';
import { APP_CODES, DEMO, startSimulator, type Simulator } from '../../simulator';
import { APP, appLogin, loginQuery, send, smsQuery } from './helpers';

const SMS = '/v2/sms/enduserapi/v2/sendPhoneSmsCode';
const REGISTER = '/v2/enduser/enduserapi/v2/phonePwdRegister';
const LOGIN = '/v2/enduser/enduserapi/phonePwdLogin';
const REFRESH = '/v2/enduser/enduserapi/refreshToken';
const LIST = '/v2/binding/enduserapi/userDeviceList';

describe('simulator: Quectel App', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ fixedSmsCode: true });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const post = (path: string, query: Record<string, string>) => send(sim.url, path, { method: 'POST', query });

  describe('sendPhoneSmsCode', () => {
    it('stores a code for the phone and codeType', async () => {
      const r = await post(SMS, smsQuery({ phone: '13800138000', codeType: 3 }));
      assert.deepEqual(r.json, { code: 200, msg: '', data: null, extMsg: null });
      const stored = sim.state.smsCodes.get('13800138000');
      assert.equal(stored?.code, DEMO.smsCode);
      assert.equal(stored?.codeType, 3);
    });

    it('gives random 6-digit codes unless fixedSmsCode', async () => {
      const other = await startSimulator();
      try {
        await send(other.url, SMS, { method: 'POST', query: smsQuery({ phone: '13800138000' }) });
        assert.match(other.state.smsCodes.get('13800138000')?.code ?? '', /^\d{6}$/);
      } finally {
        await other.close();
      }
    });

    it('refuses a bad signature with 5420', async () => {
      const r = await post(SMS, smsQuery({ secret: 'wrong-secret' }));
      assert.equal(r.json.code, 5420);
      assert.equal(sim.state.smsCodes.size, 0);
    });

    it('refuses a timestamp more than 10 minutes off with 5145, judged by the server clock', async () => {
      assert.equal((await post(SMS, smsQuery({ ts: Date.now() - 11 * 60_000 }))).json.code, 5145);
      assert.equal((await post(SMS, smsQuery({ ts: Date.now() + 11 * 60_000 }))).json.code, 5145);
      sim.faults.clockOffsetMs = 60 * 60_000;
      assert.equal((await post(SMS, smsQuery())).json.code, 5145);
      assert.equal((await post(SMS, smsQuery({ ts: Date.now() + 60 * 60_000 }))).json.code, 200);
    });

    it('refuses missing parameters with the table\'s "please input" codes, others with APP_CODES.PARAM', async () => {
      const expected: Record<string, number> = { phone: 5021, codeType: APP_CODES.PARAM, random: APP_CODES.PARAM, ts: 5145, userDomain: 5023, signature: 5550 };
      for (const [name, code] of Object.entries(expected)) {
        const q = smsQuery();
        delete q[name];
        const r = await post(SMS, q);
        assert.equal(r.json.code, code, name);
        assert.match(r.json.msg as string, new RegExp(name));
      }
      assert.equal((await post(SMS, { ...smsQuery(), random: 'short' })).json.code, APP_CODES.PARAM);
      assert.equal((await post(SMS, smsQuery({ codeType: 6 }))).json.code, APP_CODES.PARAM);
      assert.equal((await post(SMS, { ...smsQuery(), phone: '12' })).json.code, 5019);
    });

    it('refuses an unknown userDomain with 5015', async () => {
      assert.equal((await post(SMS, smsQuery({ userDomain: 'C.DM.0.0' }))).json.code, 5015);
    });

    it('accepts the document\'s own example, re-timed', async () => {
      // The document's example signature holds for its ts; the server clock is set back to it.
      sim.faults.clockOffsetMs = 1744773894369 - Date.now();
      const r = await post(SMS, {
        codeType: '3', internationalCode: '86', phone: '17132136550', random: '76a6L647F02CAoN9',
        signature: '2deb6518ca0ee701e28a6359a91270c59dbe69456a3336dc5f625bfa32e64df6', ts: '1744773894369', userDomain: 'C.DM.10271.5',
      });
      assert.equal(r.json.code, 200);
    });
  });

  describe('phonePwdRegister', () => {
    const phone = '13800138000';
    const body = (over: Record<string, unknown> = {}): Record<string, unknown> => {
      const random = randomString(16);
      return {
        agreementList: [{ privacyVersion: '1.0.0', protocolType: 1 }, { privacyVersion: '1.0.0', protocolType: 2 }],
        internationalCode: '86', phone, random, pwd: quectelEncryptPassword('secret99', random), smsCode: DEMO.smsCode, userDomain: APP.userDomain,
        ...over,
      };
    };

    it('registers with the SMS register code, uses the code up, and the user can log in', async () => {
      await post(SMS, smsQuery({ phone, codeType: 3 }));
      const r = await send(sim.url, REGISTER, { method: 'POST', body: body() });
      assert.equal(r.json.code, 200);
      const uid = (r.json.data as { uid: string }).uid;
      assert.match(uid, /^C\d+$/);
      assert.equal(sim.state.users.get(phone)?.password, 'secret99');
      assert.equal(sim.state.smsCodes.has(phone), false);
      const login = await post(LOGIN, loginQuery({ phone, password: 'secret99' }));
      assert.equal(login.json.code, 200);
    });

    it('refuses a wrong code, or a code of another type, with 5037', async () => {
      await post(SMS, smsQuery({ phone, codeType: 3 }));
      assert.equal((await send(sim.url, REGISTER, { method: 'POST', body: body({ smsCode: '000000' }) })).json.code, 5037);
      await post(SMS, smsQuery({ phone, codeType: 2 }));
      assert.equal((await send(sim.url, REGISTER, { method: 'POST', body: body() })).json.code, 5037);
      assert.equal(sim.state.users.has(phone), false);
    });

    it('refuses a phone already registered with 5002', async () => {
      await post(SMS, smsQuery({ phone: APP.phone, codeType: 3 }));
      assert.equal((await send(sim.url, REGISTER, { method: 'POST', body: body({ phone: APP.phone }) })).json.code, 5002);
    });

    it('refuses a pwd that does not decrypt with 5353', async () => {
      await post(SMS, smsQuery({ phone, codeType: 3 }));
      const r = await send(sim.url, REGISTER, { method: 'POST', body: body({ pwd: 'bm90IGEgY2lwaGVy' }) });
      assert.equal(r.json.code, 5353);
    });

    it('refuses bad JSON, a wrong content type and a bad agreementList with APP_CODES.PARAM, a missing smsCode with 5029', async () => {
      assert.equal((await send(sim.url, REGISTER, { method: 'POST', body: '{"phone":' })).json.code, APP_CODES.PARAM);
      assert.equal((await send(sim.url, REGISTER, { method: 'POST', body: JSON.stringify(body()), headers: { 'Content-Type': 'text/plain' } })).json.code, APP_CODES.PARAM);
      const noCode = body();
      delete noCode.smsCode;
      assert.equal((await send(sim.url, REGISTER, { method: 'POST', body: noCode })).json.code, 5029);
      assert.equal((await send(sim.url, REGISTER, { method: 'POST', body: body({ agreementList: 'yes' }) })).json.code, APP_CODES.PARAM);
    });
  });

  describe('phonePwdLogin', () => {
    it('gives a Bearer access token and refresh token with epoch-second expiry', async () => {
      const before = Math.floor(Date.now() / 1000);
      const pair = await appLogin(sim);
      assert.match(pair.accessToken.token, /^Bearer \S+$/);
      assert.match(pair.refreshToken.token, /^Bearer \S+$/);
      assert.ok(Math.abs(pair.accessToken.expirationTime - (before + 7200)) <= 2);
      assert.ok(Math.abs(pair.refreshToken.expirationTime - (before + 2_592_000)) <= 2);
      assert.equal(sim.counters.logins['quectel-app'], 1);
    });

    it('refuses a bad signature with 5420', async () => {
      assert.equal((await post(LOGIN, loginQuery({ secret: 'nope' }))).json.code, 5420);
    });

    it('signs over the encrypted pwd: a swapped pwd breaks the signature', async () => {
      const q = loginQuery();
      q.pwd = quectelEncryptPassword(APP.password, 'another-random!!');
      assert.equal((await post(LOGIN, q)).json.code, 5420);
    });

    it('counts wrong passwords (5146) and locks after five (5325)', async () => {
      for (let left = 4; left >= 1; left--) {
        const r = await post(LOGIN, loginQuery({ password: 'wrong-one' }));
        assert.equal(r.json.code, 5146);
        assert.match(r.json.msg as string, new RegExp(String(left)));
      }
      assert.equal((await post(LOGIN, loginQuery({ password: 'wrong-one' }))).json.code, 5325);
      assert.equal((await post(LOGIN, loginQuery())).json.code, 5325);
    });

    it('refuses an unknown phone with 5004 and missing parameters with their codes', async () => {
      assert.equal((await post(LOGIN, loginQuery({ phone: '13900000000' }))).json.code, 5004);
      const q = loginQuery();
      delete q.random;
      assert.equal((await post(LOGIN, q)).json.code, APP_CODES.PARAM);
      const p = loginQuery();
      delete p.pwd;
      assert.equal((await post(LOGIN, p)).json.code, 5022);
    });
  });

  describe('refreshToken', () => {
    it('gives a new pair; the refresh token is single-use, the old access token lives on', async () => {
      const pair = await appLogin(sim);
      const r = await send(sim.url, REFRESH, { method: 'PUT', query: { refreshToken: pair.refreshToken.token } });
      assert.equal(r.json.code, 200);
      const fresh = r.json.data as typeof pair;
      assert.notEqual(fresh.accessToken.token, pair.accessToken.token);
      assert.equal(sim.counters.refreshes['quectel-app'], 1);
      const again = await send(sim.url, REFRESH, { method: 'PUT', query: { refreshToken: pair.refreshToken.token } });
      assert.equal(again.json.code, 5032);
      for (const token of [pair.accessToken.token, fresh.accessToken.token]) {
        assert.equal((await send(sim.url, LIST, { headers: { Authorization: token } })).json.code, 200);
      }
    });

    it('refuses a missing refresh token with 5115, an access token or unknown one with 5032', async () => {
      const pair = await appLogin(sim);
      assert.equal((await send(sim.url, REFRESH, { method: 'PUT' })).json.code, 5115);
      assert.equal((await send(sim.url, REFRESH, { method: 'PUT', query: { refreshToken: pair.accessToken.token } })).json.code, 5032);
      assert.equal((await send(sim.url, REFRESH, { method: 'PUT', query: { refreshToken: 'Bearer nope' } })).json.code, 5032);
    });
  });

  describe('userDeviceList', () => {
    it('lists the demo user\'s 23 devices, 10 a page by default, PageHelper-shaped', async () => {
      const { accessToken } = await appLogin(sim);
      const r = await send(sim.url, LIST, { headers: { Authorization: accessToken.token } });
      assert.equal(r.json.code, 200);
      const data = r.json.data as Record<string, unknown> & { list: Record<string, unknown>[] };
      assert.equal(data.total, 23);
      assert.equal(data.list.length, 10);
      assert.equal(data.pageNum, 1);
      assert.equal(data.pageSize, 10);
      assert.equal(data.pages, 3);
      assert.equal(data.hasNextPage, true);
      assert.deepEqual(data.navigatepageNums, [1, 2, 3]);
      assert.equal(data.list[0].productKey, 'p11pLZ');
      assert.equal(data.list[0].deviceKey, 'D001');
    });

    it('pages and filters by pkList, dk and deviceName', async () => {
      const { accessToken } = await appLogin(sim);
      const get = async (query: Record<string, string>) =>
        (await send(sim.url, LIST, { query, headers: { Authorization: accessToken.token } })).json.data as { total: number; list: { productKey: string; deviceKey: string }[]; isLastPage: boolean };
      const last = await get({ page: '3', pageSize: '10' });
      assert.equal(last.list.length, 3);
      assert.equal(last.isLastPage, true);
      const two = await get({ pkList: 'p11qT3,p11s8K' });
      assert.equal(two.total, 13);
      assert.ok(two.list.every((d) => d.productKey !== 'p11pLZ'));
      assert.equal((await get({ dk: 'D002' })).list[0].deviceKey, 'D002');
      assert.equal((await get({ deviceName: '智能插座' })).total, 5);
      const bad = await send(sim.url, LIST, { query: { pageSize: '0' }, headers: { Authorization: accessToken.token } });
      assert.equal(bad.json.code, APP_CODES.PARAM);
    });

    it('refuses a missing token with 5106, a wrong or expired one with 5032', async () => {
      assert.equal((await send(sim.url, LIST)).json.code, 5106);
      const { accessToken } = await appLogin(sim);
      const bare = accessToken.token.slice('Bearer '.length);
      assert.equal((await send(sim.url, LIST, { headers: { Authorization: bare } })).json.code, 5032, 'the token is sent as given, Bearer included');
      sim.faults.clockOffsetMs = 7201 * 1000;
      assert.equal((await send(sim.url, LIST, { headers: { Authorization: accessToken.token } })).json.code, 5032);
    });

    it('follows the configured lifetime', async () => {
      const short = await startSimulator({ lifetimes: { quectelAppAccess: 1 } });
      try {
        const { accessToken } = await appLogin(short);
        assert.equal((await send(short.url, LIST, { headers: { Authorization: accessToken.token } })).json.code, 200);
        await new Promise((resolve) => setTimeout(resolve, 1100));
        assert.equal((await send(short.url, LIST, { headers: { Authorization: accessToken.token } })).json.code, 5032);
      } finally {
        await short.close();
      }
    });
  });
});
