// The editor is made from the catalogue at build time: these checks read what
// the build wrote (each node's form rows and the editor's data), and the help
// pages written by hand, against the catalogue and the node specs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { getOperation } from '../../lib/operations';
import { checkPacing } from '../../lib/pacing';
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

  it("the account dialog checks the rate limit as the runtime does: empty or 0, else one call an hour up to 10,000 a second", () => {
    const html = built('iot-openapi-account.html');
    const source = /rateLimit: \{\s*value: '',\s*validate: (function \(v, opt\) \{[\s\S]*?\n {16}\})/.exec(html)?.[1];
    assert.ok(source, 'the validator is found');
    const E = { data: JSON.parse(JSON.stringify(editorData())) as unknown };
    const own = (key: string) => key;
    const validate = new Function('E', 'own', `return ${source};`)(E, own) as (v: unknown) => true | string;
    for (const v of ['', '0', 0, '0.00028', String(1 / 3600), '10', '10000']) assert.equal(validate(v), true, String(v));
    for (const v of ['0.0000001', '0.0002', '10001', '-1', 'abc']) assert.equal(validate(v), 'editor.badRateLimit', v);
    assert.equal((E.data as { account: { minRate: number } }).account.minRate, checkPacing(1 / 3600, undefined).rate);
  });

  for (const lang of ['en-US', 'zh-CN']) {
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
