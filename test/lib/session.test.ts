import assert from 'node:assert/strict';
import sinon from 'sinon';
import { Clock } from '../../lib/clock';
import { OpenApiError } from '../../lib/errors';
import { MAX_REFUSALS, Session, type Authenticator, type TokenSet } from '../../lib/session';

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

  it(`stops after ${MAX_REFUSALS} logins the vendor refused, so the vendor never locks the account`, async () => {
    const { auth, counts } = counting(3600_000, new OpenApiError(5146, 'wrong password, 4 attempts left'));
    const session = new Session(auth, { clock: new Clock() });
    const errors: OpenApiError[] = [];
    for (let i = 0; i < 600; i++) {
      await session.token().catch((e: OpenApiError) => errors.push(e));
      await clock.tickAsync(1000);
    }
    assert.equal(counts.login, MAX_REFUSALS);
    assert.equal(errors.length, 600);
    assert.match(errors.at(-1)!.message, /5146.*no more attempts/);
    session.close();
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
