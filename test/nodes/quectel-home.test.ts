// The home node in the real Node-RED runtime against the simulator over HTTP
// on loopback: a Quectel App user's families, rooms, family devices and
// messages; a family left out means the current one; the vendor's refusals
// reach the Catch node.
import assert from 'node:assert/strict';
import type { Simulator } from '../../simulator';
import { RED_PACKAGE, helper, useRuntime } from '../support/red';
import { FlowHarness, type Outcome } from '../support/harness';

function ok(o: Outcome, what: string): NonNullable<Outcome['msg']> {
  assert.equal(o.error, undefined, `${what}: ${JSON.stringify(o.error)}`);
  assert.ok(o.msg, `${what}: no output`);
  return o.msg;
}

function failed(o: Outcome, code: string | number, what: string): void {
  assert.equal(o.msg, undefined, `${what}: sent on the output`);
  assert.ok(o.error, `${what}: no error`);
  assert.equal(o.error.code, code, `${what}: ${o.error.message}`);
}

const keys = (items: unknown, key: string): unknown[] => (items as Record<string, unknown>[]).map((i) => i[key]);

describe(`Quectel home in the Node-RED runtime (${RED_PACKAGE})`, function () {
  this.timeout(30_000);
  let sim: Simulator;
  const h = new FlowHarness(() => sim);
  useRuntime((s) => (sim = s));

  const account = 'acc-quectel-app';
  before(() => h.load([
    { id: 'home-page', type: 'quectel-home', account, operation: 'listFamilies', output: 'page' },
    { id: 'home-all', type: 'quectel-home', account, operation: 'listRooms', output: 'all' },
    { id: 'home-office', type: 'quectel-home', account, operation: 'listFamilyDevices', output: 'all', fid: 'f0002', fidType: 'str' },
  ]));
  after(() => helper.unload());
  beforeEach(() => sim.reset());

  it('lists the families as the vendor pages them, and reads the current one', async () => {
    const msg = ok(await h.send('home-page', { payload: {} }), 'listFamilies');
    const data = msg.payload as { list: unknown[]; total: number };
    assert.equal(data.total, 2);
    assert.deepEqual(keys(data.list, 'familyName'), ['Home', 'Office']);
    assert.equal(msg.openapi.operation, 'quectel-app.listFamilies');
    const members = ok(await h.send('home-page', { payload: { role: '3' } }), 'members only');
    assert.deepEqual(keys((members.payload as { list: unknown[] }).list, 'fid'), ['f0002']);

    const current = ok(await h.send('home-page', { operation: 'currentFamily', payload: {} }), 'currentFamily');
    assert.equal((current.payload as { fid: string }).fid, 'f0001');
  });

  it('without a family, lists the rooms of the current one; a room\'s devices carry their room', async () => {
    const rooms = ok(await h.send('home-all', { payload: {} }), 'listRooms');
    assert.deepEqual(keys(rooms.payload, 'roomName'), ['Living room', 'Bedroom', 'Kitchen']);
    assert.ok(sim.requests.some((r) => r.path.endsWith('/getCurrentFamily')), 'the current family was asked for');

    sim.state.currentFamily.set('C131362', 'f0002');
    const office = ok(await h.send('home-all', { payload: {} }), 'listRooms, the office now current');
    assert.deepEqual(keys(office.payload, 'frid'), ['r0201']);

    const devices = ok(await h.send('home-all', { operation: 'listRoomDevices', payload: { frid: 'r0102' } }), 'listRoomDevices');
    assert.deepEqual(keys(devices.payload, 'deviceKey'), ['D003', 'TH001']);
    assert.deepEqual([...new Set(keys(devices.payload, 'roomName'))], ['Bedroom']);
  });

  it('takes the family set in the node, and the message filters', async () => {
    const office = ok(await h.send('home-office', { payload: {} }), 'listFamilyDevices');
    assert.deepEqual(keys(office.payload, 'deviceKey'), ['D004', 'TH003']);
    const withOwn = ok(await h.send('home-office', { payload: { isAddOwnerDevice: true, pkList: ['p11s8K'] } }), 'own devices too');
    assert.deepEqual(keys(withOwn.payload, 'deviceKey'), ['SK003', 'SK004', 'SK005'], 'the sockets in no family');

    const unread = ok(await h.send('home-all', { operation: 'listMessages', payload: { isRead: false, msgType: 2 } }), 'listMessages');
    assert.deepEqual(keys(unread.payload, 'dk'), ['TH001', 'D001']);
  });

  it('refusals reach the Catch node: an unknown room, a family of someone else, no room at all', async () => {
    failed(await h.send('home-all', { operation: 'listRoomDevices', payload: { frid: 'r9999' } }), 6052, 'unknown room');
    failed(await h.send('home-all', { payload: { fid: 'f9999' } }), 5041, 'not the user\'s family');
    const before = sim.requests.length;
    failed(await h.send('home-all', { operation: 'listRoomDevices', payload: {} }), 'INVALID_INPUT', 'no frid');
    assert.equal(sim.requests.length, before, 'nothing sent');
  });
});
