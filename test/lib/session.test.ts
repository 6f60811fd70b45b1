import assert from 'node:assert/strict';
import sinon from 'sinon';
import { accountKeys } from '../../lib/account-keys';
import { Clock } from '../../lib/clock';
import { OpenApiError } from '../../lib/errors';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileRefusalStore, LoginGuard, MAX_REFUSALS, MemoryRefusalStore, type RefusalStore } from '../../lib/lockout';
import { quectelStopSignal } from '../../lib/platforms/quectel';
import { Session, type Authenticator, type TokenSet } from '../../lib/session';

/** An authenticator that counts its logins and refreshes; tokens live `lifetimeMs`. */
function counting(lifetimeMs: number, fail: false | OpenApiError = false) {
  const counts = { login: 0, refresh: 0 };
  let serial = 0;
  const issue = (): TokenSet => ({ accessToken: `token-${++serial}`, obtainedAt: Date.now(), expiresAt: Date.now() + lifetimeMs, refreshToken: `refresh-${serial}`, refreshExpiresAt: Date.now() + 10 * lifetimeMs });
  const auth: Authenticator = {
    async login() {
      counts.login++;
      if (fail) throw fail;
      return issue();
    },
    async refresh() {
      counts.refresh++;
      return issue();
    },
    renewAt: (t) => t.expiresAt - 5 * 60_000,
  };
  return { auth, counts };
}

describe('session (fake timers)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
  });
  afterEach(() => clock.restore());

  it('renews ahead of expiry without a call waiting, and calls keep a valid token', async () => {
    const { auth, counts } = counting(2 * 3600_000);
    const session = new Session(auth, { clock: new Clock() });
    const first = await session.token();
    assert.equal(counts.login, 1);
    await clock.tickAsync(2 * 3600_000 - 5 * 60_000 - 1000);
    assert.equal(counts.refresh, 0, 'not yet');
    await clock.tickAsync(2000);
    assert.equal(counts.refresh, 1, 'renewed five minutes before expiry');
    const second = await session.token();
    assert.notEqual(second.accessToken, first.accessToken);
    assert.ok(second.expiresAt > Date.now() + 3600_000);
    assert.equal(counts.login, 1, 'a refresh, not a new login');
    // A day later the session has kept renewing in the background.
    await clock.tickAsync(24 * 3600_000);
    assert.ok(counts.refresh >= 12);
    assert.ok((await session.token()).expiresAt > Date.now());
    assert.equal(counts.login, 1);
    session.close();
  });

  it('shares one login between many waiting calls', async () => {
    const { auth, counts } = counting(3600_000);
    const session = new Session(auth, { clock: new Clock() });
    const tokens = await Promise.all(Array.from({ length: 50 }, () => session.token()));
    assert.equal(counts.login, 1);
    assert.equal(new Set(tokens.map((t) => t.accessToken)).size, 1);
    session.close();
  });

  it('backs off after failed logins: 1 s, doubling, at most 5 minutes', async () => {
    const { auth, counts } = counting(3600_000, new OpenApiError('ECONNREFUSED', 'connection failed (ECONNREFUSED)'));
    const session = new Session(auth, { clock: new Clock() });
    const codes: unknown[] = [];
    // A message every 100 ms for 10 minutes, while the vendor cannot be reached.
    for (let i = 0; i < 6000; i++) {
      await session.token().catch((e: OpenApiError) => codes.push(e.code));
      await clock.tickAsync(100);
    }
    assert.equal(codes.length, 6000, 'every call got its error');
    // Windows of 1, 2, 4, … 256 s then 300 s: 1+2+4+…+256 = 511 s, then one more by 600 s.
    assert.ok(counts.login <= 11, `logins: ${counts.login}`);
    assert.ok(counts.login >= 9, `logins: ${counts.login}`);
    assert.equal(codes.filter((c) => c === 'ECONNREFUSED').length, counts.login, 'the real failure for each attempt');
    assert.ok(codes.every((c) => c === 'ECONNREFUSED' || c === 'LOGIN_BACKOFF'));
    session.close();
  });

  /** The keys of one Quectel App identity with these secrets. */
  const keysOf = (secrets: string[]) => accountKeys({ platform: 'quectel-app', baseUrl: 'https://iot-api.example', names: { 'credentials.phone': '13800000000' }, secrets });
  const refusal = (code: string | number, text = 'wrong password') => new OpenApiError(code, text, { refusal: true, vendorMessage: text });
  /** Tries to log in every second for ten minutes; returns the errors. */
  async function hammer(session: Session, times = 600): Promise<OpenApiError[]> {
    const errors: OpenApiError[] = [];
    for (let i = 0; i < times; i++) {
      await session.token().catch((e: OpenApiError) => errors.push(e));
      await clock.tickAsync(1000);
    }
    return errors;
  }
  function guarded(store: RefusalStore, fail: OpenApiError, secrets = ['wrong']) {
    const { auth, counts } = counting(3600_000, fail);
    auth.stopSignal = quectelStopSignal;
    const session = new Session(auth, { clock: new Clock(), guard: new LoginGuard(store, keysOf(secrets)) });
    return { session, counts };
  }

  it(`stops after ${MAX_REFUSALS} logins the vendor refused, so the vendor never locks the account`, async () => {
    const { session, counts } = guarded(new MemoryRefusalStore(), refusal(5420));
    const errors = await hammer(session);
    assert.equal(counts.login, MAX_REFUSALS);
    assert.equal(errors.length, 600);
    assert.equal(errors.at(-1)!.code, 'LOGIN_BACKOFF');
    assert.match(errors.at(-1)!.message, /5420.*Correct the credentials/);
    session.close();
  });

  it('counts a refusal whose code arrives as a string', async () => {
    const { session, counts } = guarded(new MemoryRefusalStore(), refusal('90048'));
    await hammer(session);
    assert.equal(counts.login, MAX_REFUSALS);
    session.close();
  });

  it('stops at once on the vendor\'s "attempts left" (5146) and "blocked" (5325) codes', async () => {
    for (const code of [5146, '5325']) {
      const { session, counts } = guarded(new MemoryRefusalStore(), refusal(code, 'you have 2 attempts before your account is locked'));
      const errors = await hammer(session, 60);
      assert.equal(counts.login, 1, String(code));
      assert.match(errors.at(-1)!.message, /warned before locking/);
      session.close();
    }
  });

  it('a 5325 block lifts by itself after 24 hours', async () => {
    const { session, counts } = guarded(new MemoryRefusalStore(), refusal(5325, 'blocked for 24 hours'));
    await hammer(session, 5);
    assert.equal(counts.login, 1);
    await clock.tickAsync(24 * 3600_000);
    await hammer(session, 1);
    assert.equal(counts.login, 2);
    session.close();
  });

  it('keeps the count across sessions of the same account (a redeploy) and resumes when the credentials change', async () => {
    const store = new MemoryRefusalStore();
    let total = 0;
    for (let deploy = 0; deploy < 4; deploy++) {
      const { session, counts } = guarded(store, refusal(5420));
      await hammer(session, 20);
      total += counts.login;
      session.close();
    }
    assert.equal(total, MAX_REFUSALS, 'four deploys with the same wrong password');
    const { session, counts } = guarded(store, refusal(5420), ['another password']);
    await hammer(session, 20);
    assert.equal(counts.login, MAX_REFUSALS, 'new credentials get their own attempts');
    session.close();
  });

  it('keeps the count in a file across a restart, without a credential or user name in it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refusals-'));
    const file = path.join(dir, 'refusals.json');
    let total = 0;
    for (let restart = 0; restart < 3; restart++) {
      const { session, counts } = guarded(new FileRefusalStore(file), refusal(5420), ['s3cret-password']);
      await hammer(session, 20);
      total += counts.login;
      session.close();
    }
    assert.equal(total, MAX_REFUSALS);
    const saved = fs.readFileSync(file, 'utf8');
    assert.doesNotMatch(saved, /s3cret|13800000000|iot-api/);
    assert.equal((fs.statSync(file).mode & 0o777).toString(8), '600');
    fs.rmSync(dir, { recursive: true });
  });

  it('a refusal of a skewed clock, or a transport failure, does not count', async () => {
    const store = new MemoryRefusalStore();
    const skewed = refusal(5420);
    skewed.clockSkew = true;
    for (const fail of [skewed, new OpenApiError('ECONNREFUSED', 'connection refused')]) {
      const { session, counts } = guarded(store, fail);
      await hammer(session, 600);
      assert.ok(counts.login > MAX_REFUSALS, `${fail.code}: backs off but keeps trying`);
      session.close();
    }
  });

  it('a successful login starts the count again', async () => {
    const store = new MemoryRefusalStore();
    const bad = guarded(store, refusal(5420));
    await hammer(bad.session, 3);
    bad.session.close();
    assert.equal(bad.counts.login, 2);
    const { auth } = counting(3600_000);
    const good = new Session(auth, { clock: new Clock(), guard: new LoginGuard(store, keysOf(['wrong'])) });
    await good.token();
    good.close();
    const again = guarded(store, refusal(5420));
    await hammer(again.session, 60);
    assert.equal(again.counts.login, MAX_REFUSALS);
    again.session.close();
  });

  it('a dropped token is replaced by exactly one new login', async () => {
    const { auth, counts } = counting(3600_000);
    const session = new Session(auth, { clock: new Clock() });
    const old = await session.token();
    session.invalidate(old);
    session.invalidate(old);
    const fresh = await Promise.all([session.token(), session.token(), session.token()]);
    assert.equal(counts.login, 2);
    assert.equal(new Set(fresh.map((t) => t.accessToken)).size, 1);
    session.close();
  });

  it('close stops the renewal timer', async () => {
    const { auth, counts } = counting(3600_000);
    const session = new Session(auth, { clock: new Clock() });
    await session.token();
    session.close();
    await clock.tickAsync(10 * 3600_000);
    assert.equal(counts.refresh + counts.login, 1);
    await assert.rejects(session.token(), { code: 'ECANCELED' });
  });
});
