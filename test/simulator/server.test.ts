import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { startSimulator, type Simulator } from '../../simulator';
import { appLogin, send } from './helpers';

describe('simulator: server', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('listens on loopback on a free port and gives the NovaStar root', () => {
    assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(sim.novastarUrl, `${sim.url}/open/api`);
  });

  it('sends a Date header from its clock, which follows clockOffsetMs', async () => {
    const plain = await send(sim.url, '/nowhere');
    assert.ok(Math.abs(Date.parse(plain.headers.date) - Date.now()) < 2000);
    sim.faults.clockOffsetMs = 3 * 3600_000;
    const ahead = await send(sim.url, '/nowhere');
    assert.ok(Math.abs(Date.parse(ahead.headers.date) - (Date.now() + 3 * 3600_000)) < 2000);
  });

  it('answers unknown paths with 404 and wrong methods with 405, Spring-style', async () => {
    const missing = await send(sim.url, '/v2/nothing/here');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.path, '/v2/nothing/here');
    const wrong = await send(sim.url, '/v2/binding/enduserapi/userDeviceList', { method: 'POST' });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.allow, 'GET');
    const novaGet = await send(sim.novastarUrl, '/screen/readList');
    assert.equal(novaGet.status, 405);
  });

  it('counts and records every request, query and body included', async () => {
    await send(sim.url, '/nowhere', { query: { a: '1' } });
    await send(sim.url, '/nowhere');
    await send(sim.url, '/v2/enduser/enduserapi/v2/phonePwdRegister', { method: 'POST', body: { phone: '1' } });
    assert.equal(sim.counters.total, 3);
    assert.equal(sim.counters.requests['/nowhere'], 2);
    assert.equal(sim.counters.requests['/v2/enduser/enduserapi/v2/phonePwdRegister'], 1);
    const [first, , third] = sim.requests;
    assert.equal(first.method, 'GET');
    assert.deepEqual(first.query, { a: '1' });
    assert.equal(first.body, undefined);
    assert.deepEqual(third.body, { phone: '1' });
    assert.equal(third.rawBody, '{"phone":"1"}');
    assert.equal(third.headers['content-type'], 'application/json');
    assert.ok(third.at <= Date.now());
  });

  it('keeps only the last 1000 requests', async function () {
    this.timeout(30_000);
    for (let i = 0; i < 1005; i++) await send(sim.url, `/n${i}`);
    assert.equal(sim.requests.length, 1000);
    assert.equal(sim.requests[0].path, '/n5');
    assert.equal(sim.counters.total, 1005);
  });

  it('counts logins per platform', async () => {
    await appLogin(sim);
    await appLogin(sim);
    assert.equal(sim.counters.logins['quectel-app'], 2);
    assert.equal(sim.counters.logins['quectel-saas'], 0);
  });

  it('reset() brings back the seed, zero counters, no faults, no tokens', async () => {
    const pair = await appLogin(sim);
    sim.state.devices.length = 0;
    sim.faults.clockOffsetMs = 5000;
    sim.faults.failNext(5);
    sim.novastarEncrypt = false;
    sim.reset();
    assert.equal(sim.counters.total, 0);
    assert.equal(sim.counters.logins['quectel-app'], 0);
    assert.equal(sim.requests.length, 0);
    assert.equal(sim.state.devices.length, 23);
    assert.equal(sim.state.tokens.size, 0);
    assert.equal(sim.faults.clockOffsetMs, 0);
    assert.equal(sim.novastarEncrypt, true);
    const r = await send(sim.url, '/v2/binding/enduserapi/userDeviceList', { headers: { Authorization: pair.accessToken.token } });
    assert.equal(r.status, 200);
    assert.equal(r.json.code, 5032);
  });

  it('refuses a body over 1 MB with 413 and keeps serving', async () => {
    const big = await send(sim.url, '/v2/enduser/enduserapi/v2/phonePwdRegister', { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) });
    assert.equal(big.status, 413);
    assert.match(big.headers['content-type'], /text\/html/);
    assert.equal(sim.counters.requests['/v2/enduser/enduserapi/v2/phonePwdRegister'], 1);
    const next = await send(sim.url, '/nowhere');
    assert.equal(next.status, 404);
  });

  it('close() ends keep-alive connections too', async () => {
    const other = await startSimulator();
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      httpRequest(`${other.url}/x`, { agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).on('error', reject).end();
    });
    const started = Date.now();
    await other.close();
    assert.ok(Date.now() - started < 1000, 'close waited for the idle keep-alive socket');
    await assert.rejects(send(other.url, '/x'), { code: 'ECONNREFUSED' });
    agent.destroy();
  });
});
