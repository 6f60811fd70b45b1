// The simulated Quectel devices behind both APIs: control calls, the values
// and history they leave, and the subscription messages they publish.
import assert from 'node:assert/strict';
import { quectelEncryptPassword, randomString, sha256Hex } from '../../lib/crypto';
import { DEMO, startSimulator, type Simulator, type SubscriptionMessage } from '../../simulator';
import { APP, appLogin, loginQuery, saasLogin, send } from './helpers';

const EMAIL_LOGIN = '/v2/enduser/enduserapi/emailPwdLogin';
const PHONE_LOGIN = '/v2/enduser/enduserapi/phonePwdLogin';
const BATCH = '/v2/binding/enduserapi/batchControlDevice';
const ATTRS = '/v2/binding/enduserapi/getDeviceBusinessAttributes';
const PROP_HISTORY = '/v2/quecdatastorage/enduserapi/getPropertyDataList';
const APP_TSL = '/v2/binding/enduserapi/productTSL';
const DEVICE_INFO = '/v2/binding/enduserapi/deviceInfo';
const WRITE = '/v2/deviceshadow/r3/openapi/dm/writeData';
const SERVICE = '/v2/deviceshadow/r3/openapi/dm/sendServiceData';
const RAW = '/v2/deviceshadow/r3/openapi/raw/sendData';
const DETAIL = '/v2/devicemgr/r3/openapi/device/detail';
const RESOURCE = '/v2/deviceshadow/r2/openapi/device/resource';
const HISTORY = '/v2/quecdatastorage/r1/openapi/device/data/history';
const OVERVIEW = '/v2/devicemgr/r3/openapi/product/device/overview';

/** Seeded: App devices D003, D006, D009 (p11pLZ) are online, D001 offline; SaaS SW000001 online, SW000002 offline. */
const LAMP = 'p11pLZ';
const SWITCH = 'p11v14';

function jwtPayload(token: string): Record<string, unknown> {
  const parts = token.split(' ')[1].split('.');
  assert.equal(parts.length, 3);
  return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

function emailQuery(opts: { email?: string; password?: string; secret?: string } = {}): Record<string, string> {
  const random = randomString(16);
  const pwd = quectelEncryptPassword(opts.password ?? APP.password, random);
  const email = opts.email ?? DEMO.quectelApp.email;
  const signature = sha256Hex(`${email}${pwd}${random}${opts.secret ?? APP.userDomainSecret}`);
  return { email, pwd, random, userDomain: APP.userDomain, signature };
}

describe('simulator: Quectel devices', () => {
  let sim: Simulator;
  let messages: SubscriptionMessage[];
  const listener = (m: SubscriptionMessage): void => {
    messages.push(m);
  };
  before(async () => {
    sim = await startSimulator();
    sim.subscription.on('message', listener);
  });
  after(() => {
    sim.subscription.off('message', listener);
    return sim.close();
  });
  beforeEach(() => {
    sim.reset();
    messages = [];
  });

  describe('tokens', () => {
    it('App tokens are Bearer JWTs naming the user, with exp in seconds and a random jti', async () => {
      const pair = await appLogin(sim);
      const access = jwtPayload(pair.accessToken.token);
      assert.equal(access.uid, 'C131362');
      assert.equal(access.type, 'AccessToken');
      assert.equal(access.exp, pair.accessToken.expirationTime);
      assert.equal(jwtPayload(pair.refreshToken.token).type, 'RefreshToken');
      assert.notEqual(access.jti, jwtPayload((await appLogin(sim)).accessToken.token).jti);
    });

    it('SaaS tokens are QJWT JWTs whose subject is the AccessKey', async () => {
      const token = await saasLogin(sim);
      const payload = jwtPayload(token);
      assert.equal(payload.sub, DEMO.quectelSaas.accessKey);
      assert.ok(Math.abs((payload.exp as number) - (Date.now() / 1000 + 7200)) < 5);
      assert.equal(typeof payload.jti, 'string');
    });
  });

  describe('App emailPwdLogin', () => {
    const post = (query: Record<string, string>) => send(sim.url, EMAIL_LOGIN, { method: 'POST', query });

    it('logs the demo user in by email', async () => {
      const r = await post(emailQuery());
      assert.equal(r.json.code, 200, r.text);
      const data = r.json.data as { accessToken: { token: string } };
      assert.equal(jwtPayload(data.accessToken.token).uid, 'C131362');
    });

    it('refuses a bad signature (5420), an unknown email (5031), missing fields with their codes', async () => {
      assert.equal((await post(emailQuery({ secret: 'nope' }))).json.code, 5420);
      assert.equal((await post(emailQuery({ email: 'nobody@example.com' }))).json.code, 5031);
      assert.equal((await post({ ...emailQuery(), email: 'not-an-email' })).json.code, 5040);
      for (const [name, code] of [['email', 5026], ['pwd', 5022], ['userDomain', 5023], ['signature', 5550]] as const) {
        const q = emailQuery();
        delete q[name];
        assert.equal((await post(q)).json.code, code, name);
      }
    });

    it('counts wrong passwords with the page\'s codes, toward the same lock as the phone login', async () => {
      assert.equal((await post(emailQuery({ password: 'wrong-one' }))).json.code, 5586);
      assert.equal((await post(emailQuery({ password: 'wrong-one' }))).json.code, 5585);
      assert.equal((await send(sim.url, PHONE_LOGIN, { method: 'POST', query: loginQuery({ password: 'wrong-one' }) })).json.code, 5146);
      assert.equal((await post(emailQuery({ password: 'wrong-one' }))).json.code, 5583);
      assert.equal((await post(emailQuery({ password: 'wrong-one' }))).json.code, 5325);
      assert.equal((await post(emailQuery())).json.code, 5325);
      assert.equal((await send(sim.url, PHONE_LOGIN, { method: 'POST', query: loginQuery() })).json.code, 5325);
    });
  });

  describe('App device calls', () => {
    let token: string;
    beforeEach(async () => {
      token = (await appLogin(sim)).accessToken.token;
    });
    const batch = (body: unknown, auth: string | undefined = token) =>
      send(sim.url, BATCH, { method: 'POST', body, headers: auth ? { Authorization: auth } : {} });
    const get = (path: string, query: Record<string, string>) => send(sim.url, path, { query, headers: { Authorization: token } });
    const write = (data: string, deviceKeys = ['D003']) =>
      batch({ type: 2, data, deviceList: deviceKeys.map((deviceKey) => ({ productKey: LAMP, deviceKey })) });

    it('batchControlDevice writes properties: ticket, new values, history and subscription messages', async () => {
      const r = await write('{"switch":true,"brightness":55}');
      assert.equal(r.json.code, 200, r.text);
      const data = r.json.data as { successList: { data: { productKey: string; deviceKey: string }; ticket: string }[]; failureList: unknown[] };
      assert.deepEqual(data.failureList, []);
      assert.deepEqual(data.successList[0].data, { productKey: LAMP, deviceKey: 'D003' });
      const ticket = data.successList[0].ticket;
      assert.match(ticket, /^\d{19}$/);

      const attrs = await get(ATTRS, { pk: LAMP, dk: 'D003', type: '2', codeList: 'switch,brightness' });
      assert.equal(attrs.json.code, 200, attrs.text);
      const info = (attrs.json.data as { customizeTslInfo: Record<string, unknown>[] }).customizeTslInfo;
      assert.deepEqual(info.map((i) => [i.resourceCode, i.resourceValce, i.dataType, i.subType]), [['switch', 'true', 'BOOL', 'RW'], ['brightness', '55', 'INT', 'RW']]);

      const hist = await get(PROP_HISTORY, { pk: LAMP, dk: 'D003', attributeCode: 'brightness', startTimestamp: String(Date.now() - 60_000), endTimestamp: String(Date.now() + 60_000) });
      assert.equal(hist.json.code, 200, hist.text);
      const page = hist.json.data as { total: number; list: { propertyCode: string; propertyValue: unknown; createTimeTs: number }[] };
      assert.equal(page.total, 1);
      assert.deepEqual([page.list[0].propertyCode, page.list[0].propertyValue], ['brightness', 55]);

      const [writeMsg, report] = messages;
      assert.deepEqual({ ...writeMsg, createdAt: 0 }, { productKey: LAMP, deviceKey: 'D003', type: 'MATTR', subtype: 'WRITE', createdAt: 0, ticket, data: { kv: { switch: true, brightness: '55' } } });
      assert.equal(report.type, 'MATTR');
      assert.equal(report.subtype, 'REPORT');
      assert.equal(report.ticket, ticket);
      assert.deepEqual(report.data, { packetId: 1, kv: { switch: true, brightness: '55' } });
    });

    it('accepts the list form and calls a service (type 3) with MSERV INPUT and OUTPUT messages', async () => {
      assert.equal(((await write('[{"color":"2"}]')).json.data as { successList: unknown[] }).successList.length, 1);
      const r = await batch({ type: 3, data: '[{"blink":[{"times":"3"}]}]', deviceList: [{ productKey: LAMP, deviceKey: 'D003' }] });
      const ticket = (r.json.data as { successList: { ticket: string }[] }).successList[0].ticket;
      const service = messages.filter((m) => m.type === 'MSERV');
      assert.deepEqual(service.map((m) => [m.subtype, m.ticket, (m.data as { code: string }).code]), [['INPUT', ticket, 'blink'], ['OUTPUT', ticket, 'blink']]);
      assert.deepEqual((service[0].data as { kv: unknown }).kv, { times: '3' });
    });

    it('sends passthrough data (type 1) as a RAW DOWNLINK', async () => {
      const r = await batch({ type: 1, dataFormat: 1, data: 'A1B2', deviceList: [{ productKey: LAMP, deviceKey: 'D006' }] });
      assert.equal((r.json.data as { successList: unknown[] }).successList.length, 1, r.text);
      assert.deepEqual(messages.map((m) => [m.type, m.subtype, (m.data as { raw: string }).raw]), [['RAW', 'DOWNLINK', Buffer.from('a1b2', 'hex').toString('base64')]]);
    });

    it('fails per device: offline, not the user\'s, out of range, read-only, unknown property', async () => {
      const failure = async (data: string, dk: string) => {
        const r = await write(data, [dk]);
        assert.equal(r.json.code, 200, r.text);
        const d = r.json.data as { successList: unknown[]; failureList: { data: { deviceKey: string }; msg: string }[] };
        assert.equal(d.successList.length, 0, r.text);
        assert.equal(d.failureList[0].data.deviceKey, dk);
        return d.failureList[0].msg;
      };
      assert.match(await failure('{"switch":true}', 'D001'), /离线/);
      assert.match(await failure('{"switch":true}', 'NOPE'), /未绑定/);
      assert.match(await failure('{"brightness":101}', 'D003'), /范围/);
      assert.match(await failure('{"color":"9"}', 'D003'), /枚举/);
      assert.match(await failure('{"power":"3"}', 'D003'), /只读/);
      assert.match(await failure('{"nope":"3"}', 'D003'), /标识符/);
      assert.match(await failure('{"switch":"maybe"}', 'D003'), /类型/);
      assert.equal(messages.length, 0);
    });

    it('holds a cached command for an offline device and delivers it when it comes online', async () => {
      const r = await batch({ type: 2, data: '{"switch":true}', isCache: 1, cacheTime: 60, deviceList: [{ productKey: LAMP, deviceKey: 'D001' }] });
      const ticket = (r.json.data as { successList: { ticket: string }[] }).successList[0].ticket;
      assert.equal(messages.length, 0);
      sim.setDeviceOnline(LAMP, 'D001', true);
      assert.deepEqual(messages.map((m) => [m.type, m.subtype ?? null]), [['ONLINE', null], ['MATTR', 'WRITE'], ['MATTR', 'REPORT']]);
      assert.equal(messages[2].ticket, ticket);
      assert.equal(sim.state.shadows.get(`${LAMP}/D001`)?.values.switch, true);
    });

    it('refuses the documented request errors', async () => {
      const list = [{ productKey: LAMP, deviceKey: 'D003' }];
      assert.equal((await batch({ type: 2, data: '{}', deviceList: list }, '')).json.code, 5106);
      assert.equal((await batch({ type: 2, data: '{}', deviceList: list }, 'Bearer nope')).json.code, 5032);
      assert.equal((await batch({ data: '{}', deviceList: list })).json.code, 5070);
      assert.equal((await batch({ type: 4, data: '{}', deviceList: list })).json.code, 5071);
      assert.equal((await batch({ type: 1, data: 'ab', deviceList: list })).json.code, 5072);
      assert.equal((await batch({ type: 1, dataFormat: 3, data: 'ab', deviceList: list })).json.code, 5073);
      assert.equal((await batch({ type: 2, deviceList: list })).json.code, 5074);
      assert.equal((await batch({ type: 1, dataFormat: 2, data: 'x'.repeat(4097), deviceList: list })).json.code, 5075);
      assert.equal((await batch({ type: 2, data: '{}' })).json.code, 5311);
      assert.equal((await batch({ type: 2, data: '{}', deviceList: Array(101).fill(list[0]) })).json.code, 5312);
      assert.equal((await batch({ type: 2, data: '{}', deviceList: list, isCache: 1 })).json.code, 5328);
      assert.equal((await batch({ type: 2, data: '{}', deviceList: list, isCache: 1, cacheTime: 7_776_001 })).json.code, 5329);
      assert.equal((await batch({ type: 2, data: '{}', deviceList: list, isCache: 3 })).json.code, 5330);
      assert.equal((await batch({ type: 2, data: '{}', deviceList: list, isCover: 3 })).json.code, 5331);
    });

    it('getDeviceBusinessAttributes: all types by default; 5052 for a device not bound, 5471 for codeList without type', async () => {
      const r = await get(ATTRS, { pk: LAMP, dk: 'D003' });
      const data = r.json.data as Record<string, unknown>;
      assert.deepEqual(Object.keys(data).sort(), ['customizeTslInfo', 'deviceData', 'deviceLocateInfo']);
      assert.equal((data.customizeTslInfo as unknown[]).length, 4);
      assert.equal((await get(ATTRS, { pk: LAMP, dk: 'NOPE' })).json.code, 5052);
      assert.equal((await get(ATTRS, { pk: LAMP, dk: 'D003', codeList: 'switch' })).json.code, 5471);
      assert.equal((await get(ATTRS, { dk: 'D003' })).json.code, 5066);
      assert.equal((await send(sim.url, ATTRS, { query: { pk: LAMP, dk: 'D003' } })).json.code, 5106);
    });

    it('getPropertyDataList needs its time range and pages newest first', async () => {
      for (let b = 1; b <= 3; b++) await write(`{"brightness":${b}}`);
      const q = { pk: LAMP, dk: 'D003', attributeCode: 'brightness', startTimestamp: String(Date.now() - 60_000), endTimestamp: String(Date.now() + 60_000) };
      const page = (await get(PROP_HISTORY, { ...q, pageSize: '2' })).json.data as { total: number; pages: number; list: { propertyValue: number }[] };
      assert.deepEqual([page.total, page.pages, page.list.map((e) => e.propertyValue)], [3, 2, [3, 2]]);
      const noStart: Record<string, string> = { ...q };
      delete noStart.startTimestamp;
      assert.equal((await get(PROP_HISTORY, noStart)).json.code, 5107);
      assert.equal((await get(PROP_HISTORY, { ...q, endTimestamp: 'soon' })).json.code, 5110);
      assert.equal((await get(PROP_HISTORY, { ...q, startTimestamp: '9', endTimestamp: '1' })).json.code, 5223);
    });

    it('productTSL gives the product\'s thing model; 5066 without pk, 5193 for an unknown product', async () => {
      const r = await get(APP_TSL, { pk: 'p11s8K' });
      const data = r.json.data as { profile: { productKey: string }; properties: { code: string }[]; services: { inputData: { code: string }[] }[] };
      assert.equal(data.profile.productKey, 'p11s8K');
      assert.ok(data.properties.some((p) => p.code === 'switch'));
      assert.equal(data.services[0].inputData[0].code, 'minutes');
      assert.equal((await get(APP_TSL, {})).json.code, 5066);
      assert.equal((await get(APP_TSL, { pk: 'p00000' })).json.code, 5193);
    });

    it('deviceInfo shows the online state as it changes', async () => {
      const info = async () => (await get(DEVICE_INFO, { pk: LAMP, dk: 'D001' })).json.data as { onlineStatus: number; deviceStatus: string };
      assert.equal((await info()).onlineStatus, 0);
      sim.setDeviceOnline(LAMP, 'D001', true);
      assert.deepEqual(await info().then((d) => [d.onlineStatus, d.deviceStatus]), [1, '在线']);
      assert.equal((await get(DEVICE_INFO, {})).json.code, 5140);
      assert.equal((await get(DEVICE_INFO, { pk: LAMP, dk: 'NOPE' })).json.code, 5052);
    });
  });

  describe('SaaS device calls', () => {
    let token: string;
    beforeEach(async () => {
      token = await saasLogin(sim);
    });
    const post = (path: string, body: unknown, auth: string | undefined = token) =>
      send(sim.url, path, { method: 'POST', body, headers: auth ? { Authorization: auth } : {} });
    const get = (path: string, query: Record<string, string>) => send(sim.url, path, { query, headers: { Authorization: token } });
    type Result = { code: number; productKey: string; deviceKey: string; ticket: string | null; message: string | null };
    const write = async (data: string, devices = ['SW000001'], extra: Record<string, unknown> = {}) => {
      const r = await post(WRITE, { productKey: SWITCH, devices, data, ...extra });
      assert.equal(r.json.code, 200, r.text);
      return r.json.data as Result[];
    };

    it('writeData: one result per device, the value in the detail call\'s device and in the history, messages with its ticket', async () => {
      const [result] = await write('[{"switch":"true"},{"brightness":"80"}]');
      assert.equal(result.code, 200);
      assert.equal(result.message, null);
      assert.match(result.ticket as string, /^\d{19}$/);
      assert.equal(sim.state.shadows.get(`${SWITCH}/SW000001`)?.values.brightness, 80);
      const report = messages.find((m) => m.subtype === 'REPORT');
      assert.deepEqual(report?.data, { packetId: 1, kv: { switch: true, brightness: '80' } });
      assert.equal(report?.ticket, result.ticket);

      // Since just before the write: the device's report from when it last connected is older.
      const h = await get(HISTORY, { productKey: SWITCH, deviceKey: 'SW000001', beginDateTimp: String(Date.now() - 60_000) });
      assert.equal(h.json.code, 200, h.text);
      const entries = h.json.data as { direction: number; ticket: string; dmData: string; msgType: string }[];
      assert.deepEqual(entries.map((e) => [e.direction, e.msgType, e.ticket]), [[1, 'up', result.ticket], [2, 'down', result.ticket]]);
      assert.deepEqual(JSON.parse(entries[0].dmData), [{ id: 1, value: true }, { id: 2, value: '80' }]);
      assert.deepEqual([h.json.total, h.json.pageNum, h.json.pageSize, h.json.pages], [2, 1, 10, 1]);
      const up = await get(HISTORY, { productKey: SWITCH, deviceKey: 'SW000001', direction: '2' });
      assert.equal((await get(HISTORY, { productKey: SWITCH, deviceKey: 'SW000001', direction: '1' })).json.total, 2, 'the report on connecting, and the one after the write');
      assert.equal((up.json.data as unknown[]).length, 1);
      const none = await get(HISTORY, { productKey: SWITCH, deviceKey: 'SW000001', beginDateTimp: '0', endDateTimp: '1000' });
      assert.equal(none.json.total, 0);
    });

    it('writeData answers each device with its published code', async () => {
      const code = async (data: string, dk = 'SW000001') => (await write(data, [dk]))[0].code;
      assert.equal(await code('[{"switch":"true"}]', 'SW000002'), 61002);
      assert.equal(await code('[{"switch":"true"}]', 'NOPE'), 70130);
      assert.equal(await code('[{"brightness":"101"}]'), 70090);
      assert.equal(await code('[{"mode":"5"}]'), 70091);
      assert.equal(await code('[{"power":"1"}]'), 71038);
      assert.equal(await code('[{"nope":"1"}]'), 70094);
      assert.equal(await code('[{"switch":"yes"}]'), 71036);
      const mixed = await write('[{"switch":"false"}]', ['SW000001', 'SW000002']);
      assert.deepEqual(mixed.map((m) => m.code), [200, 61002]);
      assert.equal(messages.filter((m) => m.subtype === 'REPORT').length, 1);
    });

    it('writeData refuses the request: token, body, product, data', async () => {
      assert.equal((await post(WRITE, { productKey: SWITCH, devices: ['SW000001'], data: '[]' }, '')).json.code, 91001);
      assert.equal((await post(WRITE, { productKey: SWITCH, devices: ['SW000001'], data: '[]' }, 'QJWT x.y.z')).json.code, 91001);
      assert.equal((await post(WRITE, { devices: ['SW000001'], data: '[{"switch":"true"}]' })).json.code, 50007);
      assert.equal((await post(WRITE, { productKey: SWITCH, devices: [], data: '[{"switch":"true"}]' })).json.code, 50007);
      assert.equal((await post(WRITE, { productKey: 'p00000', devices: ['SW000001'], data: '[{"switch":"true"}]' })).json.code, 70017);
      assert.equal((await post(WRITE, { productKey: SWITCH, devices: ['SW000001'], data: 'switch=1' })).json.code, 71027);
      assert.equal((await post(WRITE, { productKey: SWITCH, devices: ['SW000001'], data: '[1,2]' })).json.code, 71047);
      assert.equal((await post(WRITE, { productKey: SWITCH, devices: ['SW000001'] })).json.code, 50005);
      assert.equal((await post(WRITE, { productKey: SWITCH, devices: ['SW000001'], data: '[{"switch":"true"}]', qos: 7 })).json.code, 50005);
    });

    it('caches for an offline device when isCache, and delivers on setDeviceOnline', async () => {
      const [held] = await write('[{"switch":"true"}]', ['SW000002'], { isCache: true, cacheTime: 60 });
      assert.equal(held.code, 200);
      assert.equal(messages.length, 0);
      sim.setDeviceOnline(SWITCH, 'SW000002', true);
      assert.deepEqual(messages.map((m) => m.type), ['ONLINE', 'MATTR', 'MATTR']);
      assert.equal(messages[2].ticket, held.ticket);
    });

    it('sendServiceData calls a service with checked inputs', async () => {
      const r = await post(SERVICE, { productKey: SWITCH, devices: ['SW000001'], data: '[{"countdown":[{"seconds":"30"}]}]' });
      const [result] = r.json.data as Result[];
      assert.equal(result.code, 200, r.text);
      const input = messages.find((m) => m.type === 'MSERV' && m.subtype === 'INPUT');
      assert.deepEqual(input?.data, { packetId: 1, code: 'countdown', kv: { seconds: '30' } });
      assert.equal(input?.ticket, result.ticket);
      const output = messages.find((m) => m.subtype === 'OUTPUT');
      assert.deepEqual((output?.data as { kv: unknown }).kv, { switch: false });
      const bad = await post(SERVICE, { productKey: SWITCH, devices: ['SW000001'], data: '[{"countdown":[{"seconds":"0"}]}]' });
      assert.equal((bad.json.data as Result[])[0].code, 70090);
      const unknown = await post(SERVICE, { productKey: SWITCH, devices: ['SW000001'], data: '[{"fly":[]}]' });
      assert.equal((unknown.json.data as Result[])[0].code, 70094);
    });

    it('raw sendData sends hex or text to {productKey, deviceKey} pairs', async () => {
      const r = await post(RAW, { encode: 'Hex', data: '0A0B', devices: [{ productKey: SWITCH, deviceKey: 'SW000001' }, { productKey: SWITCH, deviceKey: 'SW000002' }] });
      assert.deepEqual((r.json.data as Result[]).map((x) => x.code), [200, 61002]);
      assert.deepEqual(messages[0].data, { raw: Buffer.from('0a0b', 'hex').toString('base64') });
      assert.equal((await post(RAW, { encode: 'Hex', data: 'XYZ', devices: [{ productKey: SWITCH, deviceKey: 'SW000001' }] })).json.code, 50005);
      assert.equal((await post(RAW, { data: 'hi', devices: [{ productKey: SWITCH, deviceKey: 'SW000001' }] })).json.code, 50005);
      assert.equal((await post(RAW, { encode: 'Text', data: 'hi', devices: [{ productKey: SWITCH }] })).json.code, 50007);
    });

    it('device detail follows setDeviceOnline; an ONLINE message says so', async () => {
      const detail = async () => (await get(DETAIL, { productKey: SWITCH, deviceKey: 'SW000002' })).json.data as Record<string, unknown>;
      assert.equal((await detail()).deviceStatus, 0);
      const notice = sim.setDeviceOnline(SWITCH, 'SW000002', true);
      assert.deepEqual({ ...notice, createdAt: 0, ticket: '' }, { productKey: SWITCH, deviceKey: 'SW000002', type: 'ONLINE', createdAt: 0, ticket: '', data: { value: 1 } });
      const d = await detail();
      assert.equal(d.deviceStatus, 1);
      assert.ok(Math.abs((d.lastConnTime as number) - Date.now()) < 5000);
      sim.setDeviceOnline(SWITCH, 'SW000002', false);
      assert.deepEqual(messages.map((m) => m.data), [{ value: 1 }, { value: 0 }]);
      assert.equal((await write('[{"switch":"true"}]', ['SW000002']))[0].code, 61002);
      assert.equal((await get(DETAIL, { productKey: SWITCH, deviceKey: 'NOPE' })).json.code, 70130);
      assert.equal((await get(DETAIL, { productKey: SWITCH })).json.code, 50007);
      assert.throws(() => sim.setDeviceOnline(SWITCH, 'NOPE', true), /no simulated device/);
    });

    it('the device list items have exactly the device list page\'s fields', async () => {
      const r = await get(OVERVIEW, { productKey: SWITCH });
      const item = (r.json.data as Record<string, unknown>[])[0];
      assert.deepEqual(Object.keys(item).sort(), [
        'activedTime', 'authMode', 'createTime', 'dataFmt', 'deviceKey', 'deviceName', 'deviceStatus', 'firstConnTime',
        'isActived', 'isVerified', 'isVirtual', 'lastConnTime', 'lastOfflineTime', 'productKey', 'sn', 'updateTime',
      ]);
      assert.equal((await get(OVERVIEW, { productKey: SWITCH, activeStatus: '0' })).json.total, 0);
    });

    it('device resource answers the page\'s fields', async () => {
      const r = await get(RESOURCE, { productKey: 'p11w22', deviceKey: 'TH000001' });
      const data = r.json.data as Record<string, unknown>;
      assert.equal(data.deviceKey, 'TH000001');
      assert.equal(data.battery, 88);
      assert.ok('capabilitiesBitmask' in data && 'locator' in data && 'iccId' in data);
      assert.equal((await get(RESOURCE, { productKey: 'p11w22', deviceKey: 'NOPE' })).json.code, 70130);
    });

    it('reportProperties: the device reports by itself, read-only values too', async () => {
      const msg = sim.reportProperties('p11w22', 'TH000001', { temperature: 25.5, battery: '70' });
      assert.deepEqual(msg.data, { packetId: 1, kv: { temperature: '25.5', battery: '70' } });
      assert.deepEqual(messages, [msg]);
      const h = await get(HISTORY, { productKey: 'p11w22', deviceKey: 'TH000001' });
      assert.deepEqual(JSON.parse((h.json.data as { dmData: string }[])[0].dmData), [{ id: 1, value: '25.5' }, { id: 3, value: '70' }]);
      assert.throws(() => sim.reportProperties('p11w22', 'TH000001', { temperature: 200 }), /outside/);
      assert.throws(() => sim.reportProperties('p11w22', 'TH000001', { nope: 1 }), /no such property/);
      assert.throws(() => sim.reportProperties('p11w22', 'TH000002', { battery: 1 }), /offline/);
    });

    it('keeps at most 1000 history entries per device', () => {
      for (let i = 0; i < 1100; i++) sim.reportProperties(SWITCH, 'SW000001', { power: i });
      assert.equal(sim.state.shadows.get(`${SWITCH}/SW000001`)?.history.length, 1000);
    });
  });

  it('reset() brings devices back to their seeded state', () => {
    sim.setDeviceOnline(SWITCH, 'SW000002', true);
    sim.reset();
    assert.equal(sim.state.shadows.get(`${SWITCH}/SW000002`)?.online, false);
    assert.equal(sim.state.products.get(SWITCH)?.devices[1].deviceStatus, 0);
  });
});
