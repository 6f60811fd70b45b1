// The library against the simulator over real HTTP on loopback.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { OpenApiClient } from '../../lib/client';
import { isComposite, isRepeatable, OPERATIONS } from '../../lib/operations';
import { OpenApiError } from '../../lib/errors';
import { Clock } from '../../lib/clock';
import { Transport } from '../../lib/http';
import { quectelAppAdapter } from '../../lib/platforms/quectel-app';
import { requiredCredentials, PLATFORMS, type AccountConfig, type Platform } from '../../lib/types';
import { isClockRefusal, type PlatformAdapter } from '../../lib/platforms/platform';
import { DEMO, DEMO_QUEUE, startSimulator, type Simulator } from '../../simulator';
import { assertFreeOf, demoAccount, demoSecrets, issuedTokens } from '../support/accounts';

describe('client against the simulator', function () {
  let sim: Simulator;
  const clients: OpenApiClient[] = [];
  const client = (platform: Platform, overrides = {}, options = {}) => {
    const c = new OpenApiClient(demoAccount(sim, platform, overrides), { retryBaseMs: 10, ...options });
    clients.push(c);
    return c;
  };

  before(async () => {
    sim = await startSimulator({ fixedSmsCode: true, quiet: true });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => sim.reset());
  afterEach(() => {
    clients.splice(0).forEach((c) => c.close());
  });

  const calledOps = new Set<string>();
  async function call(c: OpenApiClient, id: string, params?: unknown) {
    const result = await c.call(id, params);
    calledOps.add(id);
    return result;
  }

  describe('Quectel App', () => {
    it('sends an SMS code, signed as the document says', async () => {
      const c = client('quectel-app');
      const r = await call(c, 'quectel-app.sendSmsCode', { phone: '13800000001', codeType: 3 });
      assert.equal(r.meta.code, 200);
      const seen = sim.requests.at(-1)!;
      assert.equal(seen.path, '/v2/sms/enduserapi/v2/sendPhoneSmsCode');
      assert.equal(seen.query.userDomain, DEMO.quectelApp.userDomain);
      assert.equal(seen.query.internationalCode, '86', 'the account default');
      assert.equal(seen.query.random.length, 16);
      assert.equal(sim.counters.logins['quectel-app'], 0, 'no login needed');
    });

    it('registers a user with the SMS code; the password travels encrypted', async () => {
      const c = client('quectel-app');
      await call(c, 'quectel-app.sendSmsCode', { phone: '13800000002', codeType: 3 });
      const r = await call(c, 'quectel-app.register', {
        phone: '13800000002', pwd: 'myPassw0rd', smsCode: DEMO.smsCode,
        agreementList: [{ protocolType: 1, privacyVersion: '1.0.0' }],
      });
      assert.ok((r.data as { uid: string }).uid);
      const seen = sim.requests.at(-1)!;
      assert.ok(!seen.rawBody.includes('myPassw0rd'), 'plain password never sent');
      await assert.rejects(call(c, 'quectel-app.register', { phone: '13800000003', pwd: 'myPassw0rd', smsCode: '000000' }), { code: 5037 });
    });

    it('reads the home: families, the current one, rooms and their devices, without a fid the current family', async () => {
      const c = client('quectel-app');
      const families = (await call(c, 'quectel-app.listFamilies', { role: ['1', '2'] })).data as { list: { fid: string; memberRole: number }[]; total: number };
      assert.deepEqual(families.list.map((f) => f.fid), ['f0001'], 'the office, where the user is a member, is left out');
      assert.equal(sim.requests.at(-1)!.query.role, '1,2');
      const current = (await call(c, 'quectel-app.currentFamily', {})).data as { fid: string; familyName: string };
      assert.equal(current.fid, 'f0001');

      const before = sim.requests.length;
      const rooms = await c.callAllPages('quectel-app.listRooms', { pageSize: 2 });
      calledOps.add('quectel-app.listRooms');
      assert.deepEqual(rooms.items.map((r) => (r as { frid: string }).frid), ['r0101', 'r0102', 'r0103']);
      const sent = sim.requests.slice(before).map((r) => `${r.path.split('/').pop()} ${r.query.fid ?? ''}`);
      assert.deepEqual(sent, ['getCurrentFamily ', 'getFamilyRoomList f0001', 'getCurrentFamily ', 'getFamilyRoomList f0001'], 'the current family asked for, then named');

      const room = (await call(c, 'quectel-app.listRoomDevices', { frid: 'r0101', isGroupDeviceShow: false })).data as { list: { deviceKey: string; roomName: string }[] };
      assert.deepEqual(room.list.map((d) => d.deviceKey), ['D001', 'D002', 'SK001']);
      assert.equal(room.list[0].roomName, 'Living room');
      assert.equal(sim.requests.at(-1)!.query.isGroupDeviceShow, 'false');
      await assert.rejects(call(c, 'quectel-app.listRoomDevices', { frid: 'r9999' }), { code: 6052 });

      const office = (await call(c, 'quectel-app.listFamilyDevices', { fid: 'f0002', pkList: 'p11qT3' })).data as { list: { deviceKey: string }[] };
      assert.deepEqual(office.list.map((d) => d.deviceKey), ['TH003']);
      const unplaced = (await call(c, 'quectel-app.listFamilyDevices', { isAssociation: true })).data as { list: { deviceKey: string }[] };
      assert.deepEqual(unplaced.list.map((d) => d.deviceKey), ['SK002'], 'the current family, only its device in no room');
      await assert.rejects(call(c, 'quectel-app.listFamilyDevices', { fid: 'f9999' }), { code: 5041 });
      await assert.rejects(call(c, 'quectel-app.listFamilies', { role: '4' }), { code: 'INVALID_INPUT' });
    });

    it('lists the user\'s messages by device, type and read state', async () => {
      const c = client('quectel-app');
      const unread = (await call(c, 'quectel-app.listMessages', { isRead: false })).data as { list: { id: string }[]; total: number };
      assert.deepEqual(unread.list.map((m) => m.id), ['m0001', 'm0003', 'm0004']);
      const alarms = (await call(c, 'quectel-app.listMessages', { dk: 'D001', msgType: 2 })).data as { list: { id: string; title: string }[] };
      assert.deepEqual(alarms.list.map((m) => m.id), ['m0004']);
      const system = (await call(c, 'quectel-app.listMessages', { firstLabelList: '1' })).data as { list: { msgType: number }[] };
      assert.deepEqual(system.list.map((m) => m.msgType), [4]);
      await assert.rejects(call(c, 'quectel-app.listMessages', { msgType: 5 }), { code: 'INVALID_INPUT' });
    });

    it('lists scenes and runs one: its devices take the values, the failed ones are DEVICE_FAILED', async () => {
      const c = client('quectel-app');
      const scenes = await c.callAllPages('quectel-app.listScenes', {});
      calledOps.add('quectel-app.listScenes');
      assert.deepEqual(scenes.items.map((s) => (s as { sceneInfo: { name: string } }).sceneInfo.name), ['Evening', 'All off'], 'the current family\'s');
      const detail = (await call(c, 'quectel-app.sceneDetail', { sceneId: 's0003', fid: 'f0002' })).data as { sceneInfo: { metaDataList: { deviceKey: string }[] } };
      assert.deepEqual(detail.sceneInfo.metaDataList.map((m) => m.deviceKey), ['D009']);

      const run = await call(c, 'quectel-app.sceneExecute', { sceneId: 's0002' });
      assert.equal((run.data as { executeResult: boolean }).executeResult, true);
      assert.equal(sim.state.shadows.get('p11pLZ/D006')?.values.switch, false);

      const failed = await call(c, 'quectel-app.executeScene', { sceneId: 's0001' }).catch((e: OpenApiError) => e);
      assert.ok(failed instanceof OpenApiError);
      assert.equal(failed.code, 'DEVICE_FAILED');
      assert.deepEqual((failed.payload as { deviceKey: string }[]).map((f) => f.deviceKey), ['D001']);
      assert.equal(sim.state.shadows.get('p11pLZ/D003')?.values.brightness, 30, 'the online device took its value');
      const ok = await call(c, 'quectel-app.executeScene', { sceneId: 's0003', fid: 'f0002' });
      assert.equal((ok.data as { successCount: number }).successCount, 1);
    });

    it('lists automations and turns one off: automationId and status in the query', async () => {
      const c = client('quectel-app');
      const list = (await call(c, 'quectel-app.listAutomations', { page: 1, pageSize: 10 })).data as { list: { automationId: number; status: boolean }[] };
      assert.deepEqual(list.list.map((a) => [a.automationId, a.status]), [[7001, true], [7002, false]]);
      await call(c, 'quectel-app.setAutomation', { automationId: 7001, enabled: false });
      const seen = sim.requests.at(-1)!;
      assert.deepEqual([seen.query.automationId, seen.query.status], ['7001', 'false']);
      assert.equal(JSON.parse(seen.rawBody).fid, 'f0001');
      assert.equal(sim.state.automations.find((a) => a.automationId === 7001)?.status, false);
      await call(c, 'quectel-app.automationStatus', { automationId: 7002, status: true, fid: 'f0001' });
      assert.equal(sim.state.automations.find((a) => a.automationId === 7002)?.status, true);
      await assert.rejects(call(c, 'quectel-app.setAutomation', { automationId: 7003, enabled: true }), { code: 5041 }, 'the office\'s, not the current family\'s');
    });

    it('lists devices, one page and all pages', async () => {
      const c = client('quectel-app');
      const page = await call(c, 'quectel-app.listDevices', { page: 2, pageSize: 10 });
      const data = page.data as { list: unknown[]; total: number };
      assert.equal(data.list.length, 10);
      assert.equal(data.total, 23);
      assert.equal(sim.requests.at(-1)!.headers.authorization.startsWith('Bearer '), true);
      const all = await c.callAllPages('quectel-app.listDevices', { pageSize: 10 });
      assert.equal(all.items.length, 23);
      assert.equal(all.pages, 3);
      assert.equal(sim.counters.logins['quectel-app'], 1, 'one login for all of it');
    });

    it('50 concurrent calls on a cold account log in exactly once', async () => {
      const c = client('quectel-app');
      const results = await Promise.all(Array.from({ length: 50 }, () => c.call('quectel-app.listDevices', {})));
      assert.equal(results.length, 50);
      assert.equal(sim.counters.logins['quectel-app'], 1);
    });

    it('after the vendor drops every token, the next call succeeds with exactly one new login', async () => {
      const c = client('quectel-app');
      await c.call('quectel-app.listDevices', {});
      sim.faults.expireAllTokens();
      const results = await Promise.all(Array.from({ length: 20 }, () => c.call('quectel-app.listDevices', {})));
      assert.equal(results.length, 20);
      assert.equal(sim.counters.logins['quectel-app'], 2);
    });

    it('refreshes with the refresh token ahead of expiry', async function () {
      this.timeout(15000);
      const short = await startSimulator({ quiet: true, lifetimes: { quectelAppAccess: 4 } });
      try {
        const c = client('quectel-app', { baseUrl: short.url });
        await c.call('quectel-app.listDevices', {});
        await new Promise((r) => setTimeout(r, 4200));
        await c.call('quectel-app.listDevices', {});
        assert.ok(short.counters.refreshes['quectel-app'] >= 1, 'refreshed');
        assert.equal(short.counters.logins['quectel-app'], 1, 'never logged in again');
      } finally {
        await short.close();
      }
    });

    it('a wrong password gives the vendor\'s code, then logins back off', async () => {
      const c = client('quectel-app', { credentials: { password: 'wrong-password' } }, { backoffBaseMs: 60_000 });
      const first = await c.call('quectel-app.listDevices', {}).catch((e: OpenApiError) => e);
      assert.ok(first instanceof OpenApiError);
      assert.notEqual(first.code, 'LOGIN_BACKOFF');
      assert.equal(typeof first.code, 'number');
      const later = await Promise.all(Array.from({ length: 10 }, () => c.call('quectel-app.listDevices', {}).catch((e: OpenApiError) => e)));
      assert.ok(later.every((e) => e instanceof OpenApiError && e.code === 'LOGIN_BACKOFF'));
      assert.equal(sim.counters.logins['quectel-app'], 1, 'the vendor saw one failed login');
    });

    it('corrects a host clock 15 minutes off from the Date header', async () => {
      sim.faults.clockOffsetMs = 15 * 60_000;
      const c = client('quectel-app');
      await call(c, 'quectel-app.sendSmsCode', { phone: '13800000004', codeType: 3 });
      const sms = sim.requests.filter((r) => r.path.endsWith('sendPhoneSmsCode'));
      assert.ok(sms.length <= 2, 'at most one resync');
    });
  });

  describe('Quectel SaaS', () => {
    it('exports a TSL model in both languages', async () => {
      const c = client('quectel-saas');
      const cn = await call(c, 'quectel-saas.exportTsl', { productKey: 'p11v14' });
      assert.equal((cn.data as { profile: { productKey: string } }).profile.productKey, 'p11v14');
      const en = await call(c, 'quectel-saas.exportTsl', { productKey: 'p11v14', language: 'EN' });
      assert.notDeepEqual(en.data, cn.data);
      assert.ok(sim.requests.at(-1)!.headers.authorization.startsWith('QJWT '));
      await assert.rejects(c.call('quectel-saas.exportTsl', { productKey: 'nope00' }), { code: 70017 });
    });

    it('lists the account\'s products, every page', async () => {
      const c = client('quectel-saas');
      const first = await call(c, 'quectel-saas.listProducts', { pageNum: 1, pageSize: 1 });
      assert.equal((first.data as unknown[]).length, 1);
      const all = await c.callAllPages('quectel-saas.listProducts', { pageSize: 1 });
      assert.deepEqual(all.items.map((p) => (p as { productKey: string }).productKey).sort(), [...sim.state.products.keys()].sort());
      assert.equal(all.pages, all.total);
    });

    it('lists devices of a product, every page', async () => {
      const c = client('quectel-saas');
      const one = await call(c, 'quectel-saas.listDevices', { productKey: 'p11v14', pageNum: 1, pageSize: 5 });
      assert.ok(Array.isArray(one.data));
      const all = await c.callAllPages('quectel-saas.listDevices', { productKey: 'p11v14', pageSize: 5 });
      assert.equal(all.items.length, all.total);
      assert.ok(all.pages >= 2);
    });

    it('an unknown AccessKey gives 90047', async () => {
      const c = client('quectel-saas', { credentials: { accessKey: 'unknownAccessKey000000' } });
      await assert.rejects(c.call('quectel-saas.exportTsl', { productKey: 'p11v14' }), { code: 90047 });
    });

    it('a login with a clock 15 minutes off succeeds after one resync', async () => {
      sim.faults.clockOffsetMs = -15 * 60_000;
      const c = client('quectel-saas');
      await c.call('quectel-saas.exportTsl', { productKey: 'p11v14' });
      assert.equal(sim.counters.logins['quectel-saas'], 2, 'one refused, one accepted');
    });
  });

  describe('Quectel devices, through the vendor calls and the calls made of them', () => {
    const now = () => String(Date.now());
    it('App: thing model, batch control, attributes, details and history; then the same through control, latest and history', async () => {
      const c = client('quectel-app');
      const tsl = await call(c, 'quectel-app.exportTsl', { pk: 'p11pLZ' });
      assert.ok((tsl.data as { properties: { code: string }[] }).properties.some((p) => p.code === 'brightness'));
      const batch = await call(c, 'quectel-app.batchControl', { type: 2, data: '[{"brightness":"12"}]', deviceList: [{ productKey: 'p11pLZ', deviceKey: 'D003' }] });
      assert.equal((batch.data as { successList: unknown[] }).successList.length, 1);
      const attrs = await call(c, 'quectel-app.readAttributes', { pk: 'p11pLZ', dk: 'D003', type: '2' });
      assert.ok((attrs.data as { customizeTslInfo: { resourceCode: string }[] }).customizeTslInfo.some((a) => a.resourceCode === 'brightness'));
      assert.equal(((await call(c, 'quectel-app.deviceInfo', { pk: 'p11pLZ', dk: 'D003' })).data as { onlineStatus: number }).onlineStatus, 1);
      const since = String(Date.now() - 60_000);
      const hist = await call(c, 'quectel-app.propertyHistory', { pk: 'p11pLZ', dk: 'D003', attributeCode: 'brightness', startTimestamp: since, endTimestamp: now() });
      assert.equal((hist.data as { total: number }).total, 1);

      // Two products in one call, results in the order given.
      const mixed = await call(c, 'quectel-app.writeProperties', { devices: [{ productKey: 'p11pLZ', deviceKey: 'D006' }, { productKey: 'p11s8K', deviceKey: 'SK003' }, { productKey: 'p11pLZ', deviceKey: 'D003' }], data: { switch: true } });
      assert.deepEqual((mixed.data as { deviceKey: string; ok: boolean }[]).map((r) => [r.deviceKey, r.ok]), [['D006', true], ['SK003', true], ['D003', true]]);
      const written = await call(c, 'quectel-app.writeProperties', { productKey: 'p11pLZ', deviceKey: 'D003', data: { brightness: 13 } });
      assert.equal(written.meta.operation, 'quectel-app.writeProperties');
      assert.equal((await call(c, 'quectel-app.callService', { productKey: 'p11pLZ', deviceKey: 'D003', data: { service: 'blink', params: { times: 2 } } })).meta.code, 200);
      assert.equal((await call(c, 'quectel-app.sendRaw', { productKey: 'p11pLZ', deviceKey: 'D003', data: 'hello', dataFormat: 'text' })).meta.code, 200);
      const latest = await call(c, 'quectel-app.latest', { productKey: 'p11pLZ', deviceKey: 'D003', codes: 'brightness,switch' });
      assert.deepEqual(Object.keys(latest.data as object), ['brightness', 'switch']);
      assert.equal((latest.data as { brightness: number }).brightness, 13);
      const points = await call(c, 'quectel-app.history', { productKey: 'p11pLZ', deviceKey: 'D003', code: 'brightness', startTime: since, endTime: now() });
      assert.deepEqual((points.data as { value: number }[]).map((x) => x.value), [12, 13]);
      const tslReads = sim.requests.filter((r) => r.path.endsWith('/productTSL')).map((r) => r.query.pk);
      assert.deepEqual(tslReads.sort(), ['p11pLZ', 'p11pLZ', 'p11s8K'], 'the test\'s own read, then one per product kept for every call made of others');
    });

    it('SaaS: property, service and raw downlinks, details and history; then the same through control, latest and history', async () => {
      const c = client('quectel-saas');
      const base = { productKey: 'p11v14', devices: ['SW000001'] };
      const wrote = await call(c, 'quectel-saas.writeData', { ...base, data: '[{"brightness":"21"}]', isCache: false });
      assert.equal((wrote.data as { code: number }[])[0].code, 200);
      assert.equal(((await call(c, 'quectel-saas.sendServiceData', { ...base, data: '[{"countdown":[{"seconds":"5"}]}]' })).data as { code: number }[])[0].code, 200);
      const raw = await call(c, 'quectel-saas.sendRawData', { devices: [{ productKey: 'p11v14', deviceKey: 'SW000001' }], data: '0102', encode: 'Hex' });
      assert.equal((raw.data as { code: number }[])[0].code, 200);
      assert.equal(((await call(c, 'quectel-saas.deviceDetail', { productKey: 'p11v14', deviceKey: 'SW000001' })).data as { deviceStatus: number }).deviceStatus, 1);
      const since = String(Date.now() - 60_000);
      const hist = await call(c, 'quectel-saas.dataHistory', { productKey: 'p11v14', deviceKey: 'SW000001', beginDateTimp: since, direction: 1 });
      assert.ok((hist.data as unknown[]).length >= 1);

      await call(c, 'quectel-saas.writeProperties', { productKey: 'p11v14', devices: ['SW000001', { deviceKey: 'SW000003' }], data: { brightness: 22, switch: false } });
      await call(c, 'quectel-saas.callService', { productKey: 'p11v14', deviceKey: 'SW000001', data: { service: 'countdown', params: { seconds: 5 } } });
      await call(c, 'quectel-saas.sendRaw', { productKey: 'p11v14', deviceKey: 'SW000001', data: '0A0B', dataFormat: 'hex' });
      const latest = await call(c, 'quectel-saas.latest', { productKey: 'p11v14', deviceKey: 'SW000003' });
      assert.equal((latest.data as { brightness: number }).brightness, 22);
      assert.equal((latest.data as { switch: boolean }).switch, false);
      assert.equal((latest.device as { online: boolean }).online, true);
      const points = await call(c, 'quectel-saas.history', { productKey: 'p11v14', deviceKey: 'SW000001', code: 'brightness', startTime: since, endTime: now() });
      assert.deepEqual((points.data as { value: number }[]).map((x) => x.value), [21, 22]);
    });

    it('SaaS: product detail, a new device, resources, location, and a read that the devices answer by reporting', async () => {
      const c = client('quectel-saas');
      const product = await call(c, 'quectel-saas.productDetail', { productKey: 'p11w22' });
      assert.equal((product.data as { productKey: string }).productKey, 'p11w22');
      await assert.rejects(c.call('quectel-saas.productDetail', { productKey: 'nope00' }), { code: 70017 });

      await call(c, 'quectel-saas.createDevice', { productKey: 'p11v14', deviceKey: 'SWNEW001', deviceName: 'porch', authMode: 0 });
      const listed = await c.call('quectel-saas.listDevices', { productKey: 'p11v14', deviceKey: 'SWNEW001' });
      assert.deepEqual((listed.data as { deviceName: string; deviceStatus: number }[]).map((d) => [d.deviceName, d.deviceStatus]), [['porch', 0]]);
      await assert.rejects(c.call('quectel-saas.createDevice', { productKey: 'p11v14', deviceKey: 'SWNEW001' }), { code: 70062 });
      const requests = sim.requests.length;
      await assert.rejects(c.call('quectel-saas.createDevice', { productKey: 'p11v14', deviceKey: 'SWNEW002', authMode: 3 }), { code: 'INVALID_INPUT', parameter: 'authMode' });
      assert.equal(sim.requests.length, requests, 'a bad authMode is not sent');

      const resource = await call(c, 'quectel-saas.deviceResource', { productKey: 'p11w22', deviceKey: 'TH000001' });
      assert.equal((resource.data as { battery: number | null }).battery, sim.state.shadows.get('p11w22/TH000001')?.values.battery);
      const located = await call(c, 'quectel-saas.deviceLocation', { productKey: 'p11w22', deviceKey: 'TH000001' });
      assert.deepEqual([(located.data as { wgsLat: number }).wgsLat, (located.data as { latType: string }).latType], [31.8223, 'N']);
      assert.equal((await c.call('quectel-saas.deviceLocation', { productKey: 'p11v14', deviceKey: 'SW000001' })).data, null, 'a switch never located itself');
      await assert.rejects(c.call('quectel-saas.deviceLocation', { productKey: 'p11v14', deviceKey: 'SW999999' }), { code: 70130 });

      const messages: { type: string; subtype?: string; deviceKey: string; data: Record<string, unknown> }[] = [];
      const listener = (m: (typeof messages)[number]) => messages.push(m);
      sim.subscription.on('message', listener);
      try {
        const read = await call(c, 'quectel-saas.readData', { productKey: 'p11v14', devices: ['SW000001'], data: '["brightness"]' });
        assert.equal((read.data as { code: number }[])[0].code, 200);
        await assert.rejects(c.call('quectel-saas.readData', { productKey: 'p11v14', devices: ['SW000001'], data: '["nope"]' }), { code: 70094 });
        const asked = await call(c, 'quectel-saas.readProperties', { productKey: 'p11v14', devices: ['SW000001', 'SW000002'], codes: 'switch,power', isCache: 1 });
        assert.deepEqual((asked.data as { deviceKey: string; ok: boolean }[]).map((r) => [r.deviceKey, r.ok]), [['SW000001', true], ['SW000002', true]]);
        await assert.rejects(c.call('quectel-saas.readProperties', { productKey: 'p11v14', deviceKey: 'SW000001', codes: 'nope' }), { code: 'INVALID_INPUT', parameter: 'codes.nope' });
      } finally {
        sim.subscription.off('message', listener);
      }
      const answers = messages.filter((m) => m.subtype === 'READRESP');
      assert.deepEqual(answers.map((m) => [m.deviceKey, Object.keys(m.data.kv as object)]), [['SW000001', ['brightness']], ['SW000001', ['switch', 'power']]],
        'the online device answers each read; the offline one holds it until it connects');
    });

    it('SaaS: queues and subscription rules, listed and read; a stopped rule fills its queue with nothing until started again', async () => {
      const withAmqp = await startSimulator({ quiet: true, amqp: true });
      const c = new OpenApiClient(demoAccount(withAmqp, 'quectel-saas'), { retryBaseMs: 10 });
      try {
        const queues = await call(c, 'quectel-saas.listQueues', { pageNum: 1, pageSize: 10 });
        const demo = (queues.data as { id: number; queueName: string }[]).find((q) => q.queueName === DEMO_QUEUE);
        assert.ok(demo, 'the demo queue is listed');
        assert.equal(((await call(c, 'quectel-saas.queueDetail', { queueId: demo.id })).data as { queueName: string }).queueName, DEMO_QUEUE);
        await assert.rejects(c.call('quectel-saas.queueDetail', { queueId: 999 }), { code: 16002 });
        const rules = (await call(c, 'quectel-saas.listSubscriptions', { queueName: DEMO_QUEUE })).data as { subscribeId: number; status: number }[];
        assert.deepEqual(rules.map((r) => r.status), [1], 'one rule fills the demo queue, running');
        const subscribeId = rules[0].subscribeId;
        assert.equal(((await call(c, 'quectel-saas.subscriptionDetail', { subscribeId })).data as { queueId: number }).queueId, demo.id);
        await assert.rejects(c.call('quectel-saas.startSubscription', { subscribeId }), { code: 16020 });
        await assert.rejects(c.call('quectel-saas.subscriptionDetail', { subscribeId: 1 }), { code: 16011 });

        withAmqp.reportProperties('p11v14', 'SW000001', { brightness: 5 });
        assert.equal(withAmqp.queueDepth(DEMO_QUEUE).ready, 1);
        await call(c, 'quectel-saas.stopSubscription', { subscribeId });
        withAmqp.reportProperties('p11v14', 'SW000001', { brightness: 6 });
        assert.equal(withAmqp.queueDepth(DEMO_QUEUE).ready, 1, 'nothing while stopped');
        await assert.rejects(c.call('quectel-saas.stopSubscription', { subscribeId }), { code: 16021 });
        await call(c, 'quectel-saas.startSubscription', { subscribeId });
        withAmqp.reportProperties('p11v14', 'SW000001', { brightness: 7 });
        assert.equal(withAmqp.queueDepth(DEMO_QUEUE).ready, 2);
        await assert.rejects(c.call('quectel-saas.listQueues', { pageSize: 101 }), { code: 'INVALID_INPUT', parameter: 'pageSize' });
      } finally {
        c.close();
        await withAmqp.close();
      }
    });

    it('an App account can log in by email instead of phone', async () => {
      const c = client('quectel-app', { loginBy: 'email', credentials: { email: DEMO.quectelApp.email, phone: '' } });
      await call(c, 'quectel-app.listDevices', { page: 1, pageSize: 1 });
      assert.deepEqual(sim.requests.filter((r) => /PwdLogin$/.test(r.path)).map((r) => r.path), ['/v2/enduser/enduserapi/emailPwdLogin']);
      assert.throws(() => client('quectel-app', { loginBy: 'email', credentials: { email: '' } }), { code: 'INVALID_INPUT', parameter: 'email' });
    });
  });

  describe('On-Bright', () => {
    it('adds, lists and deletes an OBOX', async () => {
      const c = client('onbright');
      const added = await call(c, 'onbright.addObox', { oboxSerialId: 'c033000000', oboxName: 'OBOX33c0', oboxVersion: '0a0219080a253002', oboxStatus: '1', deviceConfig: [] });
      assert.equal(added.meta.code, 201);
      const listed = await call(c, 'onbright.listObox');
      const oboxs = (listed.data as { oboxs: { oboxSerialId: string }[] }).oboxs;
      assert.ok(oboxs.some((o) => o.oboxSerialId === 'c033000000'));
      const seen = sim.requests.at(-1)!;
      assert.ok(seen.query.access_token && seen.query.uniqueKey === DEMO.onbright.uniqueKey);
      const deleted = await call(c, 'onbright.deleteObox', { oboxSerialId: 'c033000000' });
      assert.equal(deleted.meta.code, 204);
      await assert.rejects(c.call('onbright.deleteObox', { oboxSerialId: 'c033000000' }), { code: 413 });
    });

    it('registers an Ali device, scans and deletes a device', async () => {
      const c = client('onbright');
      const reg = await call(c, 'onbright.registerAliDevice', { type: 'OBOX', zone: 'Asia/Shanghai' });
      assert.ok((reg.data as { deviceSecret: string }).deviceSecret);
      const obox = ((await c.call('onbright.listObox')).data as { oboxs: { oboxSerialId: string }[] }).oboxs[0].oboxSerialId;
      const scan = await call(c, 'onbright.scanDevices', { oboxSerialId: obox });
      assert.equal(scan.meta.code, 201);
      await assert.rejects(c.call('onbright.deleteDevice', { serialId: 'no-such-device' }), { code: 413 });
      const serial = [...sim.state.onbrightDevices.keys()].find((k) => k !== 'lock000001')!;
      assert.equal((await call(c, 'onbright.deleteDevice', { serialId: serial })).meta.code, 204);
      assert.equal(sim.state.onbrightDevices.has(serial), false);
    });

    it('adds and updates a door-lock guest; the answer holds the guest\'s door password', async () => {
      const c = client('onbright');
      const added = await call(c, 'onbright.addLockUser', { serialId: 'lock000001', nickName: 'Guest', startTime: '1550573820000', endTime: '1550841360000', times: 1, isMax: 0, mobile: '15879618946' });
      const user = (added.data as { remoteUser: { pin: number; pwd: string } }).remoteUser;
      assert.match(String(user.pwd), /^\d+$/);
      const updated = await call(c, 'onbright.updateLockUser', { serialId: 'lock000001', nickName: 'Guest 2', startTime: '1550573820000', endTime: '1550941360000', times: 3, pin: user.pin });
      assert.equal(updated.meta.code, 205);
    });

    it('a wrong client secret gives 401', async () => {
      const c = client('onbright', { credentials: { clientSecret: 'wrong-secret' } });
      await assert.rejects(c.call('onbright.listObox'), { code: 401 });
    });

    it('an invalid token (HTTP 401 invalid_token) triggers one new login; the echoed token never shows', async () => {
      const c = client('onbright');
      await c.call('onbright.listObox');
      sim.faults.expireAllTokens('onbright');
      await c.call('onbright.listObox');
      assert.equal(sim.counters.logins.onbright, 2);
    });
  });

  describe('NovaStar', () => {
    for (const encrypt of [true, false]) {
      it(`reads screens and plays a preset, encryption ${encrypt ? 'on' : 'off'}`, async () => {
        sim.novastarEncrypt = encrypt;
        const c = client('novastar', { encrypt });
        const screens = await c.request({ method: 'POST', path: 'screen/readList', body: { deviceId: 0 } });
        assert.ok(screens.data !== null && typeof screens.data === 'object');
        const seen = sim.requests.at(-1)!;
        assert.equal(seen.path, '/open/api/screen/readList');
        const env = seen.body as { body: unknown; sign: string; pId: string; timeStamp: string };
        assert.equal(typeof env.body, encrypt ? 'string' : 'object');
        assert.equal(env.pId, DEMO.novastar.pId);
        const screenId = (screens.data as { screens: { screenId: number }[] }).screens[0].screenId;
        const presets = await c.request({ method: 'POST', path: 'preset/readList', body: { deviceId: 0, screenId } });
        const presetId = (presets.data as { presets: { presetId: number }[] }).presets[0].presetId;
        const played = await c.request({ path: 'preset/play', body: { deviceId: 0, screenId, presetId } });
        assert.equal(played.meta.code, 0);
      });
    }

    it('every NovaStar catalogue call, checked against the processor\'s state', async () => {
      const c = client('novastar');
      const screens = (await call(c, 'novastar.listScreens')).data as { screens: { screenId: number }[] };
      const screenId = screens.screens[0].screenId;
      assert.ok((await call(c, 'novastar.readDevice', { deviceId: 0 })).data);
      await call(c, 'novastar.setBrightness', { screenId, brightness: 37 });
      assert.equal((((await call(c, 'novastar.readScreen', { screenId })).data) as { brightness: number }).brightness, 37);
      await call(c, 'novastar.fadeToBlack', { screenId, type: 1, time: 500 });
      await call(c, 'novastar.freeze', { screenId, enable: 0 });
      const presets = (await call(c, 'novastar.listPresets', { screenId })).data as { presets: { presetId: number }[] };
      await call(c, 'novastar.playPreset', { screenId, presetId: presets.presets[0].presetId });
      assert.ok(Array.isArray(((await call(c, 'novastar.listInputs')).data as { inputs: unknown[] }).inputs));
      await assert.rejects(c.call('novastar.setBrightness', { screenId, brightness: 101 }), { code: 'INVALID_INPUT', parameter: 'brightness' });
    });

    it('every NovaStar screen extra: the playing preset, backgrounds, audio, outputs and one input, each seen in the next read', async () => {
      const c = client('novastar');
      assert.equal(((await call(c, 'novastar.currentPreset', { screenId: 0 })).data as { presetId: number }).presetId, -1);
      await call(c, 'novastar.playPreset', { screenId: 0, presetId: 2 });
      assert.equal(((await call(c, 'novastar.currentPreset', { screenId: 0 })).data as { presetId: number }).presetId, 2);
      const backgrounds = (await call(c, 'novastar.listBackgrounds')).data as { bkgId: number }[];
      await call(c, 'novastar.setBackground', { screenId: 0, enable: 1, bkgId: backgrounds[1].bkgId });
      assert.deepEqual(((await call(c, 'novastar.readScreen', { screenId: 0 })).data as { Bkg: { bkgId: number; enable: number } }).Bkg.bkgId, backgrounds[1].bkgId);
      await call(c, 'novastar.setVolume', { screenId: 0, volume: 15, isMute: 0 });
      assert.deepEqual(sim.requests.at(-1)!.path, '/open/api/screen/writeDetail');
      const audio = (await call(c, 'novastar.readAudio', { screenId: 0 })).data as { volume: number; isMute: number };
      assert.deepEqual([audio.volume, audio.isMute], [15, 0]);
      assert.equal(((await call(c, 'novastar.listOutputs')).data as { outputs: unknown[] }).outputs.length, 2);
      assert.equal(((await call(c, 'novastar.readInput', { inputId: 2 })).data as { interfaceType: number }).interfaceType, 28);
      await assert.rejects(c.call('novastar.setVolume', { screenId: 0, volume: 101 }), { code: 'INVALID_INPUT', parameter: 'volume' });
    });

    for (const encrypt of [true, false]) {
      it(`every NovaStar layer call, nested window, source and name as the processor reads them, encryption ${encrypt ? 'on' : 'off'}`, async () => {
        sim.novastarEncrypt = encrypt;
        const c = client('novastar', { encrypt });
        const layers = (await call(c, 'novastar.listLayers', { screenId: 0 })).data as { screenLayers: { layerId: number }[] };
        const layerId = layers.screenLayers[0].layerId;
        await call(c, 'novastar.switchSource', { screenId: 0, layerId, sourceType: 1, inputId: 2, interfaceType: 28, cropId: 255 });
        await call(c, 'novastar.setWindow', { screenId: 0, layerId, x: 100, y: 50, width: 800, height: 600 });
        const layer = (await call(c, 'novastar.readLayer', { screenId: 0, layerId })).data as { source: { inputId: number }; window: Record<string, number> };
        assert.equal(layer.source.inputId, 2);
        assert.deepEqual([layer.window.x, layer.window.y, layer.window.width, layer.window.height], [100, 50, 800, 600]);
        const made = (await call(c, 'novastar.createLayer', { screenId: 1, name: 'PiP', sourceType: 1, inputId: 0, x: 0, y: 0, width: 320, height: 180 })).data as { layerId: number };
        const sent = sim.requests.at(-1)!.body as { body: unknown };
        if (!encrypt) assert.deepEqual(sent.body, { screenId: 1, general: { name: 'PiP' }, source: { sourceType: 1, inputId: 0 }, window: { x: 0, y: 0, width: 320, height: 180 } });
        assert.ok(sim.state.layers.some((l) => l.layerId === made.layerId && l.name === 'PiP' && l.window.width === 320));
        await call(c, 'novastar.deleteLayer', { screenId: 1, layerId: made.layerId });
        assert.ok(!sim.state.layers.some((l) => l.layerId === made.layerId));
        const before = sim.counters.total;
        await assert.rejects(c.call('novastar.setWindow', { screenId: 0, layerId, x: 0, y: 0, width: 70_000, height: 10 }), { code: 'INVALID_INPUT', parameter: 'width' });
        await assert.rejects(c.call('novastar.switchSource', { screenId: 0, layerId, sourceType: 2 }), { code: 'INVALID_INPUT', parameter: 'sourceType' });
        assert.equal(sim.counters.total, before, 'nothing sent');
      });
    }

    for (const encrypt of [true, false]) {
      it(`reads an answer whose content is under "data" as one under "body", encryption ${encrypt ? 'on' : 'off'}`, async () => {
        sim.novastarEncrypt = encrypt;
        sim.faults.novastarDataKey = true;
        const c = client('novastar', { encrypt, verifyAnswerSign: true });
        const r = await c.call('novastar.listLayers', { screenId: 0 });
        assert.ok('data' in (r.raw as object) && !('body' in (r.raw as object)), 'the answer used "data"');
        assert.equal((r.data as { screenLayers: unknown[] }).screenLayers.length, 2);
        assert.equal(r.meta.signVerified, true);
      });
    }

    it('an HTTP 500 from the processor is HTTP_500 naming the firmware issue, not a broken answer', async () => {
      const c = client('novastar');
      sim.faults.failNext(1, { status: 500, body: '{"status":1,"msg":"Server_Err","body":""}' });
      await assert.rejects(c.call('novastar.readDevice'), (err: OpenApiError) => {
        assert.equal(err.code, 'HTTP_500');
        assert.equal(err.httpStatus, 500);
        assert.equal(err.vendorMessage, 'Server_Err');
        assert.match(err.message, /firmware/);
        assert.match(err.message, /device\/readDetail/);
        return true;
      });
      // The write itself fails (the screen list read before it, to check its screenId, does not).
      sim.faults.failNext(1, { status: 500, path: /\/screen\/writeBrightness$/ });
      await assert.rejects(c.call('novastar.setBrightness', { screenId: 0, brightness: 10 }), { code: 'HTTP_500', path: '/screen/writeBrightness' });
      assert.equal(sim.state.screens[0].brightness, 80, 'the refused call changed nothing');
    });

    it('accepts the "status " key some firmware writes', async () => {
      sim.faults.novastarStatusWithSpace = true;
      const c = client('novastar');
      const r = await c.request({ path: 'device/readDetail', body: { deviceId: 0 } });
      assert.equal(r.meta.code, 0);
    });

    describe('answer signs', () => {
      const HOUR = 3_600_000;
      const screensOf = (data: unknown) => (data as { screens: { screenId: number }[] }).screens;

      for (const encrypt of [true, false]) {
        describe(`encryption ${encrypt ? 'on' : 'off'}`, () => {
          beforeEach(() => {
            sim.novastarEncrypt = encrypt;
          });

          it('an empty sign and no timeStamp, as in the vendor\'s examples: accepted, signVerified null, with the setting off or on', async () => {
            sim.faults.novastarAnswerSign = 'empty';
            for (const verifyAnswerSign of [false, true]) {
              const r = await client('novastar', { encrypt, verifyAnswerSign }).request({ path: 'screen/readList', body: {} });
              assert.equal(r.raw.sign, '');
              assert.equal('timeStamp' in r.raw, false);
              assert.equal(r.meta.signVerified, null);
              assert.deepEqual(screensOf(r.data).map((x) => x.screenId), sim.state.screens.map((x) => x.screenId));
            }
          });

          it('a sign over the processor\'s own clock, an hour off the request\'s timeStamp: signVerified true', async () => {
            sim.faults.novastarClockSkewMs = -HOUR;
            const r = await client('novastar', { encrypt, verifyAnswerSign: true }).request({ path: 'screen/readList', body: {} });
            const sent = (sim.requests.at(-1)!.body as { timeStamp: string }).timeStamp;
            assert.ok(Number(sent) - Number(r.raw.timeStamp) > HOUR / 2, 'the answer\'s timeStamp is its own');
            assert.equal(r.meta.signVerified, true);
            assert.ok(screensOf(r.data).length > 0);
          });

          it('a sign over the request\'s timeStamp, the answer carrying its own: signVerified true', async () => {
            sim.faults.novastarAnswerSign = 'request-time';
            sim.faults.novastarClockSkewMs = HOUR;
            const r = await client('novastar', { encrypt, verifyAnswerSign: true }).request({ path: 'screen/readList', body: {} });
            assert.notEqual(r.raw.timeStamp, (sim.requests.at(-1)!.body as { timeStamp: string }).timeStamp);
            assert.equal(r.meta.signVerified, true);
            assert.ok(screensOf(r.data).length > 0);
          });

          it('a wrong sign: accepted with signVerified false by default, SIGN_MISMATCH with verifyAnswerSign on', async () => {
            sim.faults.novastarBadSignNext(1);
            const r = await client('novastar', { encrypt }).request({ path: 'screen/readList', body: {} });
            assert.equal(r.meta.signVerified, false);
            assert.ok(screensOf(r.data).length > 0);
            const strict = client('novastar', { encrypt, verifyAnswerSign: true });
            sim.faults.novastarBadSignNext(1);
            await assert.rejects(strict.request({ path: 'screen/readList', body: {} }), { code: 'SIGN_MISMATCH', platform: 'novastar', path: '/screen/readList' });
            assert.equal((await strict.request({ path: 'screen/readList', body: {} })).meta.signVerified, true, 'the next answer');
          });
        });
      }

      it('a body that is not JSON after decryption is BAD_RESPONSE, whatever the setting', async () => {
        for (const verifyAnswerSign of [false, true]) {
          sim.faults.novastarBadBodyNext(1);
          await assert.rejects(client('novastar', { verifyAnswerSign }).request({ path: 'screen/readList', body: {} }), { code: 'BAD_RESPONSE' });
        }
      });

      it('signVerified is on NovaStar calls only', async () => {
        assert.equal((await client('novastar').call('novastar.listScreens')).meta.signVerified, true);
        assert.equal('signVerified' in (await client('quectel-saas').call('quectel-saas.exportTsl', { productKey: 'p11v14' })).meta, false);
      });
    });

    it('a wrong pId gives the device\'s status 15', async () => {
      const c = client('novastar', { credentials: { pId: 'wrong' } });
      await assert.rejects(c.request({ path: 'screen/readList', body: {} }), { code: 15 });
    });
  });

  describe('repeats', () => {
    it('a call that creates something is sent once after a 503; a read is sent again', async () => {
      const c = client('onbright');
      await c.call('onbright.listObox');
      const sent = () => sim.requests.filter((r) => r.path === '/consumer/open/obox');
      sim.faults.failNext(1, { status: 503, path: '/consumer/open/obox' });
      await assert.rejects(c.call('onbright.addObox', { oboxSerialId: 'c034000000', oboxName: 'OBOX34', oboxVersion: '0a0219080a253002' }), { code: 'HTTP_503' });
      assert.deepEqual(sent().slice(1).map((r) => r.method), ['POST'], 'the creating call went out once');
      sim.faults.failNext(1, { status: 503, path: '/consumer/open/obox' });
      const listed = await c.call('onbright.listObox');
      assert.equal(listed.meta.attempts, 2);
    });

    it('only a read that creates nothing is repeatable, whatever the method of a creating call', () => {
      assert.equal(isRepeatable({ method: 'GET' }), true);
      assert.equal(isRepeatable({ method: 'GET', creates: true }), false);
      for (const method of ['POST', 'PUT', 'DELETE'] as const) assert.equal(isRepeatable({ method }), false, method);
      for (const op of OPERATIONS.values()) if (!isComposite(op) && op.creates) assert.equal(isRepeatable(op), false, op.id);
    });
  });

  describe('raw calls', () => {
    it('reach any endpoint with the session\'s token', async () => {
      const c = client('quectel-app');
      const r = await c.request({ method: 'GET', path: '/v2/binding/enduserapi/userDeviceList', query: { page: 1, pageSize: 3 } });
      assert.equal((r.data as { list: unknown[] }).list.length, 3);
    });

    it('refuse absolute URLs and paths that climb out', async () => {
      const c = client('onbright');
      for (const bad of ['http://example.com/x', '//example.com/x', '/a/../b', 'no-slash']) {
        await assert.rejects(c.request({ method: 'GET', path: bad }), { code: 'INVALID_INPUT', parameter: 'path' });
      }
      assert.equal(sim.counters.total, 0);
    });
  });

  describe('bad input is refused before anything is sent', () => {
    const cases: [string, Platform, unknown, string][] = [
      ['quectel-app.sendSmsCode', 'quectel-app', { codeType: 3 }, 'phone'],
      ['quectel-app.sendSmsCode', 'quectel-app', { phone: '13800000000', codeType: 9 }, 'codeType'],
      ['quectel-app.sendSmsCode', 'quectel-app', { phone: { x: 1 }, codeType: 3 }, 'phone'],
      ['quectel-app.register', 'quectel-app', { phone: '13800000000', pwd: 'abcdefg', smsCode: '123456', agreementList: 'yes' }, 'agreementList'],
      ['quectel-app.listDevices', 'quectel-app', { page: 'first' }, 'page'],
      ['quectel-app.listDevices', 'quectel-app', { pageSize: 0 }, 'pageSize'],
      ['quectel-saas.exportTsl', 'quectel-saas', {}, 'productKey'],
      ['quectel-saas.exportTsl', 'quectel-saas', { productKey: 'p11v14', language: 'FR' }, 'language'],
      ['onbright.addObox', 'onbright', { oboxSerialId: 'x', oboxName: 'y' }, 'oboxVersion'],
      ['onbright.addLockUser', 'onbright', { serialId: 'l', nickName: 'n', startTime: 'soon', endTime: '1550841360000', times: 1 }, 'startTime'],
      ['onbright.updateLockUser', 'onbright', { serialId: 'l', nickName: 'n', startTime: '1550573820000', endTime: '1550841360000', times: 1 }, 'pin'],
      ['onbright.deleteDevice', 'onbright', { serialId: 'x'.repeat(5000) }, 'serialId'],
      ['onbright.addObox', 'onbright', { oboxSerialId: 'x', oboxName: 'y', oboxVersion: 'z', deviceConfig: [JSON.parse('{"__proto__": {"polluted": true}}')] }, 'deviceConfig'],
      ['onbright.listObox', 'onbright', 'text', 'payload'],
      ['onbright.listObox', 'onbright', [1, 2], 'payload'],
    ];
    for (const [id, platform, params, parameter] of cases) {
      it(`${id} with ${JSON.stringify(params).slice(0, 60)} names ${parameter}`, async () => {
        const c = client(platform);
        const err = await c.call(id, params).catch((e: OpenApiError) => e);
        assert.ok(err instanceof OpenApiError);
        assert.equal(err.code, 'INVALID_INPUT');
        assert.equal(err.parameter, parameter);
        assert.match(err.message, new RegExp(parameter));
        assert.equal(sim.counters.total, 0, 'the simulator saw no request');
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
      });
    }

    it('an account without its credentials is refused at once', () => {
      // As a caller without the types (plain JavaScript, a flow's settings) could give it.
      const lacking = { platform: 'quectel-saas', credentials: { accessKey: 'x', accessSecret: '' } } as AccountConfig;
      assert.throws(() => new OpenApiClient(lacking), { code: 'INVALID_INPUT', parameter: 'accessSecret' });
      assert.throws(() => new OpenApiClient({ platform: 'novastar', credentials: { pId: 'x', secretKey: 'y' } }), { code: 'INVALID_INPUT', parameter: 'baseUrl' });
    });

    it('every credential of every platform is required, and named when missing', () => {
      for (const platform of PLATFORMS) {
        const account = demoAccount(sim, platform);
        for (const name of requiredCredentials(account)) {
          for (const missing of [undefined, '']) {
            const lacking = { ...account, credentials: { ...account.credentials, [name]: missing } } as AccountConfig;
            assert.throws(() => new OpenApiClient(lacking), { code: 'INVALID_INPUT', parameter: name }, `${platform} ${name}`);
          }
        }
        client(platform).close();
      }
    });
  });

  describe('secrets', () => {
    it('no error text or JSON carries a credential or a token', async () => {
      const errors: OpenApiError[] = [];
      const collect = (p: Promise<unknown>) => p.then(() => undefined, (e: OpenApiError) => { errors.push(e); });
      const wrong = { password: DEMO.quectelApp.password + 'x', accessSecret: DEMO.quectelSaas.accessSecret + 'x', clientSecret: DEMO.onbright.clientSecret + 'x', secretKey: 'zzzzzzzz' };
      // Good accounts, then their tokens expire (On-Bright echoes the refused token), then failures of every kind.
      const ob = client('onbright');
      await ob.call('onbright.listObox');
      sim.faults.expireAllTokens();
      sim.faults.failNext(10, { status: 503 });
      await collect(ob.call('onbright.deleteObox', { oboxSerialId: 'none' }));
      await collect(ob.call('onbright.deleteObox', { oboxSerialId: 'none' }));
      await collect(client('quectel-app', { credentials: { password: wrong.password } }).call('quectel-app.listDevices', {}));
      await collect(client('quectel-saas', { credentials: { accessSecret: wrong.accessSecret } }).call('quectel-saas.exportTsl', { productKey: 'p11v14' }));
      await collect(client('onbright', { credentials: { clientSecret: wrong.clientSecret } }).call('onbright.listObox'));
      await collect(client('novastar', { credentials: { secretKey: wrong.secretKey } }).request({ path: 'screen/readList', body: {} }));
      await collect(client('quectel-app').call('quectel-app.register', { phone: '1380000', pwd: DEMO.quectelApp.password, smsCode: '1' }));
      sim.faults.malformNext(1, 'drop');
      await collect(client('quectel-saas').call('quectel-saas.exportTsl', { productKey: 'p11v14' }));
      assert.ok(errors.length >= 7, `errors: ${errors.length}`);
      const secrets = [...demoSecrets(), ...Object.values(wrong), ...issuedTokens(sim)];
      for (const e of errors) {
        assertFreeOf(`${e.message} ${e.stack} ${JSON.stringify(e)} ${String(e)}`, secrets, `error ${e.code}`);
      }
    });
  });

  describe('an answer that repeats the request', () => {
    /** The text of an error as anything downstream may see it. */
    const everything = (e: OpenApiError) => `${e.message} ${e.stack} ${JSON.stringify(e)} ${String(e)} ${e.vendorMessage}`;
    /** The encrypted password and its random, in every form the echo holds them. */
    const revealing = (fields: Record<string, unknown>) =>
      [fields.pwd, fields.random, fields.signature].filter((v): v is string => typeof v === 'string').flatMap((v) => [v, encodeURIComponent(v)]);

    it('a login refused with the request echoed: the error holds neither pwd, random nor the signature, then or in the backoff error', async () => {
      const c = client('quectel-app');
      sim.faults.echoRequestNext(1, { path: '/phonePwdLogin' });
      const err = await c.call('quectel-app.listDevices', {}).catch((e: OpenApiError) => e);
      assert.ok(err instanceof OpenApiError);
      assert.equal(err.code, 5002);
      const login = sim.requests.find((r) => r.path.endsWith('/phonePwdLogin'))!;
      assert.ok(login.query.pwd && login.query.random && login.query.signature);
      assert.match(err.message, /phonePwdLogin/, 'the echo arrived');
      assert.match(err.message, new RegExp(login.query.phone), 'what is not secret stays readable');
      assertFreeOf(everything(err), [...revealing(login.query), ...demoSecrets()], 'login error');
      // The session keeps the refusal and repeats its text while it waits.
      const backoff = await c.call('quectel-app.listDevices', {}).catch((e: OpenApiError) => e);
      assert.equal((backoff as OpenApiError).code, 'LOGIN_BACKOFF');
      assertFreeOf(everything(backoff as OpenApiError), revealing(login.query), 'backoff error');
    });

    it('a registration refused with its body echoed: the error holds neither pwd nor random', async () => {
      const c = client('quectel-app');
      sim.faults.echoRequestNext(1, { path: '/phonePwdRegister' });
      const err = await c.call('quectel-app.register', { phone: '13800000021', pwd: 'Plain-pass-1', smsCode: DEMO.smsCode }).catch((e: OpenApiError) => e);
      assert.equal((err as OpenApiError).code, 5002);
      const body = sim.requests.at(-1)!.body as Record<string, string>;
      assert.match((err as OpenApiError).message, /13800000021/, 'the echo arrived');
      assertFreeOf(everything(err as OpenApiError), [...revealing(body), 'Plain-pass-1'], 'register error');
    });

    it('a password that also shows elsewhere in the echo (here: it is the phone number) is scrubbed wherever it shows', async () => {
      const c = client('quectel-app');
      const pwd = '13800000023';
      sim.faults.echoRequestNext(1, { path: '/phonePwdRegister' });
      const err = await c.call('quectel-app.register', { phone: pwd, pwd, smsCode: DEMO.smsCode }).catch((e: OpenApiError) => e);
      assert.equal((err as OpenApiError).code, 5002);
      assert.match((err as OpenApiError).message, /phonePwdRegister/, 'the echo arrived');
      assertFreeOf(everything(err as OpenApiError), [pwd], 'register error');
      sim.faults.echoRequestNext(1, { path: '/phonePwdRegister', code: 200 });
      const r = await c.call('quectel-app.register', { phone: pwd, pwd, smsCode: DEMO.smsCode });
      assertFreeOf(r.meta.message, [pwd], 'success message');
    });

    it('a registration answered as a success that echoes the body: msg.openapi\'s message holds neither', async () => {
      const c = client('quectel-app');
      sim.faults.echoRequestNext(1, { path: '/phonePwdRegister', code: 200 });
      const r = await c.call('quectel-app.register', { phone: '13800000022', pwd: 'Plain-pass-2', smsCode: DEMO.smsCode });
      const body = sim.requests.at(-1)!.body as Record<string, string>;
      assert.match(r.meta.message, /13800000022/);
      assertFreeOf(r.meta.message, revealing(body), 'success message');
    });

    it('the adapter lists the values of its last logins and registrations among its secrets, a bounded number', () => {
      const clock = new Clock();
      const config = demoAccount(sim, 'quectel-app');
      const transport = new Transport({ platform: 'quectel-app', baseUrl: sim.url, timeout: 1000, clock });
      try {
        const adapter = quectelAppAdapter({ config, transport, clock });
        const register = (pwd: string) => adapter.sign({ method: 'POST', path: '/register', query: {}, headers: {}, body: { pwd } }, 'register').body as Record<string, string>;
        const first = register('first-pass');
        assert.ok(adapter.secrets().includes(first.pwd) && adapter.secrets().includes(first.random));
        let last = first;
        for (let i = 0; i < 100; i++) last = register(`pass-${i}`);
        const secrets = adapter.secrets();
        assert.ok(secrets.includes(last.pwd) && secrets.includes(last.random), 'the latest are kept');
        assert.ok(!secrets.includes(first.pwd), 'the oldest are let go');
        assert.ok(secrets.length <= 100, `${secrets.length} values`);
        // The SMS call's random and signature reveal nothing: not listed.
        const sms = adapter.sign({ method: 'POST', path: '/sms', query: { phone: '13800000000', codeType: '3' }, headers: {} }, 'sms-signature').query;
        assert.ok(!adapter.secrets().includes(sms.random));
      } finally {
        transport.close();
      }
    });
  });

  describe('the library on its own', () => {
    it('loads from plain Node without Node-RED', () => {
      const out = execFileSync(process.execPath, ['-e', `
        const lib = require(${JSON.stringify(path.resolve(__dirname, '../../lib/index.js'))});
        const loaded = Object.keys(require.cache).filter((f) => /node-red/.test(f));
        console.log(JSON.stringify({ client: typeof lib.OpenApiClient, loaded }));
      `]).toString();
      assert.deepEqual(JSON.parse(out), { client: 'function', loaded: [] });
    });

    it('the client names no platform: every vendor rule is in the platform adapters', () => {
      const source = fs.readFileSync(path.resolve(__dirname, '../../../lib/client.ts'), 'utf8');
      for (const name of [...PLATFORMS, 'Quectel', 'On-Bright', 'OnBright', 'NovaStar', 'OBOX']) {
        assert.ok(!source.toLowerCase().includes(name.toLowerCase()), `lib/client.ts names ${name}`);
      }
    });

    it('every catalogue entry was called in these tests', () => {
      const missing = [...OPERATIONS.keys()].filter((id) => !calledOps.has(id));
      assert.deepEqual(missing, []);
    });
  });
});

describe('a burst without an account rate limit', function () {
  this.timeout(60_000);
  it('30 calls at once against a vendor allowing 10 a second all succeed: refused ones are paced and sent again', async () => {
    const sim = await startSimulator({ quiet: true, rateLimit: { perSecond: 10 } });
    const client = new OpenApiClient(demoAccount(sim, 'quectel-saas'));
    try {
      for (let run = 0; run < 3; run++) {
        const failed: unknown[] = [];
        await Promise.all(Array.from({ length: 30 }, () => client.call('quectel-saas.listProducts', { pageNum: 1, pageSize: 1 }).catch((e: OpenApiError) => failed.push(e.code))));
        assert.deepEqual(failed, [], `run ${run + 1}`);
      }
      assert.ok(sim.counters.rateLimited['quectel-saas'] > 0, 'the vendor did refuse some: the test is a real burst');
    } finally {
      client.close();
      await sim.close();
    }
  });
});

describe('a refusal of our clock', () => {
  const adapter = { isTimestampRejected: (e: OpenApiError) => e.code === 5145 } as PlatformAdapter;
  const signedAt = Date.UTC(2026, 0, 1, 12);
  const refusal = (code: number | string, minutesOff: number | undefined) =>
    new OpenApiError(code, 'refused', { refusal: true, serverDate: minutesOff === undefined ? undefined : signedAt + minutesOff * 60_000 });

  it('is any vendor refusal whose Date header shows our clock more than 5 minutes off, whatever the code', () => {
    for (const [code, off] of [[90048, 6], ['90048', -6], [5420, 60]] as const) {
      const err = refusal(code, off);
      assert.equal(isClockRefusal(err, adapter, signedAt), true, `${code} ${off} min`);
      assert.equal(err.clockSkew, true, 'marked, so it never counts toward the lock-out cap');
    }
  });

  it('is the vendor\'s own timestamp code, even without a Date header', () => {
    assert.equal(isClockRefusal(refusal(5145, undefined), adapter, signedAt), true);
  });

  it('is not a refusal within 5 minutes, nor a transport failure', () => {
    assert.equal(isClockRefusal(refusal(90048, 4), adapter, signedAt), false);
    assert.equal(isClockRefusal(new OpenApiError('ETIMEDOUT', 'slow', { serverDate: signedAt + 3600_000 }), adapter, signedAt), false);
  });
});
