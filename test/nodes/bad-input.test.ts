// Bad input into every node type and operation, in the real Node-RED runtime
// against the simulator: each case ends as INVALID_INPUT naming the parameter
// (nothing sent) or as the vendor's refusal on the Catch node. Never a crash,
// an unhandled rejection, a request carrying "undefined" or "[object Object]",
// or a polluted prototype. The cases are generated from the catalogue.
import assert from 'node:assert/strict';
import { isComposite, OPERATIONS, type Operation, type ParamSpec } from '../../lib/operations';
import type { Platform } from '../../lib/types';
import { NODE_SPECS } from '../../nodes/specs';
import { settingName } from '../../nodes/settings';
import { PICKERS } from '../../lib/pickers';
import { startSimulator, type Simulator } from '../../simulator';
import { ACCOUNT_IDS, RED_PACKAGE, helper } from '../support/red';
import { CrashWatch, FlowHarness, type Outcome } from '../support/harness';

interface Target {
  /** The node in the flow: one per node type and platform. */
  nodeId: string;
  type: string;
  operation: string;
  multi: boolean;
  platform: Platform;
  op: Operation;
}

const targets: Target[] = NODE_SPECS.flatMap(({ type, operations }) =>
  Object.entries(operations).flatMap(([operation, byPlatform]) =>
    Object.entries(byPlatform).map(([platform, id]) => ({
      nodeId: `${type}@${platform}`,
      type,
      operation,
      multi: Object.keys(operations).length > 1,
      platform: platform as Platform,
      op: OPERATIONS.get(id!)!,
    }))));

/** Values that pass each pattern of the catalogue, by parameter name. */
const PATTERN_SAMPLES: Record<string, string> = {
  phone: '13900000001',
  mobile: '13900000002',
  internationalCode: '86',
  smsCode: '123456',
  startTime: '1550573820000',
  endTime: '1550841360000',
  deviceType: '01',
  deviceChildType: '01',
  timeout: '30',
  deviceKey: 'SW000001',
  role: '1,3',
  firstLabelList: '3',
  secondaryLabelList: '5,6',
};

/** A value the catalogue accepts for the parameter. */
function validValue(spec: ParamSpec): unknown {
  if (spec.enum) return spec.enum[0];
  switch (spec.type) {
    case 'integer':
      return spec.min ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return {};
    case 'string': {
      if (spec.pattern) {
        const sample = PATTERN_SAMPLES[spec.name];
        if (sample === undefined || !spec.pattern.test(sample)) throw new Error(`no sample matching the pattern of ${spec.name}: add one to PATTERN_SAMPLES`);
        return sample;
      }
      return 'v'.repeat(Math.max(spec.minLength ?? 1, 6));
    }
  }
}

/**
 * Calls made of several vendor calls (control, state) check more than each
 * parameter alone: the device must exist and the data fit its thing model.
 * Their valid payloads name a simulated device that is online.
 */
const DEVICE = { 'quectel-app': { productKey: 'p11s8K', deviceKey: 'SK003' }, 'quectel-saas': { productKey: 'p11v14', deviceKey: 'SW000001' } } as Partial<Record<Platform, object>>;
const RECIPE_DATA: Record<string, object> = {
  writeProperties: { data: { switch: true } },
  'quectel-app.callService': { data: { service: 'setTimer', params: { minutes: 10 } } },
  'quectel-saas.callService': { data: { service: 'countdown', params: { seconds: 10 } } },
  sendRaw: { data: '01A2', dataFormat: 'hex' },
  latest: {},
  history: { code: 'brightness' },
  readProperties: { codes: 'switch,power' },
};
/** Ids a checked NovaStar write must name: ones the simulated processor has (screen 0 holds layers 1 and 2, presets 1 and 2). */
const KNOWN_IDS = { screenId: 0, layerId: 1, presetId: 1, inputId: 0, bkgId: 0 };
function recipeExample(op: Operation): Record<string, unknown> {
  if (!isComposite(op)) return op.checked ? Object.fromEntries(op.params.filter((p) => p.name in KNOWN_IDS).map((p) => [p.name, KNOWN_IDS[p.name as keyof typeof KNOWN_IDS]])) : {};
  return { ...DEVICE[op.platform], ...(RECIPE_DATA[op.id] ?? RECIPE_DATA[op.id.split('.')[1]]) };
}

/** Every required parameter with a valid value. */
function validRequired(op: Operation): Record<string, unknown> {
  return { ...Object.fromEntries(op.params.filter((p) => p.required).map((p) => [p.name, validValue(p)])), ...recipeExample(op) };
}

/** Every parameter with a valid value. */
function validAll(op: Operation): Record<string, unknown> {
  return { ...Object.fromEntries(op.params.map((p) => [p.name, validValue(p)])), ...recipeExample(op) };
}

const MB = 1024 * 1024;
const HUGE = 'x'.repeat(MB);

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/** Own keys __proto__, constructor and prototype, as JSON.parse makes them. */
const PROTO_KEYS = '"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, "prototype": {"polluted": "yes"}';
const protoObject = (): Record<string, unknown> => JSON.parse(`{${PROTO_KEYS}}`);

/** Wrong values for one parameter, each with what makes it wrong. */
function wrongValues(spec: ParamSpec): { what: string; value: unknown }[] {
  const out: { what: string; value: unknown }[] = [
    { what: 'an object', value: { a: 1 } },
    { what: 'an object with __proto__, constructor and prototype keys', value: protoObject() },
    // A boolean is wrong for every parameter but a boolean one.
    ...(spec.type === 'boolean' ? [{ what: 'a number', value: 1 }] : [{ what: 'a boolean', value: true }]),
  ];
  switch (spec.type) {
    case 'string': {
      const max = spec.maxLength ?? 1024;
      // A list may be given as an array of strings, but not of anything else.
      out.push({ what: 'an array', value: spec.list ? [{}] : ['x'] }, { what: `${max + 1} characters`, value: 'a'.repeat(max + 1) }, { what: '1 MB of text', value: HUGE });
      if (spec.pattern) out.push({ what: 'text of the wrong format', value: 'not valid!' });
      if (spec.enum) out.push({ what: 'a value outside the list', value: 'NOT-LISTED' });
      break;
    }
    case 'integer': {
      out.push({ what: 'text', value: 'abc' }, { what: 'a fraction', value: 1.5 }, { what: 'an unsafe integer', value: 2 ** 60 }, { what: 'an array', value: [1] });
      if (spec.enum) out.push({ what: 'a number outside the list', value: Math.max(...(spec.enum as number[])) + 1 });
      if (spec.min !== undefined) out.push({ what: 'below the minimum', value: spec.min - 1 });
      if (spec.max !== undefined) out.push({ what: 'above the maximum', value: spec.max + 1 }, { what: 'far above the maximum', value: spec.max * 1e6 });
      break;
    }
    case 'array': {
      out.push(
        { what: 'text', value: 'x' },
        { what: 'too many items', value: Array.from({ length: (spec.maxItems ?? 1000) + 1 }, () => ({})) },
        { what: 'nesting 1000 levels deep', value: [nested(1000)] },
        { what: 'an item with __proto__, constructor and prototype keys', value: [protoObject()] },
      );
      break;
    }
    case 'object':
      out.push({ what: 'an array', value: [] }, { what: 'nesting 1000 levels deep', value: nested(1000) });
      break;
  }
  return out;
}

/** A refusal by the vendor (its own code, or an HTTP status), as opposed to a local failure. */
function isVendorRefusal(code: unknown): boolean {
  return typeof code === 'number' || (typeof code === 'string' && /^(HTTP_\d{3}|\d+)$/.test(code));
}

describe(`bad input in the Node-RED runtime (${RED_PACKAGE})`, function () {
  this.timeout(20_000);
  let sim: Simulator;
  const h = new FlowHarness(() => sim);
  const crashes = new CrashWatch();
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
  let mark = 0;
  const nodes: Record<string, unknown>[] = [];

  // One node per node type and platform, with no settings: the message gives everything.
  for (const t of targets) {
    if (!nodes.some((n) => n.id === t.nodeId)) nodes.push({ id: t.nodeId, type: t.type, account: ACCOUNT_IDS[t.platform] });
  }
  // The generic request node on every platform, POST to a real endpoint.
  const RAW_PATHS: Record<Platform, string> = {
    'quectel-app': '/v2/enduser/enduserapi/v2/phonePwdRegister',
    'quectel-saas': '/v2/quectsl/openapi/product/export/tslFile',
    onbright: '/consumer/open/obox',
    novastar: 'screen/readList',
  };
  for (const platform of Object.keys(RAW_PATHS) as Platform[]) {
    nodes.push({ id: `raw@${platform}`, type: 'iot-openapi-request', account: ACCOUNT_IDS[platform], method: 'POST', path: RAW_PATHS[platform] });
  }
  // Wrong values in the node's settings: an object (typed JSON) where a string, integer or list is expected,
  // and text where an integer is expected (typed number). The other required parameters are set right.
  const settingCases: { nodeId: string; param: string; what: string }[] = [];
  for (const t of targets) {
    for (const spec of t.op.params) {
      const variants: { what: string; value: string; type: string }[] = [];
      if (spec.type !== 'object') variants.push({ what: 'an object (JSON)', value: '{"a":1}', type: 'json' });
      if (spec.type === 'integer') variants.push({ what: 'text (typed as a number)', value: 'abc', type: 'num' });
      for (const v of variants) {
        const setting = settingName(spec.name);
        const node: Record<string, unknown> = { id: `set:${t.op.id}:${spec.name}:${v.type}`, type: t.type, account: ACCOUNT_IDS[t.platform], operation: t.operation };
        for (const p of t.op.params.filter((q) => q.required && q.name !== spec.name)) {
          const value = validValue(p);
          const name = settingName(p.name);
          node[name] = typeof value === 'string' ? value : JSON.stringify(value);
          node[`${name}Type`] = p.type === 'integer' ? 'num' : p.type === 'string' ? 'str' : 'json';
        }
        node[setting] = v.value;
        node[`${setting}Type`] = v.type;
        nodes.push(node);
        settingCases.push({ nodeId: node.id as string, param: spec.name, what: v.what });
      }
    }
  }

  before(async function () {
    this.timeout(60_000);
    crashes.install();
    sim = await startSimulator({ fixedSmsCode: true, quiet: true });
    await helper.startServer();
    await h.load(nodes);
  });
  after(async () => {
    await helper.unload();
    await helper.stopServer();
    await sim.close();
    crashes.uninstall();
  });
  // A layer a case deletes is back for the next case, as the seed had it.
  let seedLayers: Simulator['state']['layers'] = [];
  beforeEach(() => {
    mark = sim.counters.total;
    if (seedLayers.length === 0) seedLayers = structuredClone(sim.state.layers);
    sim.state.layers.splice(0, Infinity, ...structuredClone(seedLayers));
  });
  afterEach(() => {
    crashes.check();
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeKeys, 'Object.prototype changed');
    for (const r of sent()) {
      const texts = [r.path, r.rawBody, ...Object.keys(r.query), ...Object.values(r.query)];
      for (const text of texts) {
        assert.ok(!text.includes('undefined'), `a request to ${r.path} carries "undefined": ${text.slice(0, 200)}`);
        assert.ok(!text.includes('[object Object]'), `a request to ${r.path} carries "[object Object]": ${text.slice(0, 200)}`);
      }
      assert.ok(!r.rawBody.includes('polluted'), `a request to ${r.path} carries a prototype key's content`);
    }
  });

  /** The requests the simulator received during this test. */
  function sent(): Simulator['requests'] {
    const count = sim.counters.total - mark;
    return count === 0 ? [] : sim.requests.slice(-count);
  }

  async function send(nodeId: string, msg: Record<string, unknown>): Promise<Outcome> {
    const o = await h.send(nodeId, msg);
    if (o.error) assert.equal(o.msg, undefined);
    return o;
  }

  /** INVALID_INPUT naming the parameter, and nothing sent. */
  function assertInvalid(o: Outcome, param: string): void {
    assert.ok(o.error, `expected INVALID_INPUT for ${param}, got an output: ${JSON.stringify(o.msg?.openapi)}`);
    assert.equal(o.error.code, 'INVALID_INPUT', `expected INVALID_INPUT for ${param}, got ${String(o.error.code)}: ${o.error.message}`);
    assert.match(o.error.message, new RegExp(`(^|[^A-Za-z])${param.replace('.', '\\.')}([^A-Za-z]|$)`), `the message names ${param}: ${o.error.message}`);
    assert.deepEqual(sent().map((r) => r.path).filter((p) => !/login|oauth|accessKey/i.test(p)), [], 'nothing is sent for a bad input');
  }

  /** A call that reached the vendor: success, or the vendor's own refusal. */
  function assertSentOrRefused(o: Outcome): void {
    if (o.error) assert.ok(isVendorRefusal(o.error.code), `expected success or a vendor refusal, got ${String(o.error.code)}: ${o.error.message}`);
    assert.ok(sent().length > 0, 'the call was sent');
  }

  it('the nodes, and the editor\'s pickers, cover every catalogue entry', () => {
    const pickers = Object.values(PICKERS).flatMap((byPlatform) => Object.values(byPlatform).map((source) => source.operation));
    // A call made of others covers the calls it makes.
    const made = targets.flatMap((t) => (isComposite(t.op) ? Object.values(t.op.calls) : []));
    const covered = new Set([...targets.map((t) => t.op.id), ...pickers, ...made]);
    assert.deepEqual([...OPERATIONS.keys()].filter((id) => !covered.has(id)), []);
  });

  for (const t of targets) {
    describe(`${t.type}${t.multi ? ` (${t.operation})` : ''} on ${t.platform}`, () => {
      const base = (payload: unknown, extra: Record<string, unknown> = {}) => ({ payload, ...(t.multi ? { operation: t.operation } : {}), ...extra });
      const firstRequired = t.op.params.find((p) => p.required)?.name;

      for (const [what, payload] of [['a string', 'hello'], ['an array', [validAll(t.op)]], ['a 1 MB string', HUGE]] as const) {
        it(`msg.payload as ${what} is INVALID_INPUT naming payload`, async () => {
          assertInvalid(await send(t.nodeId, base(payload)), 'payload');
        });
      }

      it('msg.payload null is a plain trigger: parameters come from the settings (here none)', async () => {
        const o = await send(t.nodeId, base(null));
        if (firstRequired) assertInvalid(o, firstRequired);
        else assertSentOrRefused(o);
      });

      it('a valid payload reaches the vendor (success or the vendor\'s refusal)', async () => {
        assertSentOrRefused(await send(t.nodeId, base(validAll(t.op))));
      });

      it('data nested 1000 levels deep, even under a key that is not a parameter, is INVALID_INPUT naming it', async () => {
        assertInvalid(await send(t.nodeId, base({ ...validRequired(t.op), extra: nested(1000) })), 'payload.extra');
      });

      it('own keys __proto__, constructor and prototype on msg.payload are ignored and pollute nothing', async () => {
        const payload = JSON.parse(`{${PROTO_KEYS}, ${JSON.stringify(validRequired(t.op)).slice(1, -1) || '"_": 0'}}`) as Record<string, unknown>;
        assert.ok(Object.prototype.hasOwnProperty.call(payload, '__proto__'));
        assertSentOrRefused(await send(t.nodeId, base(payload)));
      });

      for (const spec of t.op.params) {
        for (const { what, value } of wrongValues(spec)) {
          it(`${spec.name} as ${what} is INVALID_INPUT naming ${spec.name}`, async () => {
            assertInvalid(await send(t.nodeId, base({ ...validRequired(t.op), [spec.name]: value })), spec.name);
          });
        }
      }

      if (t.multi) {
        for (const [what, operation] of [['an object', { add: 1 }], ['an unknown name', 'explode'], ['a 1 MB string', HUGE]] as const) {
          it(`msg.operation as ${what} is INVALID_INPUT naming operation`, async () => {
            assertInvalid(await send(t.nodeId, { payload: validAll(t.op), operation }), 'operation');
          });
        }
      }
    });
  }

  describe('wrong values in the node\'s settings', () => {
    for (const c of settingCases) {
      it(`${c.nodeId.split(':')[1]}: ${c.param} set to ${c.what} is INVALID_INPUT naming ${c.param}`, async () => {
        assertInvalid(await send(c.nodeId, { payload: 1 }), c.param);
      });
    }
  });

  for (const platform of Object.keys(RAW_PATHS) as Platform[]) {
    describe(`iot-openapi-request on ${platform}`, () => {
      const id = `raw@${platform}`;

      for (const [what, payload] of [['a string', 'hello'], ['a 1 MB string', HUGE], ['JSON text', '{"deviceId":0}']] as const) {
        it(`msg.payload as ${what} is INVALID_INPUT naming payload`, async () => {
          assertInvalid(await send(id, { payload }), 'payload');
        });
      }

      for (const [what, payload] of [['null', null], ['a number', 1], ['an array', [1, 2]], ['an empty object', {}]] as const) {
        it(`msg.payload as ${what} reaches the vendor (success or the vendor's refusal)`, async () => {
          assertSentOrRefused(await send(id, { payload }));
        });
      }

      const badBodies: [string, () => unknown][] = [
        ['nesting 1000 levels deep', () => nested(1000)],
        ['own keys __proto__, constructor and prototype', protoObject],
        ['a __proto__ key deep inside', () => ({ list: [{ a: JSON.parse('{"__proto__": {"polluted": "yes"}}') }] })],
        ['more than 1 MB of JSON', () => ({ text: HUGE + 'x' })],
        ['a number that is not finite', () => ({ n: Infinity })],
      ];
      for (const [what, body] of badBodies) {
        it(`a body with ${what} is INVALID_INPUT naming payload`, async () => {
          assertInvalid(await send(id, { payload: body() }), 'payload');
        });
      }

      const badQueries: [string, () => unknown, string][] = [
        ['a string', () => 'a=1', 'query'],
        ['an array', () => ['a'], 'query'],
        ['an object value', () => ({ a: { b: 1 } }), 'query.a'],
        ['own key __proto__', () => JSON.parse('{"__proto__": {"polluted": "yes"}}'), 'query'],
        ['own key constructor', () => JSON.parse('{"constructor": "x"}'), 'query'],
      ];
      for (const [what, query, param] of badQueries) {
        it(`msg.query as ${what} is INVALID_INPUT naming ${param}`, async () => {
          assertInvalid(await send(id, { payload: {}, query: query() }), param);
        });
      }

      it('a 1 MB query value is refused: INVALID_INPUT, or the vendor\'s refusal', async () => {
        const o = await send(id, { payload: {}, query: { q: HUGE } });
        assert.ok(o.error, 'not a success');
        assert.ok(o.error.code === 'INVALID_INPUT' || isVendorRefusal(o.error.code), `${String(o.error.code)}: ${o.error.message}`);
      });

      const badPaths: [string, unknown][] = [
        ['an object', { a: 1 }],
        ['a number', 42],
        ['an absolute URL', 'http://example.com/steal'],
        ['a path that climbs out', platform === 'novastar' ? '../screen/readList' : '/v2/../../etc/passwd'],
        ['600 characters', `/${'a'.repeat(600)}`],
        ['text with __proto__', '/__proto__/polluted'],
      ];
      for (const [what, path] of badPaths) {
        it(`msg.path as ${what} is INVALID_INPUT naming path, or the vendor's refusal`, async () => {
          const o = await send(id, { payload: {}, path });
          assert.ok(o.error, 'not a success');
          if (o.error.code === 'INVALID_INPUT') assertInvalid(o, 'path');
          else assert.ok(isVendorRefusal(o.error.code), `${String(o.error.code)}: ${o.error.message}`);
        });
      }

      for (const [what, method] of [['an object', { a: 1 }], ['an unknown verb', 'PATCH'], ['1 MB of text', HUGE]] as const) {
        it(`msg.method as ${what} is INVALID_INPUT naming method`, async () => {
          assertInvalid(await send(id, { payload: {}, method }), 'method');
        });
      }
    });
  }
});
