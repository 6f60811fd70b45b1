import assert from 'node:assert/strict';
import { OpenApiClient, type ClientOptions } from '../../lib/client';
import { ErrorCodes, type OpenApiError } from '../../lib/errors';
import { MemoryRefusalStore } from '../../lib/lockout';
import type { SessionEvent } from '../../lib/session';
import { DEMO, startSimulator, type Simulator } from '../../simulator';
import { assertFreeOf, demoAccount } from '../support/accounts';
import { startRedis, type TestRedis } from '../support/redis-server';

const LIST: [string, object] = ['quectel-saas.listProducts', { pageNum: 1, pageSize: 1 }];

describe('token store in Redis (a real redis-server)', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let redis: TestRedis;
  const clients: OpenApiClient[] = [];

  /** A client on the demo SaaS account sharing through the test's Redis; its own refusal count, so only Redis shares it. */
  function client(options: ClientOptions = {}, events: SessionEvent[] = [], overrides: Record<string, string> = {}): OpenApiClient {
    const account = demoAccount(sim, 'quectel-saas');
    const c = new OpenApiClient({ ...account, credentials: { ...account.credentials, ...overrides } }, {
      store: { kind: 'redis', url: redis.url },
      refusals: new MemoryRefusalStore(),
      backoffBaseMs: 0,
      onEvent: (e) => events.push(e),
      ...options,
    });
    clients.push(c);
    return c;
  }

  before(async () => {
    [sim, redis] = await Promise.all([startSimulator({ quiet: true }), startRedis()]);
  });
  after(async () => {
    await Promise.all([sim.close(), redis.stop()]);
  });
  beforeEach(async () => {
    sim.reset();
    await redis.command(['FLUSHALL']);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  it('two instances, 100 calls at once: one login', async () => {
    const a = client();
    const b = client();
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).call(...LIST)));
    assert.equal(results.length, 100);
    assert.equal(sim.counters.logins['quectel-saas'], 1);
    // The key names a hash, never the AccessKey; the value is the token alone.
    const keys = (await redis.command(['KEYS', 'iot-openapi:*'])) as string[];
    assert.ok(keys.some((k) => /^iot-openapi:token:[0-9a-f]{64}$/.test(k)), keys.join());
    assertFreeOf(keys.join(' '), [DEMO.quectelSaas.accessKey, DEMO.quectelSaas.accessSecret], 'Redis keys');
    const value = String(await redis.command(['GET', keys.find((k) => k.includes(':token:'))!]));
    assertFreeOf(value, [DEMO.quectelSaas.accessSecret], 'the token record');
    // Written to expire before the token does (2 h, less 30 s).
    const ttl = Number(await redis.command(['PTTL', keys.find((k) => k.includes(':token:'))!]));
    assert.ok(ttl > 7000_000 && ttl <= 7170_000, `PTTL ${ttl}`);
    // No lease is left behind.
    assert.ok(!keys.some((k) => k.includes(':lease:')));
  });

  it('a token the vendor refuses is dropped once; a stale instance does not drop the fresh one', async () => {
    const a = client();
    const b = client();
    await a.call(...LIST);
    await b.call(...LIST);
    assert.equal(sim.counters.logins['quectel-saas'], 1);
    sim.faults.expireAllTokens('quectel-saas');
    // a finds its token refused: it logs in once and shares the new token.
    await a.call(...LIST);
    assert.equal(sim.counters.logins['quectel-saas'], 2);
    // b still holds the old one: refused, it takes a's new token instead of deleting it or logging in.
    await b.call(...LIST);
    assert.equal(sim.counters.logins['quectel-saas'], 2);
    await Promise.all([a.call(...LIST), b.call(...LIST)]);
    assert.equal(sim.counters.logins['quectel-saas'], 2);
  });

  it('after the vendor drops every token, two instances repeat each refused call with a new token: none of 100 fails', async () => {
    const a = client();
    const b = client();
    await Promise.all([a.call(...LIST), b.call(...LIST)]);
    for (let round = 0; round < 3; round++) {
      sim.faults.expireAllTokens('quectel-saas');
      const failed: unknown[] = [];
      await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).call(...LIST).catch((e: OpenApiError) => failed.push(`${e.code}: ${e.message}`))));
      assert.deepEqual(failed, [], `round ${round + 1}`);
    }
  });

  it('two On-Bright companies on one client id share no token and no refusal count', async () => {
    const account = (uniqueKey: string) => {
      const c = new OpenApiClient(demoAccount(sim, 'onbright', { credentials: { uniqueKey } }), { store: { kind: 'redis', url: redis.url }, refusals: new MemoryRefusalStore(), backoffBaseMs: 0 });
      clients.push(c);
      return c;
    };
    const first = account(DEMO.onbright.uniqueKey);
    const second = account(DEMO.onbright.secondUniqueKey);
    const before = sim.counters.total;
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? first : second).call('onbright.listObox', {})));
    const business = sim.requests.filter((r) => r.path === '/consumer/open/obox').length;
    assert.equal(business, 40, 'no call was refused and sent again with the other company\'s token');
    assert.equal(sim.counters.logins.onbright, 2, 'one login per company');
    assert.ok(sim.counters.total - before <= 40 + 2 * 2, `requests: ${sim.counters.total - before}`);

    // A wrong uniqueKey of a third account on the same client counts toward its own cap only.
    const wrong = account('not-a-company');
    const codes: unknown[] = [];
    for (let i = 0; i < 4; i++) await wrong.call('onbright.listObox', {}).catch((e: OpenApiError) => codes.push(e.code));
    assert.equal(codes.at(-1), ErrorCodes.LOGIN_BACKOFF);
    // The first company's credentials, in a new instance: its token from Redis, no login, no refusal.
    const logins = sim.counters.logins.onbright;
    await account(DEMO.onbright.uniqueKey).call('onbright.listObox', {});
    assert.equal(sim.counters.logins.onbright, logins);
  });

  it('what was not written for these credentials is ignored: one login, never a failed call', async () => {
    const a = client();
    await a.call(...LIST);
    const key = ((await redis.command(['KEYS', 'iot-openapi:token:*'])) as string[])[0];
    const real = JSON.parse(String(await redis.command(['GET', key]))) as { v: string; mac: string };
    const token = JSON.parse(real.v) as { accessToken: string; expiresAt: number; obtainedAt: number };
    const now = Date.now();
    const planted = {
      'a foreign token, unsigned': JSON.stringify({ accessToken: 'QJWT foreign', expiresAt: now + 3600_000, obtainedAt: now }),
      'a CR/LF token with the real MAC': JSON.stringify({ v: JSON.stringify({ ...token, accessToken: 'QJWT x\r\nX-Evil: 1' }), mac: real.mac }),
      'an oversized value': JSON.stringify({ v: JSON.stringify({ ...token, pad: 'x'.repeat(5000) }), mac: real.mac }),
      'the real token with a MAC one character off': JSON.stringify({ v: real.v, mac: real.mac.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) }),
      'not JSON at all': '\u0000garbage',
    };
    for (const [what, value] of Object.entries(planted)) {
      await redis.command(['SET', key, value]);
      const logins = sim.counters.logins['quectel-saas'];
      const b = client();
      await assert.doesNotReject(b.call(...LIST), what);
      assert.equal(sim.counters.logins['quectel-saas'], logins + 1, `${what}: one login`);
      const stored = JSON.parse(String(await redis.command(['GET', key]))) as { v: string };
      assert.ok(stored.v && !stored.v.includes('foreign') && !stored.v.includes('Evil'), `${what}: replaced by a real token`);
    }
    // A token valid for longer than any vendor's, even sealed right, is not taken.
    assert.ok(token.expiresAt < now + 30 * 24 * 3600_000);
  });

  it('renewal ahead of expiry is done by one instance for all', async () => {
    // Tokens of 5 s: renewed (and dropped from Redis) after 4.5 s.
    const short = await startSimulator({ quiet: true, lifetimes: { quectelSaas: 5 } });
    try {
      const make = () => {
        const c = new OpenApiClient(demoAccount(short, 'quectel-saas'), { store: { kind: 'redis', url: redis.url }, refusals: new MemoryRefusalStore() });
        clients.push(c);
        return c;
      };
      const [a, b, c] = [make(), make(), make()];
      const failures: unknown[] = [];
      const until = Date.now() + 11_000;
      while (Date.now() < until) {
        await Promise.all([a, b, c].map((x) => x.call(...LIST).catch((e: OpenApiError) => failures.push(e.code))));
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(failures, []);
      const renewals = short.counters.logins['quectel-saas'] + short.counters.refreshes['quectel-saas'];
      // One login, then one renewal every 4.5 s for the three together (each alone: three).
      assert.ok(renewals >= 2 && renewals <= 4, `logins ${short.counters.logins['quectel-saas']}, refreshes ${short.counters.refreshes['quectel-saas']}`);
      if (process.env.SHOW_TIMINGS) console.log(`11 s of 5-s tokens, 3 instances: ${short.counters.logins['quectel-saas']} logins, ${short.counters.refreshes['quectel-saas']} refreshes`);
    } finally {
      await short.close();
    }
  });

  it('an instance that dies holding the lease delays the others by the lease, not forever', async () => {
    const a = client();
    await a.call(...LIST);
    const keys = (await redis.command(['KEYS', 'iot-openapi:token:*'])) as string[];
    const id = keys[0].split(':').pop()!;
    await redis.command(['DEL', keys[0]]);
    // Someone else's lease that nobody will release.
    await redis.command(['SET', `iot-openapi:lease:login:${id}`, 'dead-instance', 'PX', '1500']);
    const b = client();
    const started = Date.now();
    await b.call(...LIST);
    const took = Date.now() - started;
    assert.ok(took >= 1300 && took < 4000, `waited ${took} ms`);
    assert.equal(sim.counters.logins['quectel-saas'], 2);
  });

  it('Redis killed mid-run: calls go on within the timeout, the status says so; sharing resumes when it is back', async () => {
    const eventsA: SessionEvent[] = [];
    const a = client({}, eventsA);
    const b = client();
    await Promise.all([a.call(...LIST), b.call(...LIST)]);
    assert.equal(sim.counters.logins['quectel-saas'], 1);

    // A steady stream of calls while Redis dies and comes back.
    let stop = false;
    const failures: OpenApiError[] = [];
    let slowest = 0;
    const stream = (async () => {
      while (!stop) {
        const started = Date.now();
        await a.call(...LIST).catch((e: OpenApiError) => failures.push(e));
        slowest = Math.max(slowest, Date.now() - started);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    await redis.kill();
    await new Promise((r) => setTimeout(r, 500));
    const down = eventsA.find((e) => e.type === 'store' && !e.shared);
    assert.ok(down, JSON.stringify(eventsA));

    // A new instance meanwhile logs in on its own: it does not wait for Redis.
    const startedC = Date.now();
    const c = client();
    await c.call(...LIST);
    assert.ok(Date.now() - startedC < 1500, `the new instance took ${Date.now() - startedC} ms`);
    assert.equal(sim.counters.logins['quectel-saas'], 2);

    await redis.start();
    // The client reconnects within its back-off (at most 2 s).
    for (let i = 0; i < 60 && !eventsA.some((e) => e.type === 'store' && e.shared); i++) await new Promise((r) => setTimeout(r, 100));
    stop = true;
    await stream;
    assert.deepEqual(failures.map((e) => e.code), []);
    // No call waits on Redis longer than its short timeout (1 s) on top of the vendor's answer.
    assert.ok(slowest < 1500, `slowest call ${slowest} ms`);
    if (process.env.SHOW_TIMINGS) console.log(`slowest call around the outage: ${slowest} ms`);
    assert.ok(eventsA.some((e) => e.type === 'store' && e.shared), 'sharing again');
    // The token got meanwhile is offered again: a new instance takes it instead of logging in.
    await new Promise((r) => setTimeout(r, 200));
    const d = client();
    await d.call(...LIST);
    assert.equal(sim.counters.logins['quectel-saas'], 2);
  });

  it('a Redis that hangs (connection open, no answer): a login waits at most the short timeout, then sharing resumes', async () => {
    const eventsA: SessionEvent[] = [];
    const a = client({}, eventsA);
    await a.call(...LIST);
    redis.pause();
    try {
      // Its token is gone: this instance must log in, and Redis does not answer the read.
      sim.faults.expireAllTokens('quectel-saas');
      const started = Date.now();
      await a.call(...LIST);
      const took = Date.now() - started;
      assert.ok(took >= 900 && took < 2000, `took ${took} ms`);
      if (process.env.SHOW_TIMINGS) console.log(`a login while Redis hangs: ${took} ms`);
      assert.ok(eventsA.some((e) => e.type === 'store' && !e.shared));
      assert.equal(sim.counters.logins['quectel-saas'], 2);
      // Known down: the next calls do not wait at all.
      const again = Date.now();
      await a.call(...LIST);
      assert.ok(Date.now() - again < 300);
    } finally {
      redis.resume();
    }
    for (let i = 0; i < 40 && !eventsA.some((e) => e.type === 'store' && e.shared); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(eventsA.some((e) => e.type === 'store' && e.shared), 'sharing again');
    const b = client();
    await b.call(...LIST);
    assert.equal(sim.counters.logins['quectel-saas'], 2, 'the token got meanwhile is shared');
  });

  it('a Redis that is not there at all: the first call waits at most the short timeout', async () => {
    const events: SessionEvent[] = [];
    const c = new OpenApiClient(demoAccount(sim, 'quectel-saas'), { store: { kind: 'redis', url: 'redis://127.0.0.1:1' }, refusals: new MemoryRefusalStore(), onEvent: (e) => events.push(e) });
    clients.push(c);
    const started = Date.now();
    await c.call(...LIST);
    // Refused at once: no wait for the timeout.
    assert.ok(Date.now() - started < 500, `took ${Date.now() - started} ms`);
    const store = events.find((e) => e.type === 'store');
    assert.ok(store && store.type === 'store' && !store.shared);
  });

  it('the refusal cap is shared: 3 wrong-secret logins across two instances reach the vendor 3 times in all', async () => {
    const wrong = { accessSecret: 'not-the-secret' };
    const a = client({}, [], wrong);
    const b = client({}, [], wrong);
    const codes: unknown[] = [];
    for (let i = 0; i < 8; i++) {
      await (i % 2 ? b : a).call(...LIST).catch((e: OpenApiError) => codes.push(e.code));
    }
    assert.equal(codes.length, 8);
    assert.equal(sim.counters.logins['quectel-saas'], 3);
    assert.equal(codes.slice(3).every((c) => c === ErrorCodes.LOGIN_BACKOFF), true, codes.join());
    // The shared record is sealed and keyed: no plain hash of the secret, nothing readable without it.
    const refusals = (await redis.command(['KEYS', 'iot-openapi:refusals:*'])) as string[];
    assert.equal(refusals.length, 1);
    const text = String(await redis.command(['GET', refusals[0]]));
    assert.ok(!/salt|fingerprint/.test(text), text);
    assertFreeOf(refusals[0] + text, ['not-the-secret', DEMO.quectelSaas.accessKey], 'the refusal record');
    // A third instance, started later, also sends none.
    const c = client({}, [], wrong);
    await assert.rejects(c.call(...LIST), (e: OpenApiError) => e.code === ErrorCodes.LOGIN_BACKOFF);
    assert.equal(sim.counters.logins['quectel-saas'], 3);
  });

  it('pacing is shared: two instances together keep the account rate', async () => {
    const a = client({ rateLimit: 10 });
    const b = client({ rateLimit: 10 });
    await Promise.all([a.testConnection(), b.call(...LIST)]);
    const before = sim.requests.length;
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).call(...LIST)));
    const at = sim.requests.slice(before).map((r) => r.at).sort((x, y) => x - y);
    assert.equal(at.length, 30);
    // 29 gaps of 100 ms: 2.9 s between the first and the last.
    const span = at[at.length - 1] - at[0];
    assert.ok(span >= 2750 && span <= 3150, `29 gaps took ${span} ms`);
  });

  it('a redeploy leaves no Redis connection behind', async () => {
    const count = async () => String(await redis.command(['CLIENT', 'LIST'])).trim().split('\n').length;
    const base = await count();
    for (let round = 0; round < 5; round++) {
      const batch = [client(), client(), client()];
      await Promise.all(batch.map((c) => c.call(...LIST)));
      assert.ok((await count()) >= base + 3);
      for (const c of batch) c.close();
    }
    for (let i = 0; i < 20 && (await count()) > base; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await count(), base);
  });

  it('a Redis password is used and never shown', async () => {
    const secured = await startRedis(['--requirepass', 'redis-pass-123']);
    try {
      const events: SessionEvent[] = [];
      const good = new OpenApiClient(demoAccount(sim, 'quectel-saas'), { store: { kind: 'redis', url: secured.url, password: 'redis-pass-123' }, refusals: new MemoryRefusalStore() });
      clients.push(good);
      await good.call(...LIST);
      const keys = (await secured.command(['KEYS', 'iot-openapi:token:*'])) as string[];
      assert.equal(keys.length, 1, 'shared through the secured Redis');
      // A login in the URL would land in the flow file: refused, pointing to the fields, without repeating it.
      assert.throws(
        () => new OpenApiClient(demoAccount(sim, 'quectel-saas'), { store: { kind: 'redis', url: `redis://user:url-pass-456@127.0.0.1:${secured.port}` } }),
        (err: OpenApiError) => err.code === ErrorCodes.INVALID_INPUT && err.parameter === 'redisUrl' && /Redis user and Redis password fields/.test(err.message) && !err.message.includes('url-pass-456'),
      );
      const bad = new OpenApiClient(demoAccount(sim, 'quectel-saas'), { store: { kind: 'redis', url: secured.url, password: 'wrong-pass-789' }, refusals: new MemoryRefusalStore(), onEvent: (e) => events.push(e) });
      clients.push(bad);
      await bad.call(...LIST);
      const store = events.find((e) => e.type === 'store');
      assert.ok(store && store.type === 'store' && !store.shared);
      assertFreeOf(JSON.stringify(events), ['redis-pass-123', 'url-pass-456', 'wrong-pass-789'], 'store events');
    } finally {
      await secured.stop();
    }
  });
});
