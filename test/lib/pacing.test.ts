import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenApiClient } from '../../lib/client';
import { ErrorCodes, OpenApiError } from '../../lib/errors';
import sinon from 'sinon';
import { Pacer, checkPacing } from '../../lib/pacing';
import type { RedisLink } from '../../lib/redis-link';
import { RateLimiter } from '../../simulator/rate-limit';
import { createAdapter } from '../../lib/platforms';
import { Clock } from '../../lib/clock';
import { Transport } from '../../lib/http';
import { startSimulator, type Simulator } from '../../simulator';
import { demoAccount } from '../support/accounts';

const LIST = '/v2/quecproductmgr/r3/openapi/products';

/** Requests to `path` the simulator saw, oldest first. */
function sent(sim: Simulator, path: string): number[] {
  return sim.requests.filter((r) => r.path === path).map((r) => r.at);
}

async function settle<T>(promises: Promise<T>[]): Promise<{ ok: T[]; errors: OpenApiError[] }> {
  const ok: T[] = [];
  const errors: OpenApiError[] = [];
  await Promise.all(promises.map((p) => p.then((v) => ok.push(v), (e: OpenApiError) => errors.push(e))));
  return { ok, errors };
}

describe('pacing (in memory)', function () {
  this.timeout(30_000);
  let sim: Simulator;
  let path = LIST;
  before(async () => {
    sim = await startSimulator({ quiet: true });
    // The path the catalogue sends listProducts to.
    const probe = new OpenApiClient(demoAccount(sim, 'quectel-saas'));
    await probe.call('quectel-saas.listProducts', { pageNum: 1, pageSize: 1 });
    path = sim.requests[sim.requests.length - 1].path;
    probe.close();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('keeps the rate within a few percent, requests evenly spaced', async () => {
    const client = new OpenApiClient(demoAccount(sim, 'quectel-saas'), { rateLimit: 20 });
    await client.testConnection(); // the login is not paced: out of the measure
    const started = Date.now();
    const { ok, errors } = await settle(Array.from({ length: 41 }, () => client.call('quectel-saas.listProducts', { pageNum: 1, pageSize: 1 })));
    const elapsed = Date.now() - started;
    assert.equal(errors.length, 0, String(errors[0]));
    assert.equal(ok.length, 41);
    const at = sent(sim, path);
    assert.equal(at.length, 41);
    // 40 gaps of 50 ms: never less than 2 s. How close to 2 s it stays is the benchmark's to measure
    // (BENCHMARKS.md): a shared machine may run late, so here only that the queue does not stall.
    const span = at[at.length - 1] - at[0];
    assert.ok(span >= 1900, `40 gaps took ${span} ms`);
    assert.ok(elapsed < 6000, `all done in ${elapsed} ms`);
    // In any one second, at most rate + 1 (the bucket holds one token).
    for (let i = 0; i < at.length; i++) assert.ok(at.filter((t) => t >= at[i] && t < at[i] + 1000).length <= 21);
    client.close();
  });

  it('a full queue fails at once with RATE_LIMITED and sends nothing', async () => {
    const client = new OpenApiClient(demoAccount(sim, 'quectel-saas'), { rateLimit: 5, rateQueue: 3 });
    await client.testConnection();
    const started = Date.now();
    const calls = Array.from({ length: 10 }, () => client.call('quectel-saas.listProducts', { pageNum: 1, pageSize: 1 }).then(
      () => ({ ok: true, at: Date.now() - started }),
      (err: OpenApiError) => ({ ok: false, code: err.code, at: Date.now() - started, message: err.message }),
    ));
    const results = await Promise.all(calls);
    const refused = results.filter((r) => !r.ok);
    // One sent at once, three waiting, six refused.
    assert.equal(results.filter((r) => r.ok).length, 4);
    assert.equal(refused.length, 6);
    for (const r of refused) {
      assert.equal((r as { code: unknown }).code, ErrorCodes.RATE_LIMITED);
      assert.ok(r.at < 100, `refused after ${r.at} ms`);
    }
    assert.equal(sent(sim, path).length, 4, 'nothing sent for the refused calls');
    client.close();
  });

  it('the call deadline ends a wait for the rate, and nothing is sent', async () => {
    const client = new OpenApiClient({ ...demoAccount(sim, 'quectel-saas'), timeout: 400 }, { rateLimit: 0.5 });
    await client.testConnection();
    await client.call('quectel-saas.listProducts', { pageNum: 1, pageSize: 1 });
    const started = Date.now();
    await assert.rejects(client.call('quectel-saas.listProducts', { pageNum: 1, pageSize: 1 }), (err: OpenApiError) => err.code === ErrorCodes.ETIMEDOUT && err.reason === 'rateWait' && /rate limit/.test(err.message));
    const took = Date.now() - started;
    assert.ok(took >= 350 && took < 700, `gave up after ${took} ms`);
    assert.equal(sent(sim, path).length, 1);
    // The given-up call left the queue: the next one waits for the bucket only.
    client.close();
  });

  it('61007 halves the rate and the write is sent once more', async () => {
    const client = new OpenApiClient(demoAccount(sim, 'quectel-saas'), { rateLimit: 10 });
    await client.testConnection();
    const raw = '/v2/deviceshadow/r3/openapi/raw/sendData';
    sim.faults.echoRequestNext(1, { path: raw, code: 61007 });
    const params = { devices: [{ productKey: 'p11v14', deviceKey: 'SW000001' }], data: '0102', encode: 'Hex' };
    const result = await client.call('quectel-saas.sendRawData', params);
    assert.equal(result.meta.code, 200);
    const first = sent(sim, raw);
    assert.equal(first.length, 2, 'refused, then sent once more');
    // Halved: 5 a second, 200 ms apart (instead of 100).
    assert.ok(first[1] - first[0] >= 180, `repeated after ${first[1] - first[0]} ms`);
    await Promise.all(Array.from({ length: 4 }, () => client.call('quectel-saas.sendRawData', params)));
    const all = sent(sim, raw);
    for (let i = 2; i < all.length; i++) assert.ok(all[i] - all[i - 1] >= 180, `gap ${all[i] - all[i - 1]} ms`);
    // Refused twice: sent again each time, and it goes through.
    sim.faults.echoRequestNext(2, { path: raw, code: 61007 });
    assert.equal((await client.call('quectel-saas.sendRawData', params)).meta.code, 200);
    assert.equal(sent(sim, raw).length, all.length + 3);
    client.close();
  });

  it('a vendor that keeps answering "too frequent": the call ends with its code when the deadline comes, not a timeout', async () => {
    const client = new OpenApiClient({ ...demoAccount(sim, 'quectel-saas'), timeout: 1500 }, { rateLimit: 10 });
    await client.testConnection();
    const raw = '/v2/deviceshadow/r3/openapi/raw/sendData';
    sim.faults.echoRequestNext(1000, { path: raw, code: 61007 });
    const started = Date.now();
    await assert.rejects(
      client.call('quectel-saas.sendRawData', { devices: [{ productKey: 'p11v14', deviceKey: 'SW000001' }], data: '0102', encode: 'Hex' }),
      (err: OpenApiError) => String(err.code) === '61007',
    );
    assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
    const tries = sent(sim, raw).length;
    assert.ok(tries >= 2 && tries <= 30, `sent ${tries} times`);
    client.close();
  });

  it('HTTP 429 with Retry-After pauses the account for that long, then repeats once', async () => {
    // A gateway in front of the simulator that answers the first product list with 429.
    let refuse = 1;
    const gateway = http.createServer((req, res) => {
      if (req.url?.startsWith(path) && refuse > 0) {
        refuse--;
        res.writeHead(429, { 'Retry-After': '1', 'Content-Type': 'text/html' });
        res.end('<html>Too Many Requests</html>');
        return;
      }
      const target = new URL(sim.url);
      const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    const client = new OpenApiClient({ ...demoAccount(sim, 'quectel-saas'), baseUrl: base });
    try {
      await client.testConnection();
      const started = Date.now();
      const [a, b] = await Promise.all([
        client.call('quectel-saas.listProducts', { pageNum: 1, pageSize: 1 }),
        new Promise((resolve) => setTimeout(resolve, 100)).then(() => client.call('quectel-saas.listProducts', { pageNum: 1, pageSize: 1 })),
      ]);
      const took = Date.now() - started;
      assert.equal(a.meta.code, 200);
      assert.equal(b.meta.code, 200);
      // Both waited for the pause (the second one too: the pause is the account's).
      assert.ok(took >= 950 && took < 2000, `took ${took} ms`);
      const at = sent(sim, path);
      assert.equal(at.length, 2);
      assert.ok(at[0] - started >= 950, 'nothing reached the vendor during the pause');
    } finally {
      client.close();
      await new Promise((resolve) => gateway.close(resolve));
    }
  });

  it('adapters: 429 with Retry-After, 61007 and 5058 are refusals for frequency; others are not', () => {
    const clock = new Clock();
    const transport = new Transport({ platform: 'quectel-saas', baseUrl: 'http://127.0.0.1:1', timeout: 1000, clock });
    const saas = createAdapter({ config: demoAccount({ url: 'http://127.0.0.1:1' } as Simulator, 'quectel-saas'), transport, clock });
    const read = (status: number, headers: Record<string, string>, text: string) => {
      try {
        saas.read({ status, headers, text }, { method: 'GET', path: '/x', query: {}, headers: {} });
      } catch (err) {
        return err as OpenApiError;
      }
      throw new Error('read did not refuse');
    };
    const tooMany = read(429, { 'retry-after': '3' }, 'slow down');
    assert.ok(saas.isTooFrequent(tooMany));
    assert.equal(saas.retryAfterMs?.(tooMany), 3000);
    assert.ok(saas.isTooFrequent(read(200, {}, JSON.stringify({ code: 61007, msg: 'device message frequency limited' }))));
    assert.ok(!saas.isTooFrequent(read(200, {}, JSON.stringify({ code: 61002, msg: 'offline' }))));
    assert.ok(!saas.isTooFrequent(read(503, {}, '')));
    const app = createAdapter({ config: demoAccount({ url: 'http://127.0.0.1:1' } as Simulator, 'quectel-app'), transport, clock });
    assert.ok(app.isTooFrequent(read(200, {}, JSON.stringify({ code: 5058, msg: 'too frequent' }))));
    transport.close();
  });

  it('a pacer in memory: FIFO order, close cancels the waiting calls', async () => {
    const pacer = new Pacer({ rate: 20, queue: 10 });
    const order: number[] = [];
    const waits = Array.from({ length: 5 }, (_, i) => pacer.acquire().then(() => order.push(i)));
    await Promise.all(waits);
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
    const late = [pacer.acquire(), pacer.acquire(), pacer.acquire()];
    pacer.close();
    const outcomes = await Promise.allSettled(late);
    assert.ok(outcomes.some((o) => o.status === 'rejected' && (o.reason as OpenApiError).code === ErrorCodes.ECANCELED));
  });
});

describe('pacing: limits and odd values', () => {
  let clock: sinon.SinonFakeTimers | undefined;
  afterEach(() => {
    clock?.restore();
    clock = undefined;
  });

  /** Whether a promise has settled, after the microtasks now queued have run. */
  async function settled(p: Promise<unknown>): Promise<boolean> {
    let done = false;
    p.then(() => (done = true), () => (done = true));
    for (let i = 0; i < 20; i++) await Promise.resolve();
    return done;
  }

  it('a rate below one call an hour is INVALID_INPUT naming rateLimit; 0, empty and one an hour are taken', () => {
    for (const rate of [0.0000001, 1 / 3601, '0.0002']) {
      assert.throws(() => checkPacing(rate, undefined), (err: OpenApiError) => err.code === ErrorCodes.INVALID_INPUT && err.parameter === 'rateLimit' && /1\/3600/.test(err.message), String(rate));
      assert.throws(() => new Pacer({ rate: Number(rate) }), (err: OpenApiError) => err.code === ErrorCodes.INVALID_INPUT, String(rate));
    }
    for (const rate of [0, '', undefined, 1 / 3600, '0.00028', 10_000]) assert.ok(checkPacing(rate, undefined).rate >= 0, String(rate));
  });

  it('no timer waits longer than a minute: at one call an hour the wait asks the bucket again every 60 s', async () => {
    clock = sinon.useFakeTimers({ now: Date.UTC(2026, 0, 1), toFake: ['setTimeout', 'clearTimeout', 'Date'], shouldClearNativeTimers: true });
    const pacer = new Pacer({ rate: 1 / 3600 });
    await pacer.acquire();
    const second = pacer.acquire();
    assert.equal(await settled(second), false);
    const start = Date.now();
    // Each timer the pacer sets fires within a minute.
    for (let i = 0; i < 5; i++) {
      const at = clock.next();
      assert.ok(at - start <= (i + 1) * 60_000, `timer ${i} at ${at - start} ms`);
    }
    assert.equal(await settled(second), false, 'still waiting for its turn');
    await clock.tickAsync(3600_000);
    assert.equal(await settled(second), true, 'let through after an hour');
    pacer.close();
  });

  /** A link to a "Redis" whose script answers `answers` in turn, then 0. */
  function oddLink(answers: unknown[]): RedisLink {
    return { usable: true, eval: async () => (answers.length ? answers.shift() : 0) } as unknown as RedisLink;
  }

  it("the shared bucket's answer is capped at a minute; a non-number or negative answer leaves the local bucket to decide", async () => {
    clock = sinon.useFakeTimers({ now: Date.UTC(2026, 0, 1), toFake: ['setTimeout', 'clearTimeout', 'Date'], shouldClearNativeTimers: true });
    const capped = new Pacer({ rate: 1, shared: { link: oddLink(['Infinity', 1e12]), id: 'odd' } });
    const first = capped.acquire();
    await clock.tickAsync(59_000);
    assert.equal(await settled(first), false, 'waits');
    await clock.tickAsync(61_000);
    assert.equal(await settled(first), true, 'two capped waits of a minute, then the bucket let it through');
    capped.close();

    for (const odd of ['nonsense', -5, null, { wait: 0 }]) {
      const pacer = new Pacer({ rate: 1, shared: { link: oddLink([odd, odd]), id: 'odd' } });
      await pacer.acquire(); // the local bucket holds one token
      const next = pacer.acquire();
      assert.equal(await settled(next), false, `${JSON.stringify(odd)}: the local bucket makes it wait`);
      await clock.tickAsync(1000);
      assert.equal(await settled(next), true, `${JSON.stringify(odd)}: a second later it goes`);
      pacer.close();
    }
  });

  it("a deadline that passes while waiting for the rate says so: ETIMEDOUT with reason rateWait, not the vendor's timeout", async () => {
    const pacer = new Pacer({ rate: 0.5 });
    await pacer.acquire();
    const deadline = new AbortController();
    const waiting = pacer.acquire(deadline.signal);
    deadline.abort();
    await assert.rejects(waiting, (err: OpenApiError) => err.code === ErrorCodes.ETIMEDOUT && err.reason === 'rateWait' && /rate limit/.test(err.message));
    await assert.rejects(pacer.acquire(deadline.signal), (err: OpenApiError) => err.reason === 'rateWait');
    pacer.close();
  });
});

describe('pacing with no rate set: "too frequent" paces the account, then it recovers', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.UTC(2026, 0, 1), toFake: ['setTimeout', 'clearTimeout', 'Date'], shouldClearNativeTimers: true });
  });
  afterEach(() => clock.restore());

  /**
   * `callers` each send calls one after another until `until` (ms of fake
   * time) against a vendor allowing 10 a second (the simulator's bucket);
   * a refused call is sent again after slowDown(), as the client does.
   */
  async function load(pacer: Pacer, callers: number, until: number) {
    const vendor = new RateLimiter({ perSecond: 10 });
    const start = Date.now();
    const attempts: { at: number; ok: boolean }[] = [];
    let running = true;
    const caller = async () => {
      while (running) {
        await pacer.acquire();
        const at = Date.now() - start;
        const ok = vendor.take('account', Date.now()) === undefined;
        attempts.push({ at, ok });
        if (!ok) pacer.slowDown();
        // The answer takes a few ms.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const all = Array.from({ length: callers }, caller);
    await clock.tickAsync(until);
    running = false;
    // The calls still waiting go at the pace reached.
    await clock.tickAsync(5000);
    await Promise.all(all);
    return attempts;
  }

  it('a burst of refusals slows the account once; a steady load settles below the vendor\'s limit with few refusals', async () => {
    const pacer = new Pacer();
    assert.equal(pacer.pace, 0);
    // 30 at once, 20 refused at the same moment: one halving, not twenty.
    for (let i = 0; i < 30; i++) await pacer.acquire();
    for (let i = 0; i < 20; i++) pacer.slowDown();
    assert.equal(pacer.pace, 15, 'half of the 30 a second just sent');
    pacer.close();

    const paced = new Pacer();
    const attempts = await load(paced, 30, 30_000);
    const later = attempts.filter((a) => a.at >= 10_000 && a.at < 30_000);
    const refused = later.filter((a) => !a.ok).length;
    const sentPerSecond = later.length / 20;
    assert.ok(refused / later.length < 0.1, `${refused} of ${later.length} refused after the first 10 s`);
    assert.ok(sentPerSecond <= 11, `${sentPerSecond.toFixed(1)} a second sent`);
    assert.ok(sentPerSecond >= 5, `${sentPerSecond.toFixed(1)} a second sent: not slowed to a crawl`);
    assert.ok(paced.pace > 0 && paced.pace < 15, `paced at ${paced.pace}`);
    // Quiet now: the pace rises step by step until there is no limit again.
    const before = paced.pace;
    await clock.tickAsync(5_000);
    assert.ok(paced.pace === 0 || paced.pace > before, 'rising');
    await clock.tickAsync(60_000);
    assert.equal(paced.pace, 0, 'no limit again');
    const started = Date.now();
    for (let i = 0; i < 20; i++) await paced.acquire();
    assert.equal(Date.now() - started, 0, 'a burst goes at once again');
    paced.close();
  });

  it('a Retry-After pauses the account with no rate set, for that long and no longer', async () => {
    const pacer = new Pacer();
    for (let i = 0; i < 10; i++) await pacer.acquire();
    pacer.slowDown(2000);
    const next = pacer.acquire();
    let went = false;
    void next.then(() => (went = true));
    await clock.tickAsync(1900);
    assert.equal(went, false, 'paused');
    await clock.tickAsync(200);
    assert.equal(went, true);
    assert.equal(pacer.pace, 0, 'the vendor said when: no pace after it');
    pacer.close();
  });
});
