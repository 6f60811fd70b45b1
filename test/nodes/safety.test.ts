// Safe with a real account, in the real Node-RED runtime against the
// simulator: logins the vendor refuses are capped across redeploys and
// restarts, the Test connection route cannot be turned into a way to read or
// re-send credentials, every call is bounded in time and size, and a message
// a stranger built cannot stop the process.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DEMO, startSimulator, type Simulator } from '../../simulator';
import { ALL_NODES, RED_PACKAGE, accounts, helper } from '../support/red';
import { CrashWatch, FlowHarness, type Outcome } from '../support/harness';

const SAAS_LOGIN = '/v2/quecauth/accessKeyAuthrize/accessKeyLogin';
const APP_LOGIN = '/v2/enduser/enduserapi/phonePwdLogin';
const APP_LIST = '/v2/binding/enduserapi/userDeviceList';
const TSL = '/v2/quectsl/openapi/product/export/tslFile';

const exportTsl = { id: 'tsl', type: 'quectel-export-tsl', account: 'acc-quectel-saas', productKey: 'p11v14' };
const listApp = { id: 'list-app', type: 'quectel-list-devices', account: 'acc-quectel-app' };
const rawApp = { id: 'raw-app', type: 'iot-openapi-request', account: 'acc-quectel-app', method: 'POST', path: '/v2/binding/enduserapi/userDeviceList' };

function assertInvalid(o: Outcome, parameter: RegExp, what: string): void {
  assert.equal(o.msg, undefined, `${what}: nothing on the output`);
  assert.equal(o.error?.code, 'INVALID_INPUT', `${what}: ${JSON.stringify(o.error)}`);
  assert.match(o.error!.message, parameter, what);
}

describe(`safe with a real account (${RED_PACKAGE})`, function () {
  this.timeout(30_000);
  let sim: Simulator;
  let userDir: string;
  const h = new FlowHarness(() => sim);
  const crashes = new CrashWatch();

  before(async () => {
    crashes.install();
    sim = await startSimulator({ quiet: true });
    await helper.startServer();
  });
  after(async () => {
    helper.settings({ userDir: undefined });
    await helper.stopServer();
    await sim.close();
    crashes.uninstall();
  });
  beforeEach(() => {
    sim.reset();
    // A fresh user directory per test: the refusal counts live there.
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iot-openapi-safety-'));
    helper.settings({ userDir });
  });
  afterEach(async () => {
    await helper.unload();
    fs.rmSync(userDir, { recursive: true, force: true });
    crashes.check();
  });

  const requestsTo = (p: string) => sim.requests.filter((r) => r.path === p).length;

  describe('refused logins are capped per account, across redeploys and restarts', () => {
    const wrongSecret = { 'acc-quectel-saas': { accessSecret: 'not-the-secret-at-all' } };

    it('three refusals in all, however often the flow is redeployed or Node-RED restarted', async () => {
      await h.load([exportTsl], {}, wrongSecret);
      const codes: unknown[] = [];
      codes.push((await h.send('tsl', { payload: 1 })).error?.code);
      await h.redeploy();
      codes.push((await h.send('tsl', { payload: 1 })).error?.code);
      // A restart: the runtime stopped and started again on the same user directory.
      await helper.unload();
      await h.load([exportTsl], {}, wrongSecret);
      codes.push((await h.send('tsl', { payload: 1 })).error?.code);
      for (let round = 0; round < 3; round++) {
        await h.redeploy();
        codes.push((await h.send('tsl', { payload: 1 })).error?.code);
      }
      await helper.unload();
      await h.load([exportTsl], {}, wrongSecret);
      const last = await h.send('tsl', { payload: 1 });
      codes.push(last.error?.code);
      assert.equal(requestsTo(SAAS_LOGIN), 3, `logins the vendor saw; codes ${codes.join(', ')}`);
      assert.deepEqual(codes.slice(0, 3), [90048, 90048, 90048]);
      assert.ok(codes.slice(3).every((c) => c === 'LOGIN_BACKOFF'), codes.join(', '));
      assert.match(last.error!.message, /Correct the credentials/);
      assert.ok(h.statuses('tsl').some((s) => /logins stopped/.test(s.text ?? '')), 'the status says so');
      assert.equal(requestsTo(TSL), 0);
      const saved = fs.readFileSync(path.join(userDir, 'iot-openapi-refusals.json'), 'utf8');
      assert.ok(!saved.includes('not-the-secret') && !saved.includes(DEMO.quectelSaas.accessKey), 'no credential in the file');

      // New credentials: logins resume at once.
      await helper.unload();
      await h.load([exportTsl]);
      const fixed = await h.send('tsl', { payload: 1 });
      assert.equal(fixed.error, undefined, JSON.stringify(fixed.error));
      assert.equal(requestsTo(SAAS_LOGIN), 4);
    });

    it('a directory in place of the file: no login is sent, and the Catch node, the status and the log say why', async () => {
      fs.mkdirSync(path.join(userDir, 'iot-openapi-refusals.json'));
      await h.load([exportTsl], {}, wrongSecret);
      const outcomes = [await h.send('tsl', { payload: 1 }), await h.send('tsl', { payload: 1 })];
      await h.redeploy();
      outcomes.push(await h.send('tsl', { payload: 1 }));
      assert.equal(requestsTo(SAAS_LOGIN), 0);
      for (const o of outcomes) {
        assert.equal(o.error?.code, 'LOGIN_BACKOFF');
        assert.match(o.error!.message, /cannot be read \(EISDIR\).*Repair or remove the file/);
      }
      assert.ok(h.statuses('tsl').some((st) => st.text === 'logins stopped: refusal count unreadable'), JSON.stringify(h.statuses('tsl')));
      const logged = helper.log().getCalls().map((c) => JSON.stringify(c.args)).join('\n');
      assert.match(logged, /iot-openapi-refusals\.json cannot be read \(EISDIR\): logins stop until it can be read/);
    });

    it('a file that cannot be written (immutable): five redeploys of two messages reach the vendor three times', async function () {
      const file = path.join(userDir, 'iot-openapi-refusals.json');
      fs.writeFileSync(file, JSON.stringify({ version: 2, accounts: {} }));
      try {
        execFileSync('chattr', ['+i', file], { stdio: 'ignore' });
      } catch {
        this.skip(); // a file system without immutable files: the library test covers a failing write
      }
      try {
        await h.load([exportTsl], {}, wrongSecret);
        for (let deploy = 0; deploy < 5; deploy++) {
          if (deploy > 0) await h.redeploy();
          await h.send('tsl', { payload: 1 });
          await h.send('tsl', { payload: 1 });
        }
        assert.equal(requestsTo(SAAS_LOGIN), 3);
        assert.match(helper.log().getCalls().map((c) => JSON.stringify(c.args)).join('\n'), /cannot write the count of refused logins/);
      } finally {
        execFileSync('chattr', ['-i', file]);
      }
    });

    it('stops at once on "attempts left" (5146), also when the code arrives as a string', async () => {
      sim.faults.failNext(Infinity, { status: 200, path: APP_LOGIN, body: JSON.stringify({ code: '5146', msg: '密码错误，还可尝试 2 次' }) });
      await h.load([listApp]);
      const first = await h.send('list-app', { payload: 1 });
      assert.equal(first.error?.code, '5146');
      await h.redeploy();
      const second = await h.send('list-app', { payload: 1 });
      assert.equal(second.error?.code, 'LOGIN_BACKOFF');
      assert.match(second.error!.message, /5146/);
      assert.equal(requestsTo(APP_LOGIN), 1);
    });
  });

  it('keeps no echoed secret in the file of refused logins', async () => {
    // A vendor (or a gateway) that repeats the login request in its refusal.
    sim.faults.echoRequestNext(Infinity, { path: APP_LOGIN, code: 5146 });
    await h.load([listApp]);
    const o = await h.send('list-app', { payload: 1 });
    assert.equal(String(o.error?.code), '5146');
    const sent = sim.requests.find((r) => r.path === APP_LOGIN)!;
    const saved = fs.readFileSync(path.join(userDir, 'iot-openapi-refusals.json'), 'utf8');
    for (const name of ['pwd', 'random', 'signature']) {
      const value = sent.query[name];
      assert.ok(value && value.length > 8, `the login sent ${name}`);
      assert.ok(!saved.includes(value) && !saved.includes(encodeURIComponent(value)), `${name} is not in the file`);
    }
    // Quectel SaaS: the login's password is a hash of the secret and a time, a login in itself for ten minutes.
    sim.faults.echoRequestNext(Infinity, { path: SAAS_LOGIN, code: 90048 });
    await helper.unload();
    await h.load([exportTsl]);
    await h.send('tsl', { payload: 1 });
    const password = sim.requests.find((r) => r.path === SAAS_LOGIN)!.query.password;
    assert.ok(password && password.length === 64, 'the SaaS login sent its password hash');
    assert.ok(!fs.readFileSync(path.join(userDir, 'iot-openapi-refusals.json'), 'utf8').includes(password), 'the SaaS password hash is not in the file');
  });

  describe('the Test connection route', () => {
    /** Posts to the route as a browser would: the body as text, with the given headers. */
    function post(body: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }) {
      let call = helper.request().post('/iot-openapi-account/test');
      for (const [name, value] of Object.entries(headers)) call = call.set(name, value);
      return call.send(typeof body === 'string' ? body : JSON.stringify(body));
    }
    const saas = (extra: Record<string, unknown> = {}) => ({ platform: 'quectel-saas', baseUrl: sim.url, credentials: { ...DEMO.quectelSaas }, ...extra });

    beforeEach(async () => {
      const { nodes, credentials } = accounts(sim);
      await helper.load(ALL_NODES, [{ id: 'tab', type: 'tab' }, ...nodes, { id: 'other', z: 'tab', type: 'helper' }], credentials);
    });

    it('takes JSON only: a form post or plain text gets 415, and nothing is sent', async () => {
      const form = await post(`platform=quectel-saas&baseUrl=${encodeURIComponent(sim.url)}&id=acc-quectel-saas`, { 'Content-Type': 'application/x-www-form-urlencoded' });
      assert.equal(form.status, 415);
      const text = await post(JSON.stringify(saas()), { 'Content-Type': 'text/plain' });
      assert.equal(text.status, 415);
      assert.equal(sim.requests.length, 0);
      const json = await post(saas());
      assert.equal(json.status, 200);
      assert.equal(json.body.ok, true);
    });

    it('a saved secret is used only for the saved account, platform and base URL', async () => {
      const unchanged = { accessKey: DEMO.quectelSaas.accessKey, accessSecret: '__PWRD__' };
      const same = (await post(saas({ id: 'acc-quectel-saas', credentials: unchanged }))).body;
      assert.equal(same.ok, true, JSON.stringify(same));
      sim.reset();
      const moved = sim.url.replace('127.0.0.1', 'localhost');
      for (const body of [
        saas({ id: 'acc-quectel-saas', baseUrl: moved, credentials: unchanged }),
        saas({ id: 'acc-quectel-saas', platform: 'quectel-app', credentials: { phone: '13800000000', password: '__PWRD__', userDomainSecret: '__PWRD__' } }),
        saas({ id: 'other', credentials: unchanged }),
        saas({ credentials: unchanged }),
      ]) {
        const answer = (await post(body)).body;
        assert.equal(answer.ok, false, JSON.stringify(body));
        assert.equal(answer.code, 'INVALID_INPUT');
        assert.match(String(answer.message), /(accessSecret|password) again/);
      }
      assert.equal(sim.requests.length, 0, 'nothing sent anywhere');
    });

    it('six presses with a wrong secret reach the vendor three times at most', async () => {
      const answers: Record<string, unknown>[] = [];
      for (let press = 0; press < 6; press++) {
        answers.push((await post(saas({ credentials: { ...DEMO.quectelSaas, accessSecret: 'wrong-secret-typed' } }))).body);
      }
      assert.equal(requestsTo(SAAS_LOGIN), 3);
      assert.deepEqual(answers.map((a) => a.code), [90048, 90048, 90048, 'LOGIN_BACKOFF', 'LOGIN_BACKOFF', 'LOGIN_BACKOFF']);
    });

    it('answers in the editor\'s language', async () => {
      const body = saas({ id: 'acc-quectel-saas', baseUrl: sim.url.replace('127.0.0.1', 'localhost'), credentials: { accessKey: 'k', accessSecret: '__PWRD__' } });
      const zh = (await post(body, { 'Content-Type': 'application/json', 'Accept-Language': 'zh-CN' })).body;
      assert.match(String(zh.message), /请重新输入 accessSecret/);
      const en = (await post(body, { 'Content-Type': 'application/json', 'Accept-Language': 'en-US' })).body;
      assert.match(String(en.message), /type accessSecret again/);
    });

    it('says the same whether the port is closed, silent, not HTTP or an unrelated web server', async () => {
      const closed = await new Promise<number>((resolve) => {
        const s = net.createServer().listen(0, '127.0.0.1', () => {
          const port = (s.address() as net.AddressInfo).port;
          s.close(() => resolve(port));
        });
      });
      const sockets = new Set<net.Socket>();
      const serve = (onConnect: (socket: net.Socket) => void) => new Promise<net.Server>((resolve) => {
        const s = net.createServer((socket) => {
          sockets.add(socket);
          socket.on('error', () => undefined);
          onConnect(socket);
        }).listen(0, '127.0.0.1', () => resolve(s));
      });
      const silent = await serve(() => undefined);
      const ssh = await serve((socket) => socket.write('SSH-2.0-OpenSSH_9.2\r\n'));
      const web = await serve((socket) => socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 22\r\n\r\n<h1>Not Found</h1>    '));
      const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;
      try {
        const answers = [];
        for (const port of [closed, portOf(silent), portOf(ssh), portOf(web)]) {
          answers.push((await post(saas({ baseUrl: `http://127.0.0.1:${port}`, timeout: 500 }))).body);
        }
        for (const answer of answers) assert.deepEqual(answer, answers[0]);
        assert.equal(answers[0].ok, false);
      } finally {
        for (const socket of sockets) socket.destroy();
        for (const s of [silent, ssh, web]) s.close();
      }
    });
  });

  describe('every call is bounded', () => {
    it('a vendor dripping one byte every 400 ms gets ETIMEDOUT after the 1 s timeout, not after the whole answer', async () => {
      await h.load([listApp], { 'quectel-app': { timeout: 1000 } });
      await h.send('list-app', { payload: 1 }); // logged in
      sim.faults.malformNext(1, 'drip', { path: APP_LIST });
      const o = await h.send('list-app', { payload: 1 });
      assert.equal(o.error?.code, 'ETIMEDOUT', JSON.stringify(o.error));
      // The dripped answer would take about 40 s; a generous bound, as the machine may be busy.
      assert.ok(o.ms < 5000, `${o.ms} ms`);
    });

    it('a vendor claiming a billion devices: reading every page stops at maxPages', async () => {
      const page = Array.from({ length: 10 }, (_, i) => ({ deviceKey: `D${i}`, productKey: 'p11pLZ' }));
      sim.faults.failNext(Infinity, { status: 200, path: APP_LIST, body: JSON.stringify({ code: 200, msg: 'OK', data: { list: page, total: 1_000_000_000 } }) });
      await h.load([{ ...listApp, output: 'all', pageSize: '10', pageSizeType: 'num' }, { ...listApp, id: 'list-5', output: 'all', pageSize: '10', pageSizeType: 'num', maxPages: 5 }]);
      const all = await h.send('list-app', { payload: 1 }, 60_000);
      assert.equal(all.error, undefined, JSON.stringify(all.error));
      assert.equal((all.msg!.payload as unknown[]).length, 1000);
      assert.equal(all.msg!.openapi.truncated, 'maxPages');
      assert.equal(requestsTo(APP_LIST), 100);
      const five = await h.send('list-5', { payload: 1 });
      assert.equal((five.msg!.payload as unknown[]).length, 50);
      assert.equal(requestsTo(APP_LIST), 105);
      assert.ok(h.statuses('list-5').some((s) => s.fill === 'yellow'), 'the status shows the stop');
    });

    it('msg.query over 8 KiB encoded, or a body over 1 MiB in UTF-8 bytes, is INVALID_INPUT and nothing is sent', async () => {
      await h.load([rawApp]);
      assertInvalid(await h.send('raw-app', { payload: {}, query: { q: '中'.repeat(1000) } }), /query/, '1000 Chinese characters, 9 KB encoded');
      // 400,000 characters are under the limit as characters, 1.2 MB as UTF-8.
      assertInvalid(await h.send('raw-app', { payload: { text: '中'.repeat(400_000) } }), /payload/, '1.2 MB of UTF-8');
      assert.equal(sim.requests.length, 0);
    });

    it('a payload nested 2,000 deep or with a throwing getter is INVALID_INPUT on the Catch node, and the process goes on', async () => {
      await h.load([listApp, rawApp]);
      let deep: Record<string, unknown> = {};
      for (let i = 0; i < 2000; i++) deep = { a: deep };
      assertInvalid(await h.send('list-app', { payload: deep }), /payload.*64/, '2,000 levels');
      assertInvalid(await h.send('raw-app', { payload: deep }), /payload.*64/, '2,000 levels, generic request');
      const trap = { get pkList(): string { throw new Error('trap'); } };
      assertInvalid(await h.send('list-app', { payload: trap }), /payload/, 'a throwing getter');
      assertInvalid(await h.send('raw-app', { payload: {}, method: 42 }), /method/, 'msg.method as a number');
      assert.equal(sim.requests.length, 0);
      const fine = await h.send('list-app', { payload: 1 });
      assert.equal(fine.error, undefined, 'the node still works');
    });
  });
});
