// The thing model: read as the vendor documents it, values checked, written
// as the vendor reads them and read back with their types.
import assert from 'node:assert/strict';
import { checkValue, decodeValue, encodeValue, readThingModel } from '../../lib/thing-model';
import sinon from 'sinon';
import { OpenApiClient } from '../../lib/client';
import { ThingModels } from '../../lib/platforms/quectel-devices';
import { OpenApiError } from '../../lib/errors';
import { startSimulator, type Simulator } from '../../simulator';
import { demoAccount } from '../support/accounts';

/** Shaped like the SaaS TSL export's example: limits as an object, enum values and struct fields as lists. */
const MODEL = readThingModel({
  profile: { tslVersion: '1.2.0', productKey: 'PK0001' },
  properties: [
    { id: 1, code: 'level', dataType: 'INT', subType: 'RW', specs: { min: '1', max: '100', step: '1' } },
    { id: 3, code: 'power', dataType: 'FLOAT', subType: 'R', specs: { min: '0', max: '3000', step: '0.1' } },
    { id: 10, code: 'on', dataType: 'BOOL', subType: 'RW', specs: [{ dataType: 'BOOL', value: 'true' }, { dataType: 'BOOL', value: 'false' }] },
    { id: 11, code: 'mode', dataType: 'ENUM', subType: 'RW', specs: [{ value: '1' }, { value: '2' }] },
    { id: 14, code: 'label', dataType: 'TEXT', subType: 'RW', specs: { length: '5' } },
    {
      id: 20, code: 'point', dataType: 'STRUCT', subType: 'RW',
      specs: [{ id: 1, code: 'x', dataType: 'INT', specs: { min: '0', max: '10' } }, { id: 2, code: 'name', dataType: 'TEXT', specs: { length: '8' } }],
    },
    { id: 21, code: 'list', dataType: 'ARRAY', subType: 'RW', specs: { size: '3', dataType: 'INT', specs: { min: '0', max: '9' } } },
    // The simulator's older form: limits as a list of one object.
    { id: 30, code: 'legacy', dataType: 'INT', subType: 'RW', specs: [{ dataType: 'INT', min: '0', max: '5' }] },
  ],
  services: [{ code: 'reboot', inputData: [{ id: 1, code: 'delay', dataType: 'INT', specs: { min: '0', max: '60' } }] }],
});

function refused(fn: () => void, message: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof OpenApiError && err.code === 'INVALID_INPUT' && message.test(err.message));
}

describe('thing model', () => {
  it('reads properties by code and by id, and service inputs', () => {
    assert.deepEqual([...MODEL.properties.keys()], ['level', 'power', 'on', 'mode', 'label', 'point', 'list', 'legacy']);
    assert.equal(MODEL.byId.get(10)?.code, 'on');
    assert.equal(MODEL.properties.get('legacy')?.max, 5);
    assert.deepEqual([...MODEL.services.get('reboot')!.keys()], ['delay']);
  });

  it('accepts values of the right type and range', () => {
    const field = (code: string) => MODEL.properties.get(code)!;
    checkValue(field('level'), 100, 'data.level');
    checkValue(field('level'), '7', 'data.level');
    checkValue(field('on'), false, 'data.on');
    checkValue(field('mode'), 2, 'data.mode');
    checkValue(field('point'), { x: 3, name: 'a' }, 'data.point');
    checkValue(field('list'), [1, 2, 3], 'data.list');
  });

  it('refuses wrong values, naming the property', () => {
    const field = (code: string) => MODEL.properties.get(code)!;
    refused(() => checkValue(field('level'), 101, 'data.level'), /^data\.level must be between 1 and 100$/);
    refused(() => checkValue(field('level'), 1.5, 'data.level'), /^data\.level must be an integer$/);
    refused(() => checkValue(field('on'), 1, 'data.on'), /^data\.on must be true or false$/);
    refused(() => checkValue(field('mode'), 3, 'data.mode'), /^data\.mode must be one of 1, 2$/);
    refused(() => checkValue(field('label'), 'too long', 'data.label'), /^data\.label is longer than 5 characters$/);
    refused(() => checkValue(field('point'), { x: 11 }, 'data.point'), /^data\.point\.x must be between 0 and 10$/);
    refused(() => checkValue(field('point'), { y: 1 }, 'data.point'), /^data\.point\.y is not in the product's thing model \(it has x, name\)$/);
    refused(() => checkValue(field('list'), [1, 2, 3, 4], 'data.list'), /^data\.list has more than 3 items$/);
    refused(() => checkValue(field('list'), [1, 10], 'data.list'), /^data\.list\[1\] must be between 0 and 9$/);
  });

  it('writes values as the vendor reads them: text, lists of one-key objects, {"0": item} for arrays', () => {
    assert.equal(JSON.stringify([{ on: encodeValue(true) }, { level: encodeValue(80) }]), '[{"on":"true"},{"level":"80"}]');
    assert.deepEqual(encodeValue({ x: 1, name: 'a' }), [{ x: '1' }, { name: 'a' }]);
    assert.deepEqual(encodeValue([1, 2]), [{ 0: '1' }, { 0: '2' }]);
  });

  it('reads values back with their types', () => {
    assert.equal(decodeValue('BOOL', 'true'), true);
    assert.equal(decodeValue('INT', '42'), 42);
    assert.equal(decodeValue('FLOAT', '10.2'), 10.2);
    assert.equal(decodeValue('TEXT', '42'), '42');
    assert.deepEqual(decodeValue(undefined, [{ id: 1, value: '3' }, { id: 2, value: 'a' }], MODEL.properties.get('point')), { x: 3, name: 'a' });
    assert.deepEqual(decodeValue(undefined, '[{"0":"1"},{"0":"2"}]', MODEL.properties.get('list')), [1, 2]);
  });
});

describe('thing model cache', function () {
  this.timeout(30_000);
  const TSL = '/v2/quectsl/openapi/product/export/tslFile';
  let sim: Simulator;
  let client: OpenApiClient;
  before(async () => {
    sim = await startSimulator({ quiet: true });
  });
  after(() => sim.close());
  beforeEach(async () => {
    sim.reset();
    client = new OpenApiClient(demoAccount(sim, 'quectel-saas'));
    await client.testConnection();
  });
  afterEach(() => client.close());
  let models: ThingModels;
  beforeEach(() => (models = new ThingModels('productKey')));
  const thingModel = (c: OpenApiClient, productKey: string) => models.get(c, 'quectel-saas.exportTsl', productKey);
  const reads = (pk?: string) => sim.requests.filter((r) => r.path === TSL && (pk === undefined || r.query.productKey === pk)).length;

  it('keeps at most 256 products, the least recently used going first', async () => {
    assert.ok(await thingModel(client, 'p11v14'));
    // Messages naming 300 product keys the vendor does not know (each one refused, and remembered as such).
    for (let i = 0; i < 300; i++) {
      await thingModel(client, `unknown${i}`);
      // The model in use stays: it is used again and again.
      if (i % 100 === 0) await thingModel(client, 'p11v14');
    }
    assert.equal(reads('p11v14'), 1, 'the model in use was kept');
    // The first unknown keys were dropped, so they are asked for again; the latest are still remembered.
    const before = reads();
    await thingModel(client, 'unknown0');
    assert.equal(reads(), before + 1, 'an old entry was dropped');
    await thingModel(client, 'unknown299');
    assert.equal(reads(), before + 1, 'a recent refusal is still remembered');
  });

  it('reads a model again once it is an hour old', async () => {
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    try {
      assert.ok(await thingModel(client, 'p11v14'));
      clock.tick(59 * 60_000);
      assert.ok(await thingModel(client, 'p11v14'));
      assert.equal(reads('p11v14'), 1, 'kept within the hour');
      clock.tick(2 * 60_000);
      assert.ok(await thingModel(client, 'p11v14'));
      assert.equal(reads('p11v14'), 2, 'read again after an hour');
    } finally {
      clock.restore();
    }
  });
});

