import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenApiClient } from '../../lib/client';
import { ErrorCodes, OpenApiError } from '../../lib/errors';
import { Pacer } from '../../lib/pacing';
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
    // 40 gaps of 50 ms: 2 s.
    const span = at[at.length - 1] - at[0];
    assert.ok(span >= 1900 && span <= 2100, `40 gaps took ${span} ms`);
    assert.ok(elapsed < 2400, `all done in ${elapsed} ms`);
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
    await assert.rejects(client.call('quectel-saas.listProducts', { pageNum: 1, pageSize: 1 }), (err: OpenApiError) => err.code === ErrorCodes.ETIMEDOUT);
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
