import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sinon from 'sinon';
import { accountKeys, sha256 } from '../../lib/account-keys';
import { Clock } from '../../lib/clock';
import { OpenApiError } from '../../lib/errors';
import { FileRefusalStore, LoginGuard, MAX_REFUSALS, type RefusalStore } from '../../lib/lockout';
import { Session, type TokenSet } from '../../lib/session';

const keysOf = (secrets: string[], names: Record<string, string> = { 'credentials.phone': '13800000000' }, baseUrl = 'https://iot-api.example') =>
  accountKeys({ platform: 'quectel-app', baseUrl, names, secrets });

/** A session whose vendor refuses every login (or accepts with `ok`); counts the logins sent. */
function deploy(store: RefusalStore, secrets: string[], ok = false) {
  const sent = { logins: 0 };
  const session = new Session(
    {
      async login(): Promise<TokenSet> {
        sent.logins++;
        if (ok) return { accessToken: 'token', obtainedAt: Date.now(), expiresAt: Date.now() + 3600_000 };
        throw new OpenApiError(5420, 'wrong password', { refusal: true, vendorMessage: 'wrong password' });
      },
      renewAt: (t) => t.expiresAt - 60_000,
    },
    { clock: new Clock(), backoffBaseMs: 0, guard: new LoginGuard(store, keysOf(secrets)) },
  );
  return { session, sent };
}

/** Two messages through a fresh deploy: two token requests. */
async function twoMessages(store: RefusalStore, secrets: string[]): Promise<{ logins: number; errors: OpenApiError[] }> {
  const { session, sent } = deploy(store, secrets);
  const errors: OpenApiError[] = [];
  for (let i = 0; i < 2; i++) await session.token().catch((e: OpenApiError) => errors.push(e));
  session.close();
  return { logins: sent.logins, errors };
}

describe('the refusal count (lock-out cap)', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refusals-'));
    file = path.join(dir, 'iot-openapi-refusals.json');
  });
  afterEach(() => {
    sinon.restore();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a file that cannot be written: 5 redeploys of 2 messages still send at most the cap', async () => {
    const failures: Error[] = [];
    const write = fs.writeFileSync;
    sinon.stub(fs, 'writeFileSync').callsFake((target, ...rest) => {
      if (String(target).startsWith(file)) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      return (write as (...args: unknown[]) => void)(target, ...rest);
    });
    let logins = 0;
    for (let redeploy = 0; redeploy < 5; redeploy++) logins += (await twoMessages(new FileRefusalStore(file, (e) => failures.push(e)), ['wrong'])).logins;
    assert.equal(logins, MAX_REFUSALS);
    assert.ok(failures.length > 0, 'the failed writes are reported');
    assert.ok(!fs.existsSync(file));
  });

  it('a store that cannot be read (a directory in its place) stops logins and says why, sending none', async () => {
    fs.mkdirSync(file);
    const failures: Error[] = [];
    const { logins, errors } = await twoMessages(new FileRefusalStore(file, (e) => failures.push(e)), ['wrong']);
    assert.equal(logins, 0);
    assert.equal(errors.length, 2);
    for (const e of errors) {
      assert.equal(e.code, 'LOGIN_BACKOFF');
      assert.equal(e.reason, 'refusalsUnreadable');
      assert.match(e.message, /cannot be read \(EISDIR\).*Repair or remove the file/);
    }
    assert.equal(failures.length, 1, 'said once in the log, not on every call');
  });

  it('a corrupt file stops logins and is never overwritten; a bad entry keeps the others', async () => {
    fs.writeFileSync(file, '{"version": 2, "accounts": {"x": ');
    const { logins, errors } = await twoMessages(new FileRefusalStore(file), ['wrong']);
    assert.equal(logins, 0);
    assert.match(errors[0].message, /not valid JSON/);
    assert.equal(fs.readFileSync(file, 'utf8'), '{"version": 2, "accounts": {"x": ');

    // Valid JSON with one unreadable entry and another account's count: both survive our refusals.
    const other = { count: 2, stopped: false, code: 5420, message: 'wrong password', at: 1 };
    fs.writeFileSync(file, JSON.stringify({ version: 2, accounts: { 'other.account': other, 'broken.entry': 'garbage' } }));
    const again = await twoMessages(new FileRefusalStore(file), ['wrong']);
    assert.equal(again.logins, 2);
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { accounts: Record<string, unknown> };
    assert.deepEqual(saved.accounts['other.account'], other);
    assert.equal(saved.accounts['broken.entry'], 'garbage');
    assert.equal(Object.keys(saved.accounts).length, 3);
  });

  it('two processes changing one file lose none of each other\'s updates', async () => {
    const lockout = require.resolve('../../lib/lockout');
    const script = `const { FileRefusalStore } = require(${JSON.stringify(lockout)});
const store = new FileRefusalStore(${JSON.stringify(file)}, (e) => { console.error(e.message); process.exitCode = 1; });
for (let i = 0; i < 60; i++) store.update('shared.key', (r) => ({ count: (r ? r.count : 0) + 1, stopped: false, code: 1, message: '', at: Date.now() }));`;
    const run = () => new Promise<void>((resolve, reject) => execFile(process.execPath, ['-e', script], (err, _out, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve())));
    await Promise.all([run(), run()]);
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { accounts: Record<string, { count: number }> };
    assert.equal(saved.accounts['shared.key'].count, 120);
    assert.deepEqual(fs.readdirSync(dir), ['iot-openapi-refusals.json'], 'no lock or temporary file left');
  });

  it('a success clears only its own credentials\' record, never another\'s of the same identity', async () => {
    const store = new FileRefusalStore(file);
    assert.equal((await twoMessages(store, ['wrong'])).logins, 2);
    const good = deploy(store, ['right'], true);
    await good.session.token();
    good.session.close();
    // The wrong password has one attempt left, not three.
    const { logins, errors } = await twoMessages(store, ['wrong']);
    assert.equal(logins, 1);
    assert.equal(errors.at(-1)!.reason, 'loginsStopped');
  });

  it('a record kept by an earlier version (platform, host, user) is taken over', async () => {
    const secrets = ['wrong'];
    const salt = 'abcd';
    const oldKey = sha256('quectel-app\niot-api.example\n+86 13800000000');
    // The file as the earlier version wrote it.
    const legacy = { fingerprint: sha256(`${salt}\n${secrets.join('\n')}`).slice(0, 16), salt, count: 3, stopped: true, code: 5420, message: 'wrong password', at: 1 };
    fs.writeFileSync(file, JSON.stringify({ version: 1, accounts: { [oldKey]: legacy } }));
    const store = new FileRefusalStore(file);
    const guard = new LoginGuard(store, keysOf(secrets), undefined, undefined, { platform: 'quectel-app', host: 'iot-api.example', user: '+86 13800000000', secrets });
    assert.equal(guard.stopped()?.reason, 'loginsStopped');
    assert.equal(store.get(oldKey), undefined);
    assert.deepEqual(Object.keys((JSON.parse(fs.readFileSync(file, 'utf8')) as { accounts: object }).accounts).length, 1);
    // Other credentials of that identity do not take it over.
    const other = new LoginGuard(new FileRefusalStore(path.join(dir, 'other.json')), keysOf(['right']), undefined, undefined, { platform: 'quectel-app', host: 'iot-api.example', user: '+86 13800000000', secrets: ['right'] });
    assert.equal(other.stopped(), undefined);
  });
});

describe('account keys', () => {
  it('differ in scheme, port, path, every identity field and the secret; never contain a secret', () => {
    const base = keysOf(['pw']);
    const others = [
      keysOf(['pw'], undefined, 'http://iot-api.example'),
      keysOf(['pw'], undefined, 'https://iot-api.example:8443'),
      keysOf(['pw'], undefined, 'https://iot-api.example/eu'),
      keysOf(['pw'], { 'credentials.phone': '13800000001' }),
      keysOf(['pw'], { 'credentials.phone': '13800000000', userDomain: 'C.DM.1' }),
      keysOf(['other']),
    ];
    for (const k of others) assert.notEqual(k.session, base.session);
    // The identity (what the vendor locks) leaves the secret out; the fingerprint tells the secrets apart.
    assert.equal(keysOf(['other']).identity, base.identity);
    assert.notEqual(keysOf(['other']).fingerprint, base.fingerprint);
    assert.equal(keysOf(['pw'], undefined, 'HTTPS://IOT-API.example/').session, base.session, 'case and a trailing slash do not matter');
    assert.ok(!JSON.stringify(base).includes('pw'));
    assert.notEqual(base.fingerprint, sha256('pw').slice(0, 32), 'not a plain hash of the secret');
  });

  it('a MAC made with one secret does not verify with another', () => {
    const a = keysOf(['one']);
    const b = keysOf(['two']);
    assert.ok(a.verify('text', a.mac('text')));
    assert.ok(!b.verify('text', a.mac('text')));
    assert.ok(!a.verify('other text', a.mac('text')));
    assert.ok(!a.verify('text', 42));
  });
});
