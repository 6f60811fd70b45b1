import assert from 'node:assert/strict';
import { onbrightBasicAuth } from '../../lib/crypto';
import { DEMO, startSimulator, type Simulator } from '../../simulator';
import { BASIC, onbrightCall, onbrightLogin, send } from './helpers';

const OBOX = '/consumer/open/obox';
const DEVICE = '/consumer/open/device';
const LOCK = '/consumer/open/intelligentRemoteUser';

describe('simulator: On-Bright', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const clientToken = async (): Promise<string> =>
    (await send(sim.url, '/oauth/token', { method: 'POST', query: { grant_type: 'client_credentials' }, headers: { Authorization: BASIC } })).json.access_token as string;

  describe('login', () => {
    it('client credentials give a bearer token of scope company, the same one while it lives', async () => {
      const r = await send(sim.url, '/oauth/token', { method: 'POST', query: { grant_type: 'client_credentials' }, headers: { Authorization: BASIC } });
      assert.equal(r.status, 200);
      assert.equal(r.json.token_type, 'bearer');
      assert.equal(r.json.scope, 'company');
      assert.equal(r.json.expires_in, 518400);
      assert.equal(await clientToken(), r.json.access_token);
      assert.equal(sim.counters.logins.onbright, 2);
    });

    it('refuses a wrong client with HTTP 401 Bad credentials, no Basic header with 401 too', async () => {
      const wrong = await send(sim.url, '/oauth/token', { method: 'POST', query: { grant_type: 'client_credentials' }, headers: { Authorization: onbrightBasicAuth('demo-client', 'nope') } });
      assert.equal(wrong.status, 401);
      assert.deepEqual(wrong.json, { error: 'unauthorized', error_description: 'Bad credentials' });
      const none = await send(sim.url, '/oauth/token', { method: 'POST', query: { grant_type: 'client_credentials' } });
      assert.equal(none.status, 401);
      const grant = await send(sim.url, '/oauth/token', { method: 'POST', query: { grant_type: 'password' }, headers: { Authorization: BASIC } });
      assert.equal(grant.status, 400);
      assert.equal(grant.json.error, 'unsupported_grant_type');
    });

    it('the company login exchanges the client token and uniqueKey for the business token', async () => {
      const token1 = await clientToken();
      const r = await send(sim.url, '/login/company', { method: 'POST', query: { accessToken: token1, uniqueKey: DEMO.onbright.uniqueKey }, headers: { Authorization: BASIC } });
      assert.equal(r.status, 200);
      for (const key of ['access_token', 'token_type', 'refresh_token', 'expires_in', 'scope']) assert.ok(key in r.json, key);
      assert.notEqual(r.json.access_token, token1);
    });

    it('refuses a wrong uniqueKey, and a company token in place of the client token, with status 401 in HTTP 200', async () => {
      const token1 = await clientToken();
      const wrongKey = await send(sim.url, '/login/company', { method: 'POST', query: { accessToken: token1, uniqueKey: 'nope' }, headers: { Authorization: BASIC } });
      assert.equal(wrongKey.status, 200);
      assert.equal(wrongKey.json.status, 401);
      const token2 = await onbrightLogin(sim);
      const reused = await send(sim.url, '/login/company', { method: 'POST', query: { accessToken: token2, uniqueKey: DEMO.onbright.uniqueKey }, headers: { Authorization: BASIC } });
      assert.equal(reused.json.status, 401);
      const noBasic = await send(sim.url, '/login/company', { method: 'POST', query: { accessToken: token1, uniqueKey: DEMO.onbright.uniqueKey } });
      assert.equal(noBasic.status, 401);
    });

    it('refresh_token grant gives a new business token and drops the old one', async () => {
      const token1 = await clientToken();
      const login = await send(sim.url, '/login/company', { method: 'POST', query: { accessToken: token1, uniqueKey: DEMO.onbright.uniqueKey }, headers: { Authorization: BASIC } });
      const r = await send(sim.url, '/oauth/token', {
        method: 'POST', query: { grant_type: 'refresh_token', refresh_token: login.json.refresh_token as string }, headers: { Authorization: BASIC },
      });
      assert.equal(r.status, 200);
      assert.notEqual(r.json.access_token, login.json.access_token);
      assert.equal(sim.counters.refreshes.onbright, 1);
      assert.equal((await onbrightCall(sim, 'GET', OBOX, login.json.access_token as string)).status, 401);
      assert.equal((await onbrightCall(sim, 'GET', OBOX, r.json.access_token as string)).json.status, 200);
    });
  });

  describe('business calls: authorization', () => {
    it('an invalid token: HTTP 401 invalid_token, echoing the token as Spring does', async () => {
      const r = await onbrightCall(sim, 'GET', OBOX, 'not-a-token');
      assert.equal(r.status, 401);
      assert.deepEqual(r.json, { error: 'invalid_token', error_description: 'Invalid access token: not-a-token' });
    });

    it('an expired token: the same 401', async () => {
      const token = await onbrightLogin(sim);
      sim.faults.clockOffsetMs = 518401 * 1000;
      const r = await onbrightCall(sim, 'GET', OBOX, token);
      assert.equal(r.status, 401);
      assert.equal(r.json.error, 'invalid_token');
    });

    it('a missing token: 401 unauthorized; a client token: 403; a wrong uniqueKey: status 401', async () => {
      assert.equal((await send(sim.url, OBOX)).status, 401);
      assert.equal((await onbrightCall(sim, 'GET', OBOX, await clientToken())).status, 403);
      const token = await onbrightLogin(sim);
      const r = await send(sim.url, OBOX, { query: { access_token: token, uniqueKey: 'other' } });
      assert.equal(r.status, 200);
      assert.equal(r.json.status, 401);
    });
  });

  describe('OBOX', () => {
    it('lists the seeded OBOXes', async () => {
      const r = await onbrightCall(sim, 'GET', OBOX, await onbrightLogin(sim));
      assert.equal(r.json.status, 200);
      assert.equal(r.json.message, 'select success');
      const { oboxs } = r.json.data as { oboxs: { oboxSerialId: string }[] };
      assert.deepEqual(oboxs.map((o) => o.oboxSerialId), ['9133000000', '6894000000']);
    });

    it('adds (201, obox_serial_id), refuses a duplicate and a missing field (414), deletes (204) and then 413', async () => {
      const token = await onbrightLogin(sim);
      const obox = { deviceConfig: [], groupConfig: [], oboxName: 'OBOX33c0', oboxSerialId: 'c033000000', oboxStatus: '1', oboxVersion: '0a0219080a253002', sceneConfig: [] };
      const added = await onbrightCall(sim, 'POST', OBOX, token, obox);
      assert.deepEqual(added.json, { message: 'add success', status: 201, data: { obox_serial_id: 'c033000000' } });
      assert.equal((await onbrightCall(sim, 'POST', OBOX, token, obox)).json.status, 414);
      const { oboxVersion, ...lowercase } = obox;
      const typo = await onbrightCall(sim, 'POST', OBOX, token, { ...lowercase, oboxSerialId: 'c033000001', oboxversion: oboxVersion });
      assert.equal(typo.json.status, 414);
      const deleted = await onbrightCall(sim, 'DELETE', OBOX, token, { oboxSerialId: 'c033000000' });
      assert.deepEqual(deleted.json, { message: 'delete success', status: 204 });
      assert.equal((await onbrightCall(sim, 'DELETE', OBOX, token, { oboxSerialId: 'c033000000' })).json.status, 413);
    });

    it('refuses bad JSON with 414', async () => {
      const r = await onbrightCall(sim, 'POST', OBOX, await onbrightLogin(sim), '{"oboxName": "x" "oboxSerialId": "y"}');
      assert.equal(r.status, 200);
      assert.equal(r.json.status, 414);
    });
  });

  describe('devices', () => {
    it('a scan adds the device it finds to the OBOX (201)', async () => {
      const token = await onbrightLogin(sim);
      const r = await onbrightCall(sim, 'POST', DEVICE, token, { oboxSerialId: '9133000000', serialId: 'c0330000ff', deviceType: '01' });
      assert.deepEqual(r.json, { message: 'add success', status: 201 });
      assert.equal(sim.state.onbrightDevices.get('c0330000ff')?.oboxSerialId, '9133000000');
      assert.equal((await onbrightCall(sim, 'POST', DEVICE, token, { oboxSerialId: 'nope' })).json.status, 413);
      assert.equal((await onbrightCall(sim, 'POST', DEVICE, token, {})).json.status, 414);
    });

    it('delete: 204, then 413', async () => {
      const token = await onbrightLogin(sim);
      assert.equal((await onbrightCall(sim, 'DELETE', DEVICE, token, { serialId: 'c0330000a1' })).json.status, 204);
      assert.equal((await onbrightCall(sim, 'DELETE', DEVICE, token, { serialId: 'c0330000a1' })).json.status, 413);
    });

    it('registAliDev gives the Aliyun identity; type and zone are required', async () => {
      const token = await onbrightLogin(sim);
      const r = await onbrightCall(sim, 'POST', '/consumer/open/registAliDev', token, { type: 'OBOX', zone: 'Asia/Shanghai' });
      assert.equal(r.json.status, 200);
      const data = r.json.data as Record<string, string>;
      assert.equal(data.kitCenter, 'cn-shanghai');
      for (const key of ['deviceName', 'productKey', 'deviceSecret']) assert.ok(data[key], key);
      assert.equal((await onbrightCall(sim, 'POST', '/consumer/open/registAliDev', token, { type: 'OBOX' })).json.status, 414);
      assert.equal((await onbrightCall(sim, 'POST', '/consumer/open/registAliDev', token, { type: 'OBOX', zone: 'Mars/Base' })).json.status, 414);
    });
  });

  describe('door-lock users', () => {
    const guest = { serialId: 'lock000001', nickName: 'Guest', startTime: '1767225600000', endTime: '1767312000000', times: 3, mobile: '15879618946', isMax: 0 };

    it('adds a user to a door lock (201) with a generated 9-digit pwd and the next pin', async () => {
      const r = await onbrightCall(sim, 'POST', LOCK, await onbrightLogin(sim), guest);
      assert.equal(r.json.status, 201);
      const user = (r.json.data as { remoteUser: Record<string, unknown> }).remoteUser;
      assert.match(user.pwd as string, /^\d{9}$/);
      assert.equal(user.pin, 11);
      assert.equal(user.nickName, 'Guest');
      assert.equal(user.start, '2026-01-01 08:00:00');
      assert.equal(user.timeLeft, '3');
    });

    it('refuses a device that is not a door lock (413) and missing fields (414)', async () => {
      const token = await onbrightLogin(sim);
      assert.equal((await onbrightCall(sim, 'POST', LOCK, token, { ...guest, serialId: 'c0330000a1' })).json.status, 413);
      for (const name of ['nickName', 'startTime', 'endTime', 'times']) {
        const body: Record<string, unknown> = { ...guest };
        delete body[name];
        assert.equal((await onbrightCall(sim, 'POST', LOCK, token, body)).json.status, 414, name);
      }
      assert.equal((await onbrightCall(sim, 'POST', LOCK, token, { ...guest, endTime: '1000000000000' })).json.status, 414);
    });

    it('updates a user by pin (205) with a new pwd; an unknown pin is 413', async () => {
      const token = await onbrightLogin(sim);
      const r = await onbrightCall(sim, 'PUT', LOCK, token, { ...guest, nickName: 'Cleaner 2', pin: 10 });
      assert.equal(r.json.status, 205);
      const data = r.json.data as { pwd: string; remoteUser: Record<string, unknown> };
      assert.match(data.pwd, /^\d{9}$/);
      assert.equal(data.remoteUser.nickName, 'Cleaner 2');
      assert.equal(data.remoteUser.pwd, data.pwd);
      assert.equal((await onbrightCall(sim, 'PUT', LOCK, token, { ...guest, pin: 99 })).json.status, 413);
      assert.equal((await onbrightCall(sim, 'PUT', LOCK, token, guest)).json.status, 414);
    });
  });
});
