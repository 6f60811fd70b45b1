// The Flow Library's offline checks, so a release never fails them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { HAND_WRITTEN_TYPES, NODE_SPECS } from '../../nodes/specs';

const root = path.resolve(__dirname, '../../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const semver = require('semver') as { satisfies(v: string, range: string): boolean };

describe('package: Flow Library checks', () => {
  it('has a licence, a repository, a scoped name and the node-red keyword', () => {
    assert.ok(pkg.license);
    assert.ok(fs.existsSync(path.join(root, 'LICENSE')));
    assert.match(pkg.repository?.url ?? '', /^git\+https:\/\//);
    assert.match(pkg.name, /^@[a-z0-9-]+\/[a-z0-9-]+$/);
    assert.ok(pkg.keywords.includes('node-red'));
  });

  it('node-red.version is met by the Node-RED versions it is tested on', () => {
    for (const module of ['node-red', 'node-red-5']) {
      const version = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', module, 'package.json'), 'utf8')).version;
      assert.ok(semver.satisfies(version, pkg['node-red'].version), `${module} ${version}`);
    }
  });

  it('has at most 6 runtime dependencies', () => {
    assert.ok(Object.keys(pkg.dependencies ?? {}).length <= 6);
  });

  const types = Object.keys(pkg['node-red'].nodes);
  it('lists the account, every node of the specs and the events node in node-red.nodes, each built by the build', () => {
    assert.deepEqual(types.sort(), ['iot-openapi-account', ...NODE_SPECS.map((s) => s.type), ...HAND_WRITTEN_TYPES].sort());
    for (const type of types) assert.equal(pkg['node-red'].nodes[type], `dist/nodes/${type}.js`);
  });

  it('every node file exists after the build, with an editor that registers it literally', () => {
    for (const type of types) {
      const js = path.join(root, pkg['node-red'].nodes[type]);
      assert.ok(fs.existsSync(js), js);
      const html = fs.readFileSync(js.replace(/\.js$/, '.html'), 'utf8');
      assert.ok(html.includes(`RED.nodes.registerType('${type}'`) || html.includes(`RED.nodes.registerType("${type}"`), `${type}.html registers ${type}`);
      for (const lang of ['en-US', 'zh-CN']) {
        assert.ok(fs.existsSync(path.join(path.dirname(js), 'locales', lang, `${type}.json`)), `${lang}/${type}.json`);
        assert.ok(fs.existsSync(path.join(path.dirname(js), 'locales', lang, `${type}.html`)), `${lang}/${type}.html`);
      }
    }
  });

  it('every non-config node appears in an example flow', () => {
    const used = new Set<string>();
    for (const file of fs.readdirSync(path.join(root, 'examples'))) {
      for (const node of JSON.parse(fs.readFileSync(path.join(root, 'examples', file), 'utf8'))) used.add(node.type);
    }
    const missing = types.filter((t) => t !== 'iot-openapi-account' && !used.has(t));
    assert.deepEqual(missing, []);
  });

  it('ships dist, examples, README and LICENSE', () => {
    for (const entry of ['dist', 'examples', 'README.md', 'LICENSE']) assert.ok(pkg.files.includes(entry), entry);
  });
});
