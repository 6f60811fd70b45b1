// Issue 13, acceptance: two Node-RED instances (separate processes) share one
// Quectel SaaS account through Redis (tokenStore 'redis'). One login for
// both, again after the vendor drops the token; a Redis outage neither hangs
// nor loses a call and is shown; pacing holds both to the vendor's limit.
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startCluster, requireRedisServer, type CallResult, type Cluster, type TestRedis } from '../support/cluster';

const SWITCH = 'p11v14';
const WRITE = '/v2/deviceshadow/r3/openapi/dm/writeData';
const TSL = () => ({ productKey: SWITCH, language: 'EN' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function summary(results: CallResult[]): string {
  const counts = new Map<string, number>();
  for (const r of results) {
    const key = r.ok ? 'ok' : `${r.status} ${r.error?.code ?? ''} ${r.error?.message ?? ''}`.slice(0, 160);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n} × ${k}`).join('; ');
}

/** Connections Redis has from clients other than the one asking. */
async function redisClients(redis: TestRedis): Promise<number> {
  const admin = createClient({ url: redis.url, socket: { reconnectStrategy: false, connectTimeout: 1000 } });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
    const list = String(await admin.sendCommand(['CLIENT', 'LIST']));
    return list.trim().split('\n').filter(Boolean).length - 1;
  } catch {
    return 0;
  } finally {
    admin.destroy();
  }
}

describe('cluster: two Node-RED instances, one account, tokens shared through Redis (issue 13)', function () {
  this.timeout(180_000);
  const TIMEOUT_MS = 3000;
  let cluster: Cluster;

  before(async function () {
    requireRedisServer(this);
    cluster = await startCluster({ account: { timeout: TIMEOUT_MS } });
  });
  after(async () => {
    await cluster?.stop();
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed' && cluster) console.log(cluster.logs().slice(-6000));
  });

  it('(a) 200 concurrent calls spread over both instances cause exactly one login', async () => {
    const { sim } = cluster;
    const before = sim.counters.logins['quectel-saas'];
    const results = await cluster.burst(200, 'tsl', TSL);
    assert.equal(results.filter((r) => r.ok).length, 200, summary(results));
    assert.deepEqual([0, 1].map((i) => results.filter((r) => r.instance === i).length), [100, 100]);
    assert.equal(sim.counters.logins['quectel-saas'] - before, 1, 'one login for both instances');
  });

  it('(b) after the vendor drops every token, the next burst causes exactly one login again', async () => {
    const { sim } = cluster;
    // Both instances hold the token first.
    assert.ok((await cluster.burst(4, 'tsl', TSL)).every((r) => r.ok));
    sim.faults.expireAllTokens('quectel-saas');
    const before = sim.counters.logins['quectel-saas'];
    const results = await cluster.burst(200, 'tsl', TSL);
    assert.equal(results.filter((r) => r.ok).length, 200, summary(results));
    assert.equal(sim.counters.logins['quectel-saas'] - before, 1, 'one new login for both instances');
  });

  it('(c) Redis stopped mid-run: no call outlasts the timeout, none is lost, the status says so; sharing resumes once it is back', async () => {
    const { sim, redis, instances } = cluster;
    assert.ok((await cluster.burst(10, 'tsl', TSL)).every((r) => r.ok));
    const results: Promise<CallResult>[] = [];
    const started = Date.now();
    // When the outage began: the instances may notice it before stop() has seen the process end.
    let stoppedAt = 0;
    // A call every 25 ms, in turn on each instance, for 3 s before the outage and 5 s into it.
    for (let i = 0; Date.now() - started < 8000; i++) {
      if (!stoppedAt && Date.now() - started >= 3000) {
        stoppedAt = Date.now();
        await redis.stop();
      }
      results.push(instances[i % 2].call('tsl', TSL()));
      await sleep(25);
    }
    const done = await Promise.all(results);
    const lost = done.filter((r) => r.status === 0);
    assert.equal(lost.length, 0, `every request has an answer: ${summary(lost)}`);
    const slowest = Math.max(...done.map((r) => r.ms));
    // The account's timeout, and a little for the HTTP hop into Node-RED.
    assert.ok(slowest <= TIMEOUT_MS + 500, `slowest call ${Math.round(slowest)} ms (timeout ${TIMEOUT_MS} ms): ${summary(done)}`);
    for (const r of done.filter((d) => !d.ok)) assert.ok(r.error?.code, `a failed call says why: ${JSON.stringify(r.body)}`);
    // Once the outage is noticed, each instance goes on with its own token: the last two seconds' calls all succeed.
    const late = done.slice(-Math.floor(2000 / 25));
    assert.equal(late.filter((r) => r.ok).length, late.length, `calls well into the outage: ${summary(late)}`);

    for (const instance of instances) {
      const shown = (await instance.statuses()).filter((s) => s.at >= stoppedAt);
      assert.ok(shown.some((s) => /redis/i.test(s.text ?? '') && s.fill !== 'green'),
        `instance ${instance.index} shows that it fell back to its own token: ${JSON.stringify(shown.slice(-5))}`);
    }

    // Back, empty, on the same port.
    await redis.start();
    const deadline = Date.now() + 30_000;
    while ((await redisClients(redis)) < instances.length && Date.now() < deadline) await sleep(250);
    assert.ok((await redisClients(redis)) >= instances.length, 'both instances connect to Redis again');
    // Sharing resumes: a dropped token costs one login for both again (probes until the instances have noticed Redis is back).
    let deltas: number[] = [];
    for (let attempt = 0; attempt < 10; attempt++) {
      sim.faults.expireAllTokens('quectel-saas');
      const before = sim.counters.logins['quectel-saas'];
      const burst = await cluster.burst(100, 'tsl', TSL);
      assert.equal(burst.filter((r) => r.ok).length, 100, summary(burst));
      deltas = [...deltas, sim.counters.logins['quectel-saas'] - before];
      if (deltas[deltas.length - 1] === 1) break;
      await sleep(1000);
    }
    assert.equal(deltas[deltas.length - 1], 1, `logins per dropped token after Redis came back: ${deltas.join(', ')}`);
    for (const instance of instances) {
      const last = (await instance.statuses()).at(-1);
      assert.ok(last && !/redis/i.test(last.text ?? ''), `instance ${instance.index} no longer warns about Redis: ${JSON.stringify(last)}`);
    }
  });
});

describe('cluster: two instances paced to the vendor\'s limit through Redis (issue 13)', function () {
  this.timeout(180_000);
  let cluster: Cluster;

  before(async function () {
    requireRedisServer(this);
    cluster = await startCluster({
      // The calls wait their turn: 500 at 20 a second is 25 s, well inside the account's timeout.
      account: { rateLimit: 20, rateQueue: 600, timeout: 60_000 },
      simulator: { rateLimit: { perSecond: 20 } },
    });
  });
  after(async () => {
    await cluster?.stop();
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed' && cluster) console.log(cluster.logs().slice(-6000));
  });

  it('(d) 500 control calls from both instances: all succeed at 20/s (within 10 %), none refused as too frequent', async () => {
    const { sim } = cluster;
    const since = Date.now();
    const writesBefore = sim.counters.requests[WRITE] ?? 0;
    const results = await cluster.burst(500, 'control', (i) => ({ deviceKey: 'SW000001', data: { brightness: i % 101 } }));
    assert.equal(results.filter((r) => r.ok).length, 500, summary(results));
    assert.equal(sim.counters.rateLimited['quectel-saas'], 0, 'no 61007 was answered');
    assert.equal((sim.counters.requests[WRITE] ?? 0) - writesBefore, 500, 'each control call reached the simulator once');
    // Every call of the account counts (each instance also reads the product's thing model once).
    const rate = sim.achievedRate('quectel-saas', { since });
    console.log(`      achieved ${rate.toFixed(2)} calls a second at the simulator (limit 20), ${Math.round((Date.now() - since) / 100) / 10} s for 500 calls`);
    assert.ok(Math.abs(rate - 20) <= 2, `achieved ${rate.toFixed(2)} calls a second at the simulator, limit 20`);
  });
});
