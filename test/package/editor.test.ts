// The editor is made from the catalogue at build time: these checks read what
// the build wrote (each node's form rows and the editor's data), and the help
// pages written by hand, against the catalogue and the node specs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { getOperation } from '../../lib/operations';
import vm from 'node:vm';
import { checkPacing } from '../../lib/pacing';
import { ACCOUNT_SETTINGS, STORE_CREDENTIAL_FIELDS, accountSetting, checkAccountSetting, settingApplies } from '../../lib/accounts';
import type { OpenApiError } from '../../lib/errors';
import { CREDENTIAL_FIELDS, PLATFORMS, type Platform } from '../../lib/types';
import { migrateSettings, migrationsOf, settingsVersion } from '../../nodes/migrations';
import { editorData } from '../../nodes/editor-data';
import { settingName } from '../../nodes/settings';
import { NODE_SPECS } from '../../nodes/specs';

const root = path.resolve(__dirname, '../../..');
const built = (file: string) => fs.readFileSync(path.join(root, 'dist', 'nodes', file), 'utf8');

/** Every parameter of a node, with the operations and platforms it applies to, from the catalogue. */
function catalogueParams(spec: (typeof NODE_SPECS)[number]) {
  const out = new Map<string, { operations: Set<string>; platforms: Set<string>; required: boolean }>();
  for (const [operation, byPlatform] of Object.entries(spec.operations)) {
    for (const [platform, id] of Object.entries(byPlatform)) {
      for (const p of getOperation(id)!.params) {
        const entry = out.get(p.name) ?? { operations: new Set(), platforms: new Set(), required: false };
        entry.operations.add(operation);
        entry.platforms.add(platform);
        entry.required ||= p.required === true;
        out.set(p.name, entry);
      }
    }
  }
  return out;
}

describe('editor made from the catalogue', () => {
  for (const spec of NODE_SPECS) {
    it(`${spec.type}: one form row per parameter, shown where the catalogue says it applies`, () => {
      const html = built(`${spec.type}.html`);
      assert.ok(html.includes(`RED.nodes.registerType('${spec.type}'`), 'registers its type literally');
      const rows = [...html.matchAll(/data-param="([^"]+)" data-operations="([^"]*)" data-platforms="([^"]*)"/g)]
        .map((m) => ({ prop: m[1], operations: m[2].split(' ').sort(), platforms: m[3].split(' ').sort() }));
      const params = catalogueParams(spec);
      assert.deepEqual(rows.map((r) => r.prop).sort(), [...params.keys()].map(settingName).sort());
      for (const [name, where] of params) {
        const row = rows.find((r) => r.prop === settingName(name))!;
        assert.deepEqual(row.operations, [...where.operations].sort(), `${name}: operations`);
        assert.deepEqual(row.platforms, [...where.platforms].sort(), `${name}: platforms`);
      }
    });
  }

  it('the editor script holds the data the build made from the catalogue', () => {
    const script = fs.readFileSync(path.join(root, 'resources', 'iot-openapi-editor.js'), 'utf8');
    const data = JSON.parse(/window\.iotOpenApiEditorData = (.*);\n/.exec(script)![1]) as unknown;
    assert.deepEqual(data, JSON.parse(JSON.stringify(editorData())));
  });

  /** The editor's shared script as the build wrote it, run with just enough of the editor around it: texts are their keys. */
  function editorScript(): { E: Record<string, (...args: unknown[]) => unknown>; window: Record<string, unknown> } {
    const window: Record<string, unknown> = {};
    const noForm = () => ({ length: 0 });
    vm.runInNewContext(fs.readFileSync(path.join(root, 'resources', 'iot-openapi-editor.js'), 'utf8'), { window, RED: { _: (key: string) => key.split(':').pop()!.replace(/^iot-openapi(-account)?\./, '') }, $: noForm });
    return { E: window.iotOpenApiEditor as Record<string, (...args: unknown[]) => unknown>, window };
  }

  it('the account dialog is made from lib/accounts.ts: its platform list, a row per setting, and the credentials', () => {
    const html = built('iot-openapi-account.html');
    assert.deepEqual([...html.matchAll(/<option value="([^"]+)" data-i18n="iot-openapi\.platform\./g)].map((m) => m[1]), [...PLATFORMS]);
    for (const setting of ACCOUNT_SETTINGS) assert.ok(html.includes(`id="node-config-input-${setting.name}"`), setting.name);
    for (const name of [...PLATFORMS.flatMap((p) => Object.keys(CREDENTIAL_FIELDS[p])), ...Object.keys(STORE_CREDENTIAL_FIELDS)]) assert.ok(html.includes(`id="node-config-input-${name}"`), name);
    assert.ok(!/defaults: \{/.test(html), 'no settings written by hand');
  });

  it('the account dialog checks each setting as the runtime does: the same numbers and patterns, and the reasons it gives', () => {
    const { E } = editorScript();
    type Validator = { validate?: (this: Record<string, unknown>, v: unknown, opt: unknown) => true | string };
    const defaults = E.accountDefaults() as Record<string, Validator & { value: unknown }>;
    const check = (name: string, v: unknown, node: Record<string, unknown> = { platform: 'quectel-app', tokenStore: 'redis' }) => defaults[name].validate!.call(node, v, {});
    const runtime = (name: string, v: unknown, settings: Record<string, unknown> = { platform: 'quectel-app', tokenStore: 'redis' }) => {
      try {
        checkAccountSetting(name, v, settingApplies(accountSetting(name), settings.platform as Platform, settings));
        return true;
      } catch (err) {
        return (err as OpenApiError).reason;
      }
    };
    const cases: [string, unknown[], unknown[], string][] = [
      ['rateLimit', ['', '0', 0, '0.00028', String(1 / 3600), '10', '10000'], ['0.0000001', '0.0002', '10001', '-1', 'abc'], 'editor.badRateLimit'],
      ['timeout', ['', '100', '10000', 600_000], ['99', '600001', '700000', '1.5', 'abc'], 'editor.badTimeout'],
      ['rateQueue', ['', '0', '100', '100000'], ['100001', '-1', 'x'], 'editor.badRateQueue'],
      ['internationalCode', ['', '86', '1', '1234'], ['+86', '12345', '8 6', 'abc'], 'editor.badCountry'],
      ['baseUrl', ['', 'https://iot-api.quectelcn.com', 'http://127.0.0.1:8000/open/api'], ['ftp://host', 'iot-api.quectelcn.com', 'http://host?x=1'], 'editor.badUrl'],
      ['redisUrl', ['redis://127.0.0.1:6379', 'rediss://cache.example.com:6380/2'], ['http://127.0.0.1', 'redis:// x'], 'editor.badRedisUrl'],
    ];
    for (const [name, good, bad, reason] of cases) {
      for (const v of good) {
        assert.equal(check(name, v), true, `${name} ${String(v)} in the dialog`);
        assert.equal(runtime(name, v), true, `${name} ${String(v)} at runtime`);
      }
      for (const v of bad) {
        assert.equal(check(name, v), reason, `${name} ${String(v)} in the dialog`);
        assert.notEqual(runtime(name, v), true, `${name} ${String(v)} at runtime`);
      }
    }
    for (const v of ['redis://:pw@127.0.0.1:6379', 'redis://user:pw@127.0.0.1:6379']) {
      assert.equal(check('redisUrl', v), 'editor.redisLoginInUrl', v);
      assert.equal(runtime('redisUrl', v), 'loginInUrl', v);
    }
    // Where a setting does not apply, neither checks it: a Redis URL with a local store, a country code on NovaStar.
    assert.equal(check('redisUrl', 'nonsense', { platform: 'onbright', tokenStore: 'local' }), true);
    assert.equal(check('internationalCode', '+86', { platform: 'novastar' }), true);
    assert.equal(runtime('internationalCode', '+86', { platform: 'novastar' }), true);
    // An empty Redis URL with a Redis store, and a NovaStar account without its processor's URL.
    assert.equal(check('redisUrl', ''), 'editor.badRedisUrl');
    assert.equal(check('baseUrl', '', { platform: 'novastar' }), 'editor.baseUrlRequired');
    assert.equal((editorData().account as { minRate: number }).minRate, checkPacing(1 / 3600, undefined).rate);
    for (const setting of ACCOUNT_SETTINGS) assert.deepEqual(defaults[setting.name].value, setting.default, `${setting.name}: its default`);
  });

  it('the editor migrates settings with the runtime\'s own function and table, and writes no rename of its own', () => {
    const { E, window } = editorScript();
    assert.equal(String(window.iotOpenApiMigrateSettings), migrateSettings.toString());
    assert.deepEqual(editorData().migrations['quectel-events'], [...migrationsOf('quectel-events')]);
    const node: Record<string, unknown> = { id: 'n', type: 'quectel-events', queue: 'q' };
    E.migrate('quectel-events', node);
    assert.deepEqual(node, { id: 'n', type: 'quectel-events', queue: 'q', settingsVersion: settingsVersion('quectel-events') });
    const source = fs.readFileSync(path.join(root, 'editor', 'iot-openapi-editor.js'), 'utf8');
    assert.match(source, /window\.iotOpenApiMigrateSettings\(DATA\.migrations\[type\]/);
    assert.ok(!/renames|oldName|newName/.test(source), 'no migration loop of its own');
    for (const file of ['nodes/action-node.ts', 'nodes/iot-openapi-account.ts', 'nodes/quectel-events.ts']) {
      const text = fs.readFileSync(path.join(root, file), 'utf8');
      assert.match(text, /migrateSettings\(migrationsOf\([^)]*\), saved\)/, `${file} uses nodes/migrations.ts`);
    }
  });

  for (const lang of ['en-US', 'zh-CN']) {
    it(`${lang} help: the sections the pages share (help/${lang}.html) are put in at build, each page in full`, () => {
      for (const type of ['iot-openapi-account', ...NODE_SPECS.map((s) => s.type), 'quectel-events']) {
        const source = fs.readFileSync(path.join(root, 'locales', lang, `${type}.html`), 'utf8');
        const page = built(`locales/${lang}/${type}.html`);
        assert.ok(!page.includes('iot-openapi:help'), `${type}: no section left out`);
        assert.equal(page.split('\n').length >= source.split('\n').length, true, type);
        assert.match(page, /<script type="text\/html" data-help-name="[\w-]+">[\s\S]*<\/script>\s*$/, `${type}: one whole help page`);
      }
    });

    it(`${lang} help: every parameter a node takes is described, optional exactly where the catalogue says`, () => {
      for (const spec of NODE_SPECS) {
        const help = fs.readFileSync(path.join(root, 'locales', lang, `${spec.type}.html`), 'utf8');
        const described = new Map<string, boolean>();
        // A term may name several parameters ("payload.a, payload.b"); a parameter may be described per platform.
        for (const dt of help.matchAll(/<dt( class="optional")?>(.*?)<\/dt>/g)) {
          for (const m of dt[2].matchAll(/payload\.([A-Za-z]+)/g)) described.set(m[1], described.get(m[1]) === false ? false : dt[1] !== undefined);
        }
        for (const [name, where] of catalogueParams(spec)) {
          assert.ok(described.has(name), `${spec.type}: payload.${name} is described`);
          if (!where.required) assert.equal(described.get(name), true, `${spec.type}: payload.${name} is marked optional`);
        }
        for (const name of described.keys()) assert.ok(catalogueParams(spec).has(name), `${spec.type}: payload.${name} is a parameter of the node`);
      }
    });
  }
});
