// How a failure reads: one line (code, text, what to check) in the debug
// sidebar and the log, the code on the Catch node and the status; and the
// explanations of vendor codes in both languages.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSimulator, type Simulator } from '../../simulator';
import { assertFreeOf, demoSecrets } from '../support/accounts';
import { ALL_NODES, RED_PACKAGE, coreNode, flowWith, helper, sendAndWait, useRuntime } from '../support/red';
import { catalogue, hintIn } from '../../nodes/i18n';

const ROOT = path.resolve(__dirname, '../../..');
const LANGS = ['en-US', 'zh-CN'] as const;
type Catalogue = Record<string, unknown>;

function readCatalogue(lang: string, file = 'iot-openapi-account.json'): Catalogue {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'locales', lang, file), 'utf8')) as Catalogue;
}

/** Every dotted key of a catalogue that holds a text. */
function keysOf(cat: unknown, prefix = ''): string[] {
  if (typeof cat === 'string') return [prefix];
  if (cat === null || typeof cat !== 'object') return [];
  return Object.entries(cat).flatMap(([key, value]) => keysOf(value, prefix ? `${prefix}.${key}` : key));
}

function at(cat: Catalogue, key: string): unknown {
  let found: unknown = cat;
  for (const part of key.split('.')) found = (found as Catalogue | undefined)?.[part];
  return found;
}

/** What the debug sidebar is sent: Node-RED's `comms` events of topic `debug`, as JSON crosses the websocket. */
function sidebar(): { seen: Record<string, unknown>[]; stop(): void } {
  const events = (helper as unknown as { _events: NodeJS.EventEmitter })._events;
  const seen: Record<string, unknown>[] = [];
  const listener = (event: { topic: string; data: unknown }) => {
    if (event.topic === 'debug') seen.push(JSON.parse(JSON.stringify(event.data)) as Record<string, unknown>);
  };
  events.on('comms', listener);
  return { seen, stop: () => events.off('comms', listener) };
}

const waitUntil = async (condition: () => boolean, what: string, ms = 10_000) => {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe(`failures read as one line (${RED_PACKAGE})`, function () {
  this.timeout(20_000);
  let sim: Simulator;
  const en = readCatalogue('en-US');
  const secretHint = at(en, 'iot-openapi.vendorCodes.quectel-app.5420') as string;

  useRuntime((s) => (sim = s), { fixedSmsCode: true });
  beforeEach(() => sim.reset());
  afterEach(async () => {
    await helper.unload();
  });

  /** The list node with a wrong user domain secret: the vendor answers 5420 to the login. */
  async function loadWrongSecret(withCatch: boolean): Promise<void> {
    const { flow, credentials } = flowWith(sim, { type: 'quectel-list-devices', account: 'acc-quectel-app' });
    const wrong = { ...credentials, 'acc-quectel-app': { ...credentials['acc-quectel-app'], userDomainSecret: 'not-the-domain-secret' } };
    await helper.load([...ALL_NODES, coreNode('common/21-debug.js')], withCatch ? flow : flow.filter((n) => n.type !== 'catch'), wrong);
  }

  it('without a Catch node: the sidebar gets one line with the code, the vendor\'s text and what to check; so does the log', async () => {
    assert.ok(secretHint, 'the catalogue explains 5420');
    const watch = sidebar();
    try {
      await loadWrongSecret(false);
      helper.getNode('n1').receive({ payload: 1 });
      await waitUntil(() => watch.seen.some((d) => d.id === 'n1'), 'the error in the sidebar');
    } finally {
      watch.stop();
    }
    const shown = watch.seen.find((d) => d.id === 'n1')!;
    assert.equal(shown.level, 20, 'shown as an error');
    assert.doesNotMatch(String(shown.format), /error|object/i, `the sidebar shows text, not an object to unfold (format ${String(shown.format)})`);
    assert.equal(typeof shown.msg, 'string');
    const line = shown.msg as string;
    assert.match(line, /^5420: \S/, line);
    assert.ok(line.endsWith(` — ${secretHint}`), line);
    assert.ok(!line.includes('\n'), 'one line');
    // The vendor's own text stays, between the code and the explanation.
    const vendorText = line.slice('5420: '.length, line.length - ` — ${secretHint}`.length);
    assert.ok(vendorText.length > 0);

    // The log: Node-RED's console logger writes the logged value as text after [error] [type:name].
    const logged = helper._logSpy.getCalls().map((c) => c.args[0] as { level: number; id?: string; msg: unknown }).find((e) => e.level === 20 && e.id === 'n1');
    assert.ok(logged, 'logged');
    assert.equal(`${logged.msg as string}`, line);
    assertFreeOf(JSON.stringify(watch.seen) + line, [...demoSecrets(), 'not-the-domain-secret']);
  });

  it('with a Catch node: msg.error.code is the vendor\'s, msg.error.message the same line; msg.openapi and the status say what to check', async () => {
    await loadWrongSecret(true);
    const { error, caughtMsg } = await sendAndWait({ payload: 1 });
    assert.equal(error?.code, 5420);
    assert.match(error!.message, /^5420: .+ — /);
    assert.ok(error!.message.endsWith(secretHint));
    const source = (error as unknown as { source: { id: string } }).source;
    assert.equal(source.id, 'n1', 'msg.error.source names the node');
    const openapi = caughtMsg!.openapi as Record<string, unknown>;
    assert.equal(openapi.code, 5420);
    assert.equal(openapi.hint, secretHint);
    assert.ok(typeof openapi.message === 'string' && openapi.message.length > 0 && !(openapi.message as string).includes(secretHint), 'msg.openapi.message is the vendor\'s text alone');
    const status = helper.getNode('n1').status.getCalls().at(-1)!.args[0] as { fill: string; shape: string; text: string };
    assert.deepEqual([status.fill, status.shape], ['red', 'ring']);
    assert.equal(status.text, `5420: ${secretHint}`);
  });

  it('a code nobody explains: code and text only; our own codes keep their words', async () => {
    const { flow, credentials } = flowWith(sim, { type: 'onbright-obox', account: 'acc-onbright', operation: 'add' });
    await helper.load(ALL_NODES, flow, credentials);
    const { error } = await sendAndWait({ payload: 1 });
    assert.equal(error?.code, 'INVALID_INPUT');
    assert.match(error!.message, /^INVALID_INPUT: \S/);
    assert.ok(!error!.message.includes(' — '), error!.message);
    const status = helper.getNode('n1').status.getCalls().at(-1)!.args[0] as { text: string };
    assert.equal(status.text, 'INVALID_INPUT');
  });

  it('nothing listening at the base URL: ECONNREFUSED with what to check', async () => {
    const closed = await startSimulator({ quiet: true });
    const url = closed.url;
    await closed.close();
    const { flow, credentials } = flowWith(sim, { type: 'onbright-obox', account: 'acc-onbright', operation: 'list' }, { onbright: { baseUrl: url } });
    await helper.load(ALL_NODES, flow, credentials);
    const { error } = await sendAndWait({ payload: 1 });
    assert.equal(error?.code, 'ECONNREFUSED');
    assert.ok(error!.message.endsWith(` — ${at(en, 'iot-openapi.codeHints.ECONNREFUSED') as string}`), error!.message);
  });

  it('an account rate below one call an hour is refused at deploy: INVALID_INPUT naming rateLimit and the limit, nothing sent', async () => {
    const { flow, credentials } = flowWith(sim, { type: 'quectel-list-devices', account: 'acc-quectel-saas' }, { 'quectel-saas': { rateLimit: '0.0000001' } });
    await helper.load(ALL_NODES, flow, credentials);
    const { error } = await sendAndWait({ payload: 1 });
    assert.equal(error?.code, 'INVALID_INPUT');
    assert.match(error!.message, /rateLimit .*1\/3600/);
    assert.equal(sim.requests.length, 0);
  });

  it('a call out of time while waiting for the account\'s rate: what to check names the rate limit, not the base URL', () => {
    for (const lang of LANGS) {
      const cat = catalogue(lang);
      const what = hintIn(cat, 'quectel-saas', 'ETIMEDOUT', 'rateWait');
      assert.equal(what, at(readCatalogue(lang), 'iot-openapi.reasonHints.rateWait'), lang);
      assert.doesNotMatch(what, /base URL|接口地址/, lang);
      // A timeout of the vendor still points at the address.
      assert.equal(hintIn(cat, 'quectel-saas', 'ETIMEDOUT'), at(readCatalogue(lang), 'iot-openapi.codeHints.ETIMEDOUT'), lang);
    }
  });

  it('On-Bright 413 and Quectel SaaS 70017 are explained on the Catch node', async () => {
    let loaded = flowWith(sim, { type: 'onbright-delete-device', account: 'acc-onbright', serialId: 'no-such-device' });
    await helper.load(ALL_NODES, loaded.flow, loaded.credentials);
    let out = await sendAndWait({ payload: 1 });
    assert.equal(out.error?.code, 413);
    assert.ok(out.error!.message.endsWith(at(en, 'iot-openapi.vendorCodes.onbright.413') as string), out.error!.message);
    await helper.unload();
    loaded = flowWith(sim, { type: 'quectel-export-tsl', account: 'acc-quectel-saas', productKey: 'nope00' });
    await helper.load(ALL_NODES, loaded.flow, loaded.credentials);
    out = await sendAndWait({ payload: 1 });
    assert.equal(out.error?.code, 70017);
    assert.ok(out.error!.message.endsWith(at(en, 'iot-openapi.vendorCodes.quectel-saas.70017') as string), out.error!.message);
  });
});

describe('message catalogues: English and Chinese side by side', () => {
  const files = fs.readdirSync(path.join(ROOT, 'locales', 'en-US')).filter((f) => f.endsWith('.json'));

  it('every text exists in both languages, and no text is empty', () => {
    for (const file of files) {
      const [en, zh] = LANGS.map((lang) => readCatalogue(lang, file));
      const enKeys = keysOf(en).sort();
      const zhKeys = keysOf(zh).sort();
      assert.deepEqual(enKeys.filter((k) => !zhKeys.includes(k)), [], `${file}: missing in zh-CN`);
      assert.deepEqual(zhKeys.filter((k) => !enKeys.includes(k)), [], `${file}: missing in en-US`);
      for (const key of enKeys) {
        for (const [lang, cat] of [['en-US', en], ['zh-CN', zh]] as const) {
          assert.ok(String(at(cat, key)).trim().length > 0, `${lang}/${file} ${key} is empty`);
        }
      }
    }
  });

  it('every vendor code explained has a Chinese explanation that is not the English one, and the same placeholders', () => {
    const [en, zh] = LANGS.map((lang) => readCatalogue(lang));
    const keys = keysOf(at(en, 'iot-openapi.vendorCodes'), 'iot-openapi.vendorCodes').concat(keysOf(at(en, 'iot-openapi.codeHints'), 'iot-openapi.codeHints'));
    assert.ok(keys.length >= 30, `${keys.length} explanations`);
    for (const key of keys) {
      assert.equal(typeof at(zh, key), 'string', `${key} in zh-CN`);
      assert.notEqual(at(zh, key), at(en, key), `${key} is translated`);
      assert.match(String(at(zh, key)), /[\u4e00-\u9fff]/, `${key} in zh-CN is Chinese`);
    }
    for (const key of keysOf(en)) {
      const names = (lang: Catalogue) => (String(at(lang, key)).match(/__\w+__/g) ?? []).sort().join(' ');
      assert.equal(names(zh), names(en), `${key}: the same __placeholders__`);
    }
  });

  it('the codes users meet most are explained, per platform', () => {
    const en = readCatalogue('en-US');
    const wanted: Record<string, (string | number)[]> = {
      'quectel-app': [5420, 5146, 5325, 5032, 5106],
      'quectel-saas': [90047, 90048, 91001, 91004, 91005, 91006, 91007, 70017],
      onbright: [401, 413, 414],
      novastar: [15, 11, 18, 912],
    };
    for (const [platform, codes] of Object.entries(wanted)) {
      for (const code of codes) assert.equal(typeof at(en, `iot-openapi.vendorCodes.${platform}.${code}`), 'string', `${platform} ${code}`);
    }
  });

  it('every shared text the nodes look up (status, errors) is in both catalogues', () => {
    const used = new Set<string>();
    for (const file of fs.readdirSync(path.join(ROOT, 'nodes')).filter((f) => f.endsWith('.ts'))) {
      const source = fs.readFileSync(path.join(ROOT, 'nodes', file), 'utf8');
      for (const m of source.matchAll(/\btext\(RED, '([a-zA-Z.]+)'/g)) used.add(m[1]);
      for (const m of source.matchAll(/\bt\('([a-zA-Z.-]+)'/g)) used.add(m[1]);
    }
    assert.ok(used.has('status.failed') && used.has('status.failedHint') && used.has('iot-openapi-account.test.okAs'), [...used].join(', '));
    for (const lang of LANGS) {
      const cat = readCatalogue(lang);
      const missing = [...used].filter((key) => typeof at(cat, /^iot-openapi(-account)?\./.test(key) ? key : `iot-openapi.${key}`) !== 'string');
      assert.deepEqual(missing, [], `${lang}: looked up but missing`);
    }
  });

  it('every text quectel-events looks up in its own catalogue is there in both languages', () => {
    const source = fs.readFileSync(path.join(ROOT, 'nodes', 'quectel-events.ts'), 'utf8');
    const used = [...source.matchAll(/\bownText\('([a-zA-Z.]+)'/g)].map((m) => m[1]);
    assert.ok(used.includes('status.authRefused') && used.includes('status.connected'), used.join(', '));
    for (const lang of LANGS) {
      const cat = JSON.parse(fs.readFileSync(path.join(ROOT, 'locales', lang, 'quectel-events.json'), 'utf8')) as Record<string, unknown>;
      const missing = used.filter((key) => typeof at(cat, `quectel-events.${key}`) !== 'string');
      assert.deepEqual(missing, [], `${lang}: looked up but missing`);
    }
  });
});
