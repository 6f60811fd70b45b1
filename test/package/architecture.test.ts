// The layout's rules, checked on the sources: no module of the library or the
// simulator imports itself through others, and vendor rules stay in the
// platforms' adapters.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PLATFORMS } from '../../lib/types';

const root = path.resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) return sources(full);
    return d.name.endsWith('.ts') ? [full] : [];
  });
}

/** Each file's imports within `dir` (type-only imports too: they tie the files together as much). */
function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(dir)) {
    const text = fs.readFileSync(file, 'utf8');
    const deps: string[] = [];
    for (const m of text.matchAll(/(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/g)) {
      const target = path.resolve(path.dirname(file), m[1]);
      const found = [`${target}.ts`, path.join(target, 'index.ts')].find((f) => fs.existsSync(f));
      if (found && found.startsWith(dir)) deps.push(found);
    }
    graph.set(file, deps);
  }
  return graph;
}

/** Every circle of imports, as the files around it. */
function circles(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const dep of graph.get(file) ?? []) {
      if (state.get(dep) === 'open') found.push([...stack.slice(stack.indexOf(dep)), dep].map((f) => path.relative(root, f)).join(' → '));
      else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

describe('the layout', () => {
  for (const dir of ['lib', 'simulator', 'nodes']) {
    it(`no import circle in ${dir}/`, () => {
      const graph = importGraph(path.join(root, dir));
      assert.ok(graph.size > 3, 'the sources are found');
      assert.deepEqual(circles(graph), []);
    });
  }

  it('the circle check finds a circle', () => {
    const a = path.join(root, 'a.ts');
    const b = path.join(root, 'b.ts');
    assert.deepEqual(circles(new Map([[a, [b]], [b, [a]]])), ['a.ts → b.ts → a.ts']);
  });

  it('nothing in lib/ outside lib/platforms/ compares a platform by name', () => {
    const names = PLATFORMS.map((p) => p.replace('-', '\\-')).join('|');
    const comparison = new RegExp(`(?:[!=]==?\\s*'(?:${names})'|'(?:${names})'\\s*[!=]==?|case\\s+'(?:${names})')`);
    const offending: string[] = [];
    for (const file of sources(path.join(root, 'lib'))) {
      if (file.includes(`${path.sep}platforms${path.sep}`)) continue;
      fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        if (comparison.test(line)) offending.push(`${path.relative(root, file)}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(offending, []);
  });

  it('the vendors\' hosts are named only in lib/platforms/', () => {
    const hosts = /quectelcn\.com|acceleronix\.io|on-bright\.com/;
    const offending = ['lib', 'nodes', 'editor', 'simulator', 'scripts']
      .flatMap((dir) => sources(path.join(root, dir)).concat(dir === 'editor' ? [path.join(root, 'editor', 'iot-openapi-editor.js')] : []))
      .filter((file) => !file.includes(`lib${path.sep}platforms${path.sep}`) && hosts.test(fs.readFileSync(file, 'utf8')));
    assert.deepEqual(offending.map((f) => path.relative(root, f)), []);
  });
});
