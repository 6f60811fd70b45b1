// The account's token store and pacing settings in the real runtime: they reach
// the client, a Redis that is down shows on the nodes, RATE_LIMITED reaches Catch.
import assert from 'node:assert/strict';
import type { Simulator } from '../../simulator';
import { ACCOUNT_IDS, ALL_NODES, coreNode, flowWith, helper, sendAndWait, useRuntime, type TestNode } from '../support/red';
import { startRedis, type TestRedis } from '../support/redis-server';

const request = { type: 'iot-openapi-request', account: ACCOUNT_IDS['quectel-saas'], method: 'GET', path: '/v2/quecproductmgr/r3/openapi/products' };
const STORE_DOWN = "token store: Redis unreachable, using this instance's own token";

describe('account token store and pacing (node-red)', function () {
  this.timeout(30_000);
  let sim: Simulator;
  let redis: TestRedis;
  useRuntime((s) => (sim = s));
  before(async () => {
    redis = await startRedis(['--requirepass', 'nr-redis-pass']);
  });
  after(() => redis.stop());
  afterEach(async () => {
    await helper.unload();
    sim.reset();
  });

  async function load(account: Record<string, unknown>, redisCredentials: Record<string, string> = {}) {
    const { flow, credentials } = flowWith(sim, request, { 'quectel-saas': account });
    credentials[ACCOUNT_IDS['quectel-saas']] = { ...credentials[ACCOUNT_IDS['quectel-saas']], ...redisCredentials };
    await helper.load([...ALL_NODES, coreNode('common/25-catch.js')], flow, credentials);
  }

  it('tokenStore redis with redisUrl and the password credential: the token is shared through Redis', async () => {
    await load({ tokenStore: 'redis', redisUrl: redis.url }, { redisPassword: 'nr-redis-pass' });
    const { msg, error } = await sendAndWait({ payload: {}, query: { pageNum: 1, pageSize: 1 } });
    assert.equal(error, undefined, JSON.stringify(error));
    assert.ok(msg);
    const keys = (await redis.command(['KEYS', 'iot-openapi:token:*'])) as string[];
    assert.equal(keys.length, 1);
  });

  it('a Redis that does not answer: the call works, the node says so, the log too (without the password)', async () => {
    await load({ tokenStore: 'redis', redisUrl: 'redis://127.0.0.1:1/0' }, { redisPassword: 'nr-redis-pass' });
    const { error } = await sendAndWait({ payload: {}, query: { pageNum: 1, pageSize: 1 } });
    assert.equal(error, undefined, JSON.stringify(error));
    const node = helper.getNode('n1') as TestNode;
    const texts = node.status.getCalls().map((c) => (c.args[0] as { text?: string }).text);
    assert.ok(texts.includes(STORE_DOWN), texts.join(' | '));
    const logged = helper._logSpy.getCalls().map((c) => JSON.stringify(c.args)).join('\n');
    assert.ok(logged.includes(STORE_DOWN));
    assert.ok(!logged.includes('nr-redis-pass'));
  });

  it('a Redis URL that is not redis:// or rediss:// makes the account invalid', async () => {
    await load({ tokenStore: 'redis', redisUrl: 'http://127.0.0.1:6379' });
    const { error } = await sendAndWait({ payload: {}, query: { pageNum: 1, pageSize: 1 } });
    assert.equal(error?.code, 'INVALID_INPUT');
    assert.match(String(error?.message), /redisUrl/);
  });

  it('a Redis URL with a user or password is refused, pointing to the fields, without repeating the password', async () => {
    await redis.command(['FLUSHALL']);
    await load({ tokenStore: 'redis', redisUrl: `redis://:url-pass-987@127.0.0.1:${redis.port}` });
    const { error } = await sendAndWait({ payload: {}, query: { pageNum: 1, pageSize: 1 } });
    assert.equal(error?.code, 'INVALID_INPUT');
    assert.match(String(error?.message), /Redis user and Redis password fields/);
    const seen = [JSON.stringify(error), ...helper._logSpy.getCalls().map((c) => JSON.stringify(c.args))].join('\n');
    assert.ok(!seen.includes('url-pass-987'), 'the password is not repeated');
    assert.equal(((await redis.command(['KEYS', 'iot-openapi:*'])) as string[]).length, 0, 'nothing reached Redis');
  });

  it('rateLimit and rateQueue: a call beyond the queue reaches Catch with RATE_LIMITED', async () => {
    await load({ rateLimit: '1', rateQueue: '0' });
    const first = await sendAndWait({ payload: {}, query: { pageNum: 1, pageSize: 1 } });
    assert.equal(first.error, undefined);
    // sendAndWait leaves its listener on the node that did not answer: one at a time.
    for (const id of ['out', 'caught']) (helper.getNode(id) as unknown as { removeAllListeners(e: string): void }).removeAllListeners('input');
    const second = await sendAndWait({ payload: {}, query: { pageNum: 1, pageSize: 1 } });
    assert.equal(second.error?.code, 'RATE_LIMITED');
  });
});
