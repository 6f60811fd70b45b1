// The Quectel SaaS catalogue held against the vendor's OpenAPI file
// (test/fixtures/acceleronix-saas-openapi.json, a copy of the file the vendor
// publishes): every endpoint of the file is in the catalogue, and every SaaS
// entry has the file's method, path, parameter names and places, required
// parameters and enumerations. Where the catalogue differs on purpose, or the
// vendor's published page for the call says otherwise than the file (the page's
// example wins), the difference is a row in a table below with its reason.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { OPERATIONS, isComposite, type ParamSpec, type VendorCall } from '../../lib/operations';

interface FileParam { name: string; in: 'query' | 'body'; required: boolean; type?: string; enum?: readonly (string | number)[] }
interface FileEndpoint { method: string; path: string; params: FileParam[] }

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/acceleronix-saas-openapi.json');

type Schema = { $ref?: string; type?: string; enum?: (string | number)[]; required?: string[]; properties?: Record<string, Schema> };
type FileOperation = { parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[]; requestBody?: { content: Record<string, { schema: Schema }> } };

/** Every endpoint of the file, with its query parameters and the top-level fields of its JSON body. */
function readFile(): FileEndpoint[] {
  const doc = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { paths: Record<string, Record<string, FileOperation>>; components: { schemas: Record<string, Schema> } };
  const resolve = (s: Schema): Schema => (s.$ref ? doc.components.schemas[s.$ref.split('/').pop() as string] : s);
  const out: FileEndpoint[] = [];
  for (const [p, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params: FileParam[] = (op.parameters ?? []).map((x) => {
        assert.ok(x.in === 'query', `${method} ${p}: a parameter in ${x.in}, which the catalogue cannot place`);
        return { name: x.name, in: 'query', required: x.required === true, type: x.schema?.type, enum: x.schema?.enum };
      });
      for (const media of Object.values(op.requestBody?.content ?? {})) {
        const body = resolve(media.schema);
        for (const [name, field] of Object.entries(body.properties ?? {})) {
          params.push({ name, in: 'body', required: body.required?.includes(name) ?? false, type: field.type, enum: field.enum });
        }
      }
      out.push({ method: method.toUpperCase(), path: p, params });
    }
  }
  return out;
}

const key = (method: string, p: string): string => `${method} ${p}`;
const param = (id: string, name: string): string => `${id} ${name}`;

/**
 * Endpoints of the file that are not catalogue entries because the platform's
 * adapter makes them itself (lib/platforms/quectel-saas.ts): no flow calls them.
 */
const ADAPTER_CALLS: Record<string, string> = {
  [key('GET', '/v2/quecauth/accessKeyAuthrize/accessKeyLogin')]: 'the AccessKey login, made before the first call',
  [key('GET', '/v2/quecauth/accessKeyAuthrize/refreshToken')]: 'the token refresh, made before the token runs out',
};

/**
 * Catalogue entries the file does not have: each is on a page of its own,
 * whose method and path are written here.
 */
const PAGE_ONLY: Record<string, { page: string; method: string; path: string }> = {
  'quectel-saas.sendServiceData': { page: 'saasDevelop-api-deviceSendServiceData', method: 'POST', path: '/v2/deviceshadow/r3/openapi/dm/sendServiceData' },
  // The message subscription pages write the path with {version}, whose one valid value is r1.
  'quectel-saas.listQueues': { page: 'saasDevelop-api-queueList', method: 'POST', path: '/v2/quecrule/r1/openapi/queue/list' },
  'quectel-saas.queueDetail': { page: 'saasDevelop-api-queueDetail', method: 'GET', path: '/v2/quecrule/r1/openapi/queue/detail' },
  'quectel-saas.listSubscriptions': { page: 'saasDevelop-api-subscribeList', method: 'POST', path: '/v2/quecrule/r1/openapi/subscribe/list' },
  'quectel-saas.subscriptionDetail': { page: 'saasDevelop-api-subscribeDetail', method: 'GET', path: '/v2/quecrule/r1/openapi/subscribe/detail' },
  'quectel-saas.startSubscription': { page: 'saasDevelop-api-subscribeStart', method: 'POST', path: '/v2/quecrule/r1/openapi/subscribe/start' },
  'quectel-saas.stopSubscription': { page: 'saasDevelop-api-subscribeStop', method: 'POST', path: '/v2/quecrule/r1/openapi/subscribe/stop' },
};

/**
 * Endpoints that only the published pages define (the file has none of them)
 * and the catalogue does not offer yet, each with the reason. The generic
 * request node reaches them by method and path meanwhile.
 */
const NOT_YET: Record<string, string> = {
  [key('GET', '/v2/quecdatastorage/r1/openapi/device/eventdata/history')]: 'a device\'s event history: the device state node\'s events operation, to come with the App\'s',
  [key('POST', '/v2/quecrule/r1/openapi/queue/create')]: 'creating, emptying and deleting queues and rules change what every consumer of the account receives: offered once the events node can show it',
  [key('POST', '/v2/quecrule/r1/openapi/queue/clear')]: 'as queue/create',
  [key('DELETE', '/v2/quecrule/r1/openapi/queue/delete')]: 'as queue/create',
  [key('POST', '/v2/quecrule/r1/openapi/subscribe/create')]: 'as queue/create (a rule by product or device)',
  [key('POST', '/v2/quecrule/r1/openapi/subscribe/enduser')]: 'as queue/create (a rule by end-user domain)',
  [key('POST', '/v2/quecrule/r1/openapi/subscribe/saas')]: 'as queue/create (a rule for the whole SaaS account)',
  [key('POST', '/v2/quecrule/r1/openapi/subscribe/update')]: 'as queue/create',
  [key('DELETE', '/v2/quecrule/r1/openapi/subscribe/delete')]: 'as queue/create',
};

/**
 * Parameters of the file that the catalogue leaves out, and why. A flow can
 * still send them through the generic request node.
 */
const LEFT_OUT: Record<string, string> = {
  // The language of the vendor's messages only; the data is the same.
  ...Object.fromEntries(['dataHistory', 'deviceLocation', 'deviceResource', 'readData', 'writeData', 'sendRawData'].map((id) => [param(`quectel-saas.${id}`, 'language'), 'the language of the answer\'s message only'])),
  [param('quectel-saas.exportTsl', 'productId')]: 'the catalogue names a product by its productKey, which every other call takes',
  [param('quectel-saas.dataHistory', 'deviceId')]: 'the catalogue names a device by its productKey and deviceKey, which every other call takes',
  [param('quectel-saas.deviceLocation', 'deviceId')]: 'the catalogue names a device by its productKey and deviceKey, which every other call takes',
  [param('quectel-saas.dataHistory', 'sendStatus')]: 'the device state node reads what devices sent; the send status of downlinks is for the request node',
  [param('quectel-saas.listDevices', 'activeStatus')]: 'not offered by the list node yet: a flow filters on isActived',
};

/**
 * Parameters the published page has and the file does not: the page wins, and
 * the catalogue takes them where the page puts them.
 */
const PAGE_ADDS: Record<string, { page: string; in: 'query' | 'body' }> = {
  [param('quectel-saas.listDevices', 'deviceKey')]: { page: 'saasDevelop-api-deviceList', in: 'query' },
};

/**
 * Where the catalogue's required parameters differ from the file's, and why.
 * A parameter that names the device or product is required where the file
 * takes either it or a numeric id the catalogue leaves out.
 */
const REQUIRED_DIFFERS: Record<string, string> = {
  [param('quectel-saas.exportTsl', 'productKey')]: 'the file takes productKey or productId; the catalogue offers productKey only',
  [param('quectel-saas.dataHistory', 'productKey')]: 'the file takes the two keys or deviceId; the catalogue offers the keys only',
  [param('quectel-saas.dataHistory', 'deviceKey')]: 'the file takes the two keys or deviceId; the catalogue offers the keys only',
  [param('quectel-saas.deviceLocation', 'productKey')]: 'the page takes the two keys or deviceId; the catalogue offers the keys only',
  [param('quectel-saas.deviceLocation', 'deviceKey')]: 'the page takes the two keys or deviceId; the catalogue offers the keys only',
  // The page: "encode" is required (Hex or Text); the file leaves it optional. The page wins.
  [param('quectel-saas.sendRawData', 'encode')]: 'the page (saasDevelop-api-deviceSendRawData) makes it required',
};

/**
 * Where the catalogue's enumeration is not the file's, and why: the catalogue
 * may only narrow an enumeration for a reason, never widen it.
 */
const ENUM_DIFFERS: Record<string, string> = {
  ...Object.fromEntries(['writeData', 'readData', 'sendRawData'].map((id) => [param(`quectel-saas.${id}`, 'qos'),
    'the pages give QoS 1 as the default and no other level a flow could rely on; the catalogue offers 0 and 1'])),
};

/**
 * Where the catalogue's type is not the file's. The page's example wins over
 * the file; a time or number taken as text of digits is checked by its pattern.
 */
const TYPE_DIFFERS: Record<string, string> = {
  [param('quectel-saas.sendRawData', 'data')]: 'the file says object; the page\'s example (saasDevelop-api-deviceSendRawData) sends text, Hex or Text by encode',
  [param('quectel-saas.dataHistory', 'beginDateTimp')]: 'epoch milliseconds, taken as text of 10 to 13 digits (the editor\'s date field)',
  [param('quectel-saas.dataHistory', 'endDateTimp')]: 'epoch milliseconds, taken as text of 10 to 13 digits (the editor\'s date field)',
};

const sameSet = (a: readonly unknown[], b: readonly unknown[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

describe('the Quectel SaaS catalogue against the vendor\'s OpenAPI file', () => {
  const file = readFile();
  const saas = [...OPERATIONS.values()].filter((op): op is VendorCall => op.platform === 'quectel-saas' && !isComposite(op));
  const byEndpoint = new Map(saas.map((op) => [key(op.method, op.path), op]));

  it('the fixture is the vendor\'s file: its endpoints and the login among them', () => {
    assert.equal(file.length, 14, 'the endpoints of the vendor\'s file');
    assert.ok(file.some((e) => e.path.endsWith('/accessKeyLogin')));
  });

  it('every endpoint of the file is a catalogue entry or made by the adapter: 0 missing', () => {
    const missing = file.map((e) => key(e.method, e.path)).filter((k) => !byEndpoint.has(k) && !(k in ADAPTER_CALLS));
    assert.deepEqual(missing, [], `endpoints of the vendor's file the catalogue lacks:\n  ${missing.join('\n  ')}`);
    const adapter = fs.readFileSync(path.resolve(__dirname, '../../../lib/platforms/quectel-saas.ts'), 'utf8');
    for (const k of Object.keys(ADAPTER_CALLS)) {
      assert.ok(!byEndpoint.has(k), `${k} is in the catalogue: take it out of ADAPTER_CALLS`);
      assert.ok(adapter.includes(k.split(' ')[1]), `the adapter does not call ${k}`);
    }
  });

  it('every SaaS catalogue entry is in the file, or on a page named in PAGE_ONLY with the same method and path', () => {
    for (const op of saas) {
      const inFile = file.some((e) => e.method === op.method && e.path === op.path);
      const page = PAGE_ONLY[op.id];
      if (inFile) {
        assert.equal(page, undefined, `${op.id} is in the file: take it out of PAGE_ONLY`);
        continue;
      }
      assert.ok(page, `${op.id} (${op.method} ${op.path}) is neither in the file nor in PAGE_ONLY`);
      assert.deepEqual([op.method, op.path], [page.method, page.path], `${op.id} differs from its page ${page.page}`);
    }
    for (const id of Object.keys(PAGE_ONLY)) assert.ok(OPERATIONS.has(id), `PAGE_ONLY names ${id}, which the catalogue does not have`);
  });

  it('the endpoints only the pages define and the catalogue does not offer yet are listed with a reason, and none of them is in the catalogue', () => {
    for (const [k, reason] of Object.entries(NOT_YET)) {
      assert.ok(!byEndpoint.has(k), `${k} is in the catalogue now: take it out of NOT_YET`);
      assert.ok(!file.some((e) => key(e.method, e.path) === k), `${k} is in the file: the file's endpoints are all offered`);
      assert.ok(reason.length > 10, `${k}: no reason`);
    }
  });

  // What the comparisons below found, each against its table: a row no longer needed fails too.
  const found = { pageAdds: new Set<string>(), leftOut: new Set<string>(), required: new Set<string>(), enums: new Set<string>(), types: new Set<string>() };
  const matchesType = (p: ParamSpec, fileType: string | undefined): boolean => fileType === undefined || p.type === fileType;

  for (const endpoint of file) {
    const op = (): VendorCall | undefined => saas.find((o) => o.method === endpoint.method && o.path === endpoint.path);
    if (key(endpoint.method, endpoint.path) in ADAPTER_CALLS) continue;
    it(`${endpoint.method} ${endpoint.path}: parameter names and places, required ones, enumerations`, () => {
      const call = op();
      assert.ok(call, 'not in the catalogue');
      for (const p of call.params) {
        const id = param(call.id, p.name);
        const f = endpoint.params.find((x) => x.name === p.name);
        if (!f) {
          assert.ok(id in PAGE_ADDS, `${call.id}: the catalogue's ${p.name} is neither a parameter of the file nor in PAGE_ADDS`);
          assert.equal(p.in, PAGE_ADDS[id].in, `${id}: not where its page puts it`);
          found.pageAdds.add(id);
          continue;
        }
        assert.equal(p.in, f.in, `${call.id} ${p.name}: in the ${p.in}, the file has it in the ${f.in}`);
        if ((p.required === true) !== f.required) found.required.add(id);
        if (f.enum && p.enum) assert.ok(p.enum.every((v) => f.enum!.includes(v)), `${id}: values the file does not have`);
        if (f.enum ? !(p.enum && sameSet(p.enum, f.enum)) : p.enum !== undefined) found.enums.add(id);
        if (!matchesType(p, f.type)) found.types.add(id);
      }
      for (const f of endpoint.params) if (!call.params.some((p) => p.name === f.name)) found.leftOut.add(param(call.id, f.name));
    });
  }

  it('each difference is a row of its table with a reason, and each row is a difference found', () => {
    const check = (name: string, table: Record<string, string>, seen: Set<string>) => {
      assert.deepEqual([...seen].filter((id) => !(id in table)).sort(), [], `${name}: differences without a row`);
      assert.deepEqual(Object.keys(table).filter((id) => !seen.has(id)).sort(), [], `${name}: rows that are not (or no longer) differences`);
      for (const [id, reason] of Object.entries(table)) assert.ok(reason.length > 10, `${name} ${id}: no reason`);
    };
    check('PAGE_ADDS', Object.fromEntries(Object.entries(PAGE_ADDS).map(([id, row]) => [id, `the page ${row.page}`])), found.pageAdds);
    check('LEFT_OUT', LEFT_OUT, found.leftOut);
    check('REQUIRED_DIFFERS', REQUIRED_DIFFERS, found.required);
    check('ENUM_DIFFERS', ENUM_DIFFERS, found.enums);
    check('TYPE_DIFFERS', TYPE_DIFFERS, found.types);
  });
});
