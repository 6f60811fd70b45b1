// `npm start` and `npm test` as the first command on a fresh clone: their
// first step (scripts/ensure-deps.js) installs from the lockfile when
// node_modules is missing or differs from it, and otherwise does nothing.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cleanCopy, ROOT } from '../support/clean-copy';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { staleReason } = require(path.join(ROOT, 'scripts', 'ensure-deps.js')) as { staleReason(dir: string): string };

describe('package: a fresh clone installs its own dependencies', function () {
  this.timeout(600_000);
  let clone: string;

  before(() => {
    clone = cleanCopy('iot-openapi-clone-');
  });

  after(() => {
    if (clone) fs.rmSync(clone, { recursive: true, force: true });
  });

  it('the first run installs from the lockfile, saying so in one line, and builds', () => {
    assert.ok(!fs.existsSync(path.join(clone, 'node_modules')));
    const out = execFileSync(process.execPath, ['scripts/ensure-deps.js'], { cwd: clone, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(out.split('\n').filter((line) => line.startsWith('Installing dependencies from package-lock.json')).length, 1, out);
    for (const module of ['typescript', 'node-red', 'mocha', 'axios']) {
      assert.ok(fs.existsSync(path.join(clone, 'node_modules', module, 'package.json')), `${module} is installed`);
    }
    // npm ci ran the package's prepare script.
    assert.ok(fs.existsSync(path.join(clone, 'dist', 'nodes', 'iot-openapi-account.js')));
    assert.equal(staleReason(clone), '');
  });

  it('a second run is silent and quick', () => {
    const start = Date.now();
    const run = spawnSync(process.execPath, ['scripts/ensure-deps.js'], { cwd: clone, encoding: 'utf8' });
    const ms = Date.now() - start;
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout + run.stderr, '');
    assert.ok(ms < 2000, `${ms} ms`);
  });

  it('a changed lockfile or a removed package means installing again', () => {
    const lockfile = path.join(clone, 'package-lock.json');
    const original = fs.readFileSync(lockfile, 'utf8');
    const lock = JSON.parse(original);
    lock.packages['node_modules/typescript'].version = '0.0.1';
    fs.writeFileSync(lockfile, JSON.stringify(lock));
    try {
      assert.match(staleReason(clone), /^node_modules\/typescript is /);
    } finally {
      fs.writeFileSync(lockfile, original);
    }
    assert.equal(staleReason(clone), '');

    fs.rmSync(path.join(clone, 'node_modules', 'crypto-js'), { recursive: true });
    assert.equal(staleReason(clone), 'node_modules/crypto-js is missing');
  });
});
