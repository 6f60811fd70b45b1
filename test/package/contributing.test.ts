// docs/CONTRIBUTING.md says what adding a vendor takes: the files that list
// each platform. These checks keep that list true as the code changes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PLATFORMS } from '../../lib/types';

const root = path.resolve(__dirname, '../../..');
const guide = fs.readFileSync(path.join(root, 'docs', 'CONTRIBUTING.md'), 'utf8');
const newVendor = guide.slice(guide.indexOf('## A new vendor'), guide.indexOf('\n## ', guide.indexOf('## A new vendor') + 1));

/** The project's own files, as git knows them. */
const tracked = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);

describe('docs/CONTRIBUTING.md', () => {
  it('"A new vendor" names every file that lists each platform', () => {
    const quoted = (p: string) => new RegExp(`['"]${p}['"]`);
    const listing = tracked.filter((f) => /\.(ts|js|json|html)$/.test(f) && !f.startsWith('examples/') && !f.startsWith('locales/zh-CN/') && f !== 'package-lock.json')
      .filter((f) => PLATFORMS.every((p) => quoted(p).test(fs.readFileSync(path.join(root, f), 'utf8'))))
      .map((f) => f.replace(/^locales\/en-US\//, 'locales/*/'));
    assert.ok(listing.includes('lib/types.ts'), 'the check finds the files');
    assert.deepEqual(listing.filter((f) => !newVendor.includes(`\`${f}\``)), []);
  });

  it('every path it names exists', () => {
    const named = [...guide.matchAll(/`((?:lib|nodes|simulator|scripts|test|editor|help|docs|locales)\/[^`\s]+)`/g)].map((m) => m[1]);
    assert.ok(named.length > 10);
    const missing = named.filter((p) => {
      if (/<[a-z]+>/.test(p)) return false; // a pattern such as lib/platforms/<vendor>.ts
      if (p.includes('*')) return !tracked.some((f) => new RegExp(`^${p.replace(/\./g, '\\.').replace(/\*/g, '[^/]+')}$`).test(f));
      return !fs.existsSync(path.join(root, p));
    });
    assert.deepEqual(missing, []);
  });
});
