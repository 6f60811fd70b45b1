import assert from 'node:assert/strict';
import { sha256Hex } from '../../lib/crypto';
import { DEMO, startSimulator, type Simulator } from '../../simulator';
import { saasLogin, saasLoginQuery, send } from './helpers';

const LOGIN = '/v2/quecauth/accessKeyAuthrize/accessKeyLogin';
const REFRESH = '/v2/quecauth/accessKeyAuthrize/refreshToken';
const TSL = '/v2/quectsl/openapi/product/export/tslFile';
const DEVICES = '/v2/devicemgr/r3/openapi/product/device/overview';

describe('simulator: Quectel SaaS', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  describe('accessKeyLogin', () => {
    it('gives a QJWT token at the top level, by GET or POST', async () => {
      const r = await send(sim.url, LOGIN, { query: saasLoginQuery() });
      assert.equal(r.json.code, 200);
      assert.equal(r.json.msg, 'OK');
      assert.match(r.json.access_token as string, /^QJWT \S+$/);
      assert.equal(r.json.token_type, 'jwt');
      assert.equal(r.json.expires_in, 7200);
      assert.equal(r.json.scope, '');
      assert.equal('data' in r.json, false);
      const post = await send(sim.url, LOGIN, { method: 'POST', query: saasLoginQuery() });
      assert.equal(post.json.code, 200);
      assert.equal(sim.counters.logins['quectel-saas'], 2);
    });

    it('takes the username fields in any order', async () => {
      const timestamp = Date.now();
      const username = `access_key=${DEMO.quectelSaas.accessKey}&timestamp=${timestamp}&sign_method=sha256&ver=1&auth_mode=accessKey`;
      const password = sha256Hex(username + DEMO.quectelSaas.accessSecret);
      const r = await send(sim.url, LOGIN, { query: { grant_type: 'password', username, password } });
      assert.equal(r.json.code, 200);
    });

    it('refuses an unknown AccessKey with 90047, in the document\'s failure shape', async () => {
      const r = await send(sim.url, LOGIN, { query: saasLoginQuery({ accessKey: 'nope' }) });
      assert.deepEqual(r.json, { msg: "AccessKey didn't exists", code: 90047, error: "AccessKey didn't exists" });
    });

    it('refuses a stale timestamp and a wrong secret alike, with 90048 (only the Date header tells a skewed clock)', async () => {
      assert.equal((await send(sim.url, LOGIN, { query: saasLoginQuery({ timestamp: Date.now() - 11 * 60_000 }) })).json.code, 90048);
      assert.equal((await send(sim.url, LOGIN, { query: saasLoginQuery({ secret: 'wrong' }) })).json.code, 90048);
    });

    it('refuses a missing or malformed parameter with 50005', async () => {
      const q = saasLoginQuery();
      assert.equal((await send(sim.url, LOGIN, { query: { ...q, grant_type: 'client_credentials' } })).json.code, 50005);
      assert.equal((await send(sim.url, LOGIN, { query: { grant_type: 'password', username: q.username } })).json.code, 50005);
      const noVer = q.username.replace('ver=1&', '');
      assert.equal((await send(sim.url, LOGIN, { query: { ...q, username: noVer, password: sha256Hex(noVer + DEMO.quectelSaas.accessSecret) } })).json.code, 50005);
    });

    it('needs the username URI-encoded: sent raw, its fields split off', async () => {
      const q = saasLoginQuery();
      const raw = `${LOGIN}?grant_type=password&username=${q.username}&password=${q.password}`;
      assert.equal((await send(sim.url, raw)).json.code, 50005);
    });
  });

  describe('refreshToken', () => {
    it('within 30 minutes gives the same token back', async () => {
      const token = await saasLogin(sim);
      const r = await send(sim.url, REFRESH, { query: { refresh_token: token, grant_type: 'refresh_token' } });
      assert.equal(r.json.code, 200);
      assert.equal(r.json.access_token, token);
      assert.equal(sim.counters.refreshes['quectel-saas'], 1);
    });

    it('after 30 minutes gives a new token; the old one stays valid until it expires', async () => {
      const token = await saasLogin(sim);
      sim.faults.clockOffsetMs = 31 * 60_000;
      const r = await send(sim.url, REFRESH, { method: 'POST', query: { refresh_token: token, grant_type: 'refresh_token' } });
      assert.equal(r.json.code, 200);
      const fresh = r.json.access_token as string;
      assert.notEqual(fresh, token);
      assert.equal(r.json.expires_in, 7200);
      for (const t of [token, fresh]) {
        assert.equal((await send(sim.url, TSL, { query: { productKey: 'p11v14' }, headers: { Authorization: t } })).json.code, 200);
      }
    });

    it('refuses an unknown token with 91001, an expired one with 91004, a bad grant_type with 50005', async () => {
      assert.equal((await send(sim.url, REFRESH, { query: { refresh_token: 'QJWT nope', grant_type: 'refresh_token' } })).json.code, 91001);
      const token = await saasLogin(sim);
      assert.equal((await send(sim.url, REFRESH, { query: { refresh_token: token, grant_type: 'password' } })).json.code, 50005);
      sim.faults.clockOffsetMs = 7201 * 1000;
      assert.equal((await send(sim.url, REFRESH, { query: { refresh_token: token, grant_type: 'refresh_token' } })).json.code, 91004);
    });
  });

  describe('tslFile', () => {
    it('exports the TSL model, in Chinese by default and in English on request', async () => {
      const token = await saasLogin(sim);
      const cn = await send(sim.url, TSL, { query: { productKey: 'p11v14' }, headers: { Authorization: token } });
      assert.equal(cn.json.code, 200);
      const data = cn.json.data as { profile: Record<string, string>; properties: { code: string; name: string; specs: { name?: string }[] }[]; events: unknown[]; services: unknown[] };
      assert.equal(data.profile.productKey, 'p11v14');
      assert.equal(data.profile.tslVersion, '1.2.0');
      const sw = data.properties.find((p) => p.code === 'switch');
      assert.equal(sw?.name, '开关');
      assert.equal(sw?.specs[0].name, '开启');
      assert.ok(data.events.length > 0 && data.services.length > 0);
      const en = await send(sim.url, TSL, { query: { productKey: 'p11v14', language: 'EN' }, headers: { Authorization: token } });
      assert.equal((en.json.data as typeof data).properties[0].name, 'Switch');
    });

    it('refuses: no productKey 50006, unknown product 70017, bad language 50005', async () => {
      const token = await saasLogin(sim);
      const call = (query: Record<string, string>) => send(sim.url, TSL, { query, headers: { Authorization: token } });
      assert.equal((await call({})).json.code, 50006);
      assert.equal((await call({ productKey: 'nope' })).json.code, 70017);
      assert.equal((await call({ productKey: 'p11v14', language: 'FR' })).json.code, 50005);
    });

    it('refuses a missing or unknown token with 91001, a malformed or expired one with 91004', async () => {
      const token = await saasLogin(sim);
      const call = (headers: Record<string, string>) => send(sim.url, TSL, { query: { productKey: 'p11v14' }, headers });
      assert.equal((await call({})).json.code, 91001);
      assert.equal((await call({ Authorization: 'QJWT unknown' })).json.code, 91001);
      assert.equal((await call({ Authorization: token.slice(5) })).json.code, 91004);
      sim.faults.clockOffsetMs = 7201 * 1000;
      assert.equal((await call({ Authorization: token })).json.code, 91004);
    });
  });

  describe('device overview', () => {
    it('lists a product\'s devices with paging fields at the top level', async () => {
      const token = await saasLogin(sim);
      const r = await send(sim.url, DEVICES, { query: { productKey: 'p11v14', pageSize: '5' }, headers: { Authorization: token } });
      assert.equal(r.json.code, 200);
      assert.equal(r.json.total, 9);
      assert.equal(r.json.pages, 2);
      assert.equal(r.json.pageNum, 1);
      assert.equal(r.json.pageSize, 5);
      assert.equal((r.json.data as unknown[]).length, 5);
    });

    it('filters by deviceKey and deviceStatus', async () => {
      const token = await saasLogin(sim);
      const call = (query: Record<string, string>) => send(sim.url, DEVICES, { query: { productKey: 'p11v14', ...query }, headers: { Authorization: token } });
      const online = await call({ deviceStatus: '1' });
      assert.ok((online.json.data as { deviceStatus: number }[]).every((d) => d.deviceStatus === 1));
      assert.equal(online.json.total, 5);
      assert.equal((await call({ deviceKey: 'SW000002' })).json.total, 1);
      assert.equal((await call({ deviceStatus: '2' })).json.code, 50005);
      assert.equal((await call({ pageNum: 'x' })).json.code, 50005);
    });

    it('needs productKey (50006) and a known product (70017)', async () => {
      const token = await saasLogin(sim);
      assert.equal((await send(sim.url, DEVICES, { headers: { Authorization: token } })).json.code, 50006);
      assert.equal((await send(sim.url, DEVICES, { query: { productKey: 'zz' }, headers: { Authorization: token } })).json.code, 70017);
    });
  });
});
