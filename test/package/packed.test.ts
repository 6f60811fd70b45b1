// What the published package really holds: the project is packed from a clean
// copy, so npm's own pack scripts must build it; the tarball's file list is
// checked, then the tarball is installed into a fresh Node-RED user directory
// and loaded by a real Node-RED.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/start';
import { NODE_SPECS } from '../../nodes/specs';
import { cleanCopy, ROOT } from '../support/clean-copy';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const nodes: Record<string, string> = pkg['node-red'].nodes;
const simulatorBin: string | undefined = pkg.bin?.['iot-openapi-simulator'];

// `err` is a message, or an Error that JSON leaves with only its code.
interface NodeSet { id: string; module: string; types: string[]; enabled: boolean; err?: string | { code?: string } }

/** Starts `command`, collecting its output; resolves with the child once `ready(output)` holds. */
async function started(command: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }, ready: (output: string) => Promise<boolean> | boolean): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(command, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk));
  child.on('error', (err) => (output += `\n${err.message}`));
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${path.basename(command)} exited (${child.exitCode ?? child.signalCode}):\n${output}`);
    if (await ready(output)) return { child, output: () => output };
    await new Promise((r) => setTimeout(r, 250));
  }
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('package: the packed tarball', function () {
  this.timeout(300_000);
  let copy: string;
  let work: string;
  let files: string[];
  let tarball: string;
  const children: ChildProcess[] = [];

  before(() => {
    copy = cleanCopy('iot-openapi-pack-');
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'iot-openapi-packed-'));
    // The build scripts need the dev tools (TypeScript); they are not part of what ships.
    fs.symlinkSync(fs.realpathSync(path.join(ROOT, 'node_modules')), path.join(copy, 'node_modules'), 'dir');
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: copy, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const [result] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
    files = result.files.map((f) => f.path);
    tarball = path.join(work, result.filename);
  });

  after(async () => {
    await Promise.all(children.map(stop));
    for (const dir of [copy, work]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('holds every node with its editor, help in both languages and icons, and the editor\'s shared script', () => {
    assert.ok(files.includes('resources/iot-openapi-editor.js'), 'the editor script Node-RED serves from resources/');
    for (const spec of NODE_SPECS) assert.ok(files.includes(`dist/nodes/icons/${spec.icon}`), `${spec.type}: icons/${spec.icon} is packed`);
    for (const [type, js] of Object.entries(nodes)) {
      const html = js.replace(/\.js$/, '.html');
      const dir = path.posix.dirname(js);
      const wanted = [js, html];
      for (const lang of ['en-US', 'zh-CN']) wanted.push(`${dir}/locales/${lang}/${type}.json`, `${dir}/locales/${lang}/${type}.html`);
      for (const file of wanted) assert.ok(files.includes(file), `${file} is packed`);
    }
  });

  it('holds the library and the simulator command, starting with a #! line', () => {
    assert.equal(simulatorBin, 'dist/simulator/cli.js');
    for (const file of [pkg.main, pkg.types, simulatorBin]) assert.ok(files.includes(file), `${file} is packed`);
    assert.match(fs.readFileSync(path.join(copy, simulatorBin), 'utf8'), /^#!\/usr\/bin\/env node\n/);
  });

  it('holds no tests, no scripts, no source maps and no TypeScript sources', () => {
    const unwanted = files.filter((f) => f.startsWith('dist/test/') || f.startsWith('dist/scripts/') || f.endsWith('.map') || (f.endsWith('.ts') && !f.endsWith('.d.ts')));
    assert.deepEqual(unwanted, []);
  });

  it('installs into a fresh user directory, where Node-RED registers every node and the simulator command runs', async () => {
    const userDir = path.join(work, 'user');
    fs.mkdirSync(userDir);
    fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: userDir, stdio: 'pipe' });

    const port = await freePort();
    const settings = path.join(userDir, 'settings.js');
    fs.writeFileSync(settings, `module.exports = ${JSON.stringify({
      uiHost: '127.0.0.1',
      uiPort: port,
      credentialSecret: false,
      telemetry: { enabled: false, updateNotification: false },
      diagnostics: { enabled: false, ui: false },
      editorTheme: { tours: false, projects: { enabled: false } },
    })};\n`);
    const url = `http://127.0.0.1:${port}/nodes`;
    let sets: NodeSet[] = [];
    const red = await started(process.execPath, [path.join(ROOT, 'node_modules', 'node-red', 'red.js'), '--userDir', userDir, '--settings', settings], { cwd: userDir }, async () => {
      const res = await fetch(url, { headers: { Accept: 'application/json' } }).catch(() => undefined);
      if (res?.status !== 200) return false;
      sets = (await res.json()) as NodeSet[];
      return true;
    });
    children.push(red.child);

    const ours = sets.filter((s) => s.module === pkg.name);
    const errors = ours.filter((s) => s.err).map((s) => `${s.id}: ${typeof s.err === 'string' ? s.err : s.err?.code}`);
    assert.deepEqual(errors, [], 'Node-RED reports errors for the package');
    for (const type of Object.keys(nodes)) {
      const set = ours.find((s) => s.types.includes(type));
      assert.ok(set, `${type} is registered\n${red.output()}`);
      assert.equal(set.enabled, true, `${type} is enabled`);
    }

    const sim = await started(path.join(userDir, 'node_modules', '.bin', 'iot-openapi-simulator'), [], { cwd: userDir, env: { ...process.env, PORT: '0' } }, (out) => out.includes('listening on'));
    children.push(sim.child);
  });
});
