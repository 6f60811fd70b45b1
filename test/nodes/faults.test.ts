// What a flow sees when the vendor misbehaves: expiring tokens, 5xx answers,
// slow, broken and dropped answers, a wrong clock, wrong credentials, and a
// redeploy or shutdown with calls in flight. The real Node-RED runtime against
// the simulator over HTTP on loopback.
import assert from 'node:assert/strict';
import { DEMO, startSimulator, type MalformKind, type Simulator } from '../../simulator';
import { assertFreeOf, demoSecrets } from '../support/accounts';
import { RED_PACKAGE, helper } from '../support/red';
import { CrashWatch, FlowHarness, runtimeHooks, sleep, waitFor, type Outcome } from '../support/harness';

const APP_LIST = '/v2/binding/enduserapi/userDeviceList';
const OBOX = '/consumer/open/obox';
const LOCK_USER = '/consumer/open/intelligentRemoteUser';
const REGISTER = '/v2/enduser/enduserapi/v2/phonePwdRegister';
const SMS = '/v2/sms/enduserapi/v2/sendPhoneSmsCode';
const SAAS_LOGIN = '/v2/quecauth/accessKeyAuthrize/accessKeyLogin';
const TSL = '/v2/quectsl/openapi/product/export/tslFile';
/** Retries of a safe call after its first attempt (lib/http.ts default). */
const GET_RETRIES = 2;
/** Codes a broken or cut answer may surface as. */
const TRANSPORT_CODES = ['ECONNRESET', 'EPIPE', 'ECONNABORTED'];

const listApp = { id: 'list-app', type: 'quectel-list-devices', account: 'acc-quectel-app' };
const listObox = { id: 'obox-list', type: 'onbright-obox', account: 'acc-onbright', operation: 'list' };
const addObox = { id: 'obox-add', type: 'onbright-obox', account: 'acc-onbright', operation: 'add', oboxName: 'OBOX-new', oboxVersion: '0a0219080a253002' };
const addLockUser = {
  id: 'lock-add', type: 'onbright-lock-user', account: 'acc-onbright', operation: 'add',
  serialId: 'lock000001', startTime: '1550573820000', endTime: '1550841360000', times: '3', timesType: 'num',
};
const sendSms = { id: 'sms', type: 'quectel-send-sms', account: 'acc-quectel-app', codeType: '3', codeTypeType: 'num' };
const register = { id: 'register', type: 'quectel-register-user', account: 'acc-quectel-app', pwd: 'Passw0rd-new', smsCode: DEMO.smsCode };
const exportTsl = { id: 'tsl', type: 'quectel-export-tsl', account: 'acc-quectel-saas', productKey: 'p11v14', language: 'EN' };
const rawNovastar = { id: 'nova', type: 'iot-openapi-request', account: 'acc-novastar', method: 'POST', path: 'screen/readList' };

function assertOk(o: Outcome, what: string): void {
  assert.equal(o.error, undefined, `${what}: unexpected error ${JSON.stringify(o.error)}`);
  assert.ok(o.msg, `${what}: no output`);
}

function assertError(o: Outcome, codes: unknown[], what: string): void {
  assert.equal(o.msg, undefined, `${what}: a failed call must not send on the output`);
  assert.ok(o.error, `${what}: no error on the Catch node`);
  assert.ok(codes.includes(o.error.code), `${what}: code ${String(o.error.code)} (${o.error.message}), expected one of ${codes.join(', ')}`);
  assert.equal(typeof o.error.message, 'string');
  assert.ok(o.error.message.length > 0);
}

describe(`faults in the Node-RED runtime (${RED_PACKAGE})`, function () {
  this.timeout(30_000);
  let sim: Simulator;
  const h = new FlowHarness(() => sim);
  const crashes = new CrashWatch();

  before(async () => {
    crashes.install();
    sim = await startSimulator({ fixedSmsCode: true, quiet: true });
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    await sim.close();
    crashes.uninstall();
  });
  beforeEach(() => sim.reset());
  afterEach(async () => {
    await helper.unload();
    crashes.check();
  });

  const requestsTo = (path: string, method?: string) => sim.requests.filter((r) => r.path === path && (!method || r.method === method)).length;

  it('tokens expire in the middle of 1,000 messages at concurrency 50: all succeed, with exactly one extra login', async function () {
    this.timeout(90_000);
    // The subject is the token, not latency: on a busy machine fifty new loopback connections can take seconds.
    await h.load([listApp], { 'quectel-app': { timeout: 30_000 } });
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    const TOTAL = 1000;
    const CONCURRENCY = 50;
    const EXPIRE_AFTER = 300;
    let sent = 0;
    let completed = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    let expiredAt = -1;
    const failures: Outcome[] = [];
    async function worker() {
      while (sent < TOTAL) {
        sent++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const o = await h.send('list-app', { payload: { pageSize: 2 } }, 30_000);
        inFlight--;
        if (o.error || !o.msg) failures.push(o);
        if (++completed === EXPIRE_AFTER) {
          sim.faults.expireAllTokens('quectel-app');
          expiredAt = completed;
        }
      }
    }
    try {
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    } finally {
      process.off('warning', onWarning);
    }
    assert.equal(completed, TOTAL);
    assert.equal(expiredAt, EXPIRE_AFTER);
    assert.deepEqual(failures.map((f) => f.error), [], 'every message succeeds');
    assert.equal(h.outputs, TOTAL);
    assert.equal(h.caught, 0);
    assert.equal(maxInFlight, CONCURRENCY);
    assert.equal(sim.counters.logins['quectel-app'], 2, 'one login at the start and exactly one after the tokens expired');
    // Some calls were sent with the dropped token and repeated once with the new one.
    assert.ok((sim.counters.requests[APP_LIST] ?? 0) > TOTAL, 'calls refused for the dropped token were repeated');
    // Fifty calls in flight on one account are normal use, not a leak: no "possible memory leak" warning in the log.
    assert.deepEqual(warnings.map((w) => `${w.name}: ${w.message}`), []);
  });

  describe('503 answers', () => {
    it('a read (GET list devices) is retried with backoff and succeeds', async () => {
      await h.load([listApp]);
      sim.faults.failNext(GET_RETRIES, { path: APP_LIST });
      const o = await h.send('list-app', { payload: 1 });
      assertOk(o, 'list devices');
      assert.equal(requestsTo(APP_LIST), GET_RETRIES + 1);
      assert.equal(o.msg!.openapi.attempts, GET_RETRIES + 1);
    });

    it('a read (GET OBOX list) is retried with backoff and succeeds', async () => {
      await h.load([listObox]);
      sim.faults.failNext(GET_RETRIES, { path: OBOX });
      const o = await h.send('obox-list', { payload: 1 });
      assertOk(o, 'OBOX list');
      assert.ok(Array.isArray((o.msg!.payload as { oboxs: unknown[] }).oboxs));
      assert.equal(requestsTo(OBOX, 'GET'), GET_RETRIES + 1);
    });

    it('onbright-obox add is not repeated: the error reaches the Catch node and nothing is created; the next message creates exactly one', async () => {
      await h.load([addObox]);
      sim.faults.failNext(1, { path: OBOX });
      const serial = 'c0330000ff';
      const failed = await h.send('obox-add', { payload: { oboxSerialId: serial } });
      assertError(failed, ['HTTP_503'], 'OBOX add on 503');
      assert.equal(requestsTo(OBOX, 'POST'), 1, 'the POST was sent once');
      assert.equal(sim.state.oboxes.has(serial), false);
      assertOk(await h.send('obox-add', { payload: { oboxSerialId: serial } }), 'OBOX add after the 503');
      assert.equal(requestsTo(OBOX, 'POST'), 2);
      assert.equal([...sim.state.oboxes.keys()].filter((k) => k === serial).length, 1);
    });

    it('onbright-lock-user add is not repeated: the error reaches the Catch node and no guest is added; the next message adds exactly one', async () => {
      await h.load([addLockUser]);
      const before = sim.state.lockUsers.length;
      sim.faults.failNext(1, { path: LOCK_USER });
      const failed = await h.send('lock-add', { payload: { nickName: 'Guest-503' } });
      assertError(failed, ['HTTP_503'], 'lock user add on 503');
      assert.equal(requestsTo(LOCK_USER, 'POST'), 1);
      assert.equal(sim.state.lockUsers.length, before);
      assertOk(await h.send('lock-add', { payload: { nickName: 'Guest-503' } }), 'lock user add after the 503');
      assert.equal(sim.state.lockUsers.filter((u) => u.nickName === 'Guest-503').length, 1);
    });

    it('quectel-register-user is not repeated: the error reaches the Catch node and no user is created; the next message creates exactly one', async () => {
      await h.load([sendSms, register]);
      const phone = '13900000077';
      assertOk(await h.send('sms', { payload: { phone } }), 'SMS code');
      sim.faults.failNext(1, { path: REGISTER });
      const failed = await h.send('register', { payload: { phone } });
      assertError(failed, ['HTTP_503'], 'register on 503');
      assert.equal(requestsTo(REGISTER), 1);
      assert.equal(sim.state.users.has(phone), false);
      assertOk(await h.send('register', { payload: { phone } }), 'register after the 503');
      assert.equal(requestsTo(REGISTER), 2);
      assert.equal([...sim.state.users.keys()].filter((k) => k === phone).length, 1);
    });
  });

  describe('answers slower than the account\'s timeout', () => {
    const TIMEOUT = 500;

    it('a read gets ETIMEDOUT on the Catch node within the timeout plus a margin, is not retried, and the node recovers', async () => {
      await h.load([listApp], { 'quectel-app': { timeout: TIMEOUT } });
      assertOk(await h.send('list-app', { payload: 1 }), 'warm-up (logs in)');
      sim.faults.delayNext(1, 3000, { path: APP_LIST });
      const before = requestsTo(APP_LIST);
      const o = await h.send('list-app', { payload: 1 });
      assertError(o, ['ETIMEDOUT'], 'slow list');
      assert.ok(o.ms < TIMEOUT + 1500, `the error came after ${o.ms} ms`);
      assert.equal(requestsTo(APP_LIST) - before, 1, 'a timeout is not retried');
      const status = h.statuses('list-app').at(-1)!;
      assert.deepEqual([status.fill, status.shape], ['red', 'ring']);
      assert.match(status.text ?? '', /ETIMEDOUT/);
      assertOk(await h.send('list-app', { payload: 1 }), 'the next message');
      assert.equal(h.statuses('list-app').at(-1)!.fill, 'green');
    });

    it('a creating POST gets ETIMEDOUT too, sent once', async () => {
      await h.load([addObox], { onbright: { timeout: TIMEOUT } });
      assertOk(await h.send('obox-add', { payload: { oboxSerialId: 'c0330000f1' } }), 'warm-up');
      sim.faults.delayNext(1, 3000, { path: OBOX });
      const o = await h.send('obox-add', { payload: { oboxSerialId: 'c0330000f2' } });
      assertError(o, ['ETIMEDOUT'], 'slow add');
      assert.ok(o.ms < TIMEOUT + 1500, `the error came after ${o.ms} ms`);
      assert.equal(requestsTo(OBOX, 'POST'), 2);
      assertOk(await h.send('obox-add', { payload: { oboxSerialId: 'c0330000f3' } }), 'the next message');
    });
  });

  describe('broken answers', () => {
    const kinds: { kind: MalformKind; codes: unknown[]; transport: boolean }[] = [
      { kind: 'invalid-json', codes: ['BAD_RESPONSE'], transport: false },
      { kind: 'html', codes: ['BAD_RESPONSE'], transport: false },
      { kind: 'empty', codes: ['BAD_RESPONSE'], transport: false },
      { kind: 'truncated', codes: ['BAD_RESPONSE', ...TRANSPORT_CODES], transport: true },
      { kind: 'drop', codes: TRANSPORT_CODES, transport: true },
    ];

    for (const { kind, codes, transport } of kinds) {
      it(`${kind}: a read fails with ${codes.join(' or ')} on the Catch node${transport ? ' after its retries' : ''}, then recovers`, async () => {
        await h.load([listApp]);
        assertOk(await h.send('list-app', { payload: 1 }), 'warm-up');
        // A cut connection is retried for a read: every attempt must meet the fault.
        const count = transport ? GET_RETRIES + 1 : 1;
        sim.faults.malformNext(count, kind, { path: APP_LIST });
        const before = requestsTo(APP_LIST);
        const o = await h.send('list-app', { payload: 1 });
        assertError(o, codes, `${kind} on a read`);
        assert.equal(requestsTo(APP_LIST) - before, count);
        assert.equal(h.statuses('list-app').at(-1)!.fill, 'red');
        assertOk(await h.send('list-app', { payload: 1 }), 'the next message');
      });

      it(`${kind}: a creating POST (OBOX add) fails with ${codes.join(' or ')} on the Catch node, sent once, then recovers`, async () => {
        await h.load([addObox]);
        assertOk(await h.send('obox-add', { payload: { oboxSerialId: 'c0330000e1' } }), 'warm-up');
        sim.faults.malformNext(1, kind, { path: OBOX });
        const serial = 'c0330000e2';
        const o = await h.send('obox-add', { payload: { oboxSerialId: serial } });
        assertError(o, codes, `${kind} on a POST`);
        assert.equal(requestsTo(OBOX, 'POST'), 2, 'not repeated');
        assert.equal(sim.state.oboxes.has(serial), false);
        assertOk(await h.send('obox-add', { payload: { oboxSerialId: serial } }), 'the next message');
        assert.equal(sim.state.oboxes.has(serial), true);
      });
    }
  });

  describe('the vendor\'s clock 15 minutes off', () => {
    for (const offset of [15 * 60_000, -15 * 60_000]) {
      const sign = offset > 0 ? '+' : '-';

      it(`${sign}15 min: SaaS export-TSL succeeds after one resync`, async () => {
        sim.faults.clockOffsetMs = offset;
        await h.load([exportTsl]);
        const o = await h.send('tsl', { payload: 1 });
        assertOk(o, 'export TSL');
        assert.equal((o.msg!.payload as { profile: { productKey: string } }).profile.productKey, 'p11v14');
        // The login carries the timestamp: refused once, corrected from the Date header, sent again.
        assert.equal(requestsTo(SAAS_LOGIN), 2, 'one refused login, one good one');
        assert.equal(requestsTo(TSL), 1);
        assertOk(await h.send('tsl', { payload: 1 }), 'a second export');
        assert.equal(requestsTo(SAAS_LOGIN), 2);
        assert.equal(requestsTo(TSL), 2);
      });

      it(`${sign}15 min: App send-SMS succeeds after one resync`, async () => {
        sim.faults.clockOffsetMs = offset;
        await h.load([sendSms]);
        assertOk(await h.send('sms', { payload: { phone: '13900000055' } }), 'send SMS');
        assert.equal(requestsTo(SMS), 2, 'one refused request, one good one');
        assertOk(await h.send('sms', { payload: { phone: '13900000056' } }), 'a second SMS');
        assert.equal(requestsTo(SMS), 3, 'the clock stays corrected');
        assert.equal(sim.state.smsCodes.size, 2);
      });
    }
  });

  describe('answers that repeat the request in their text', () => {
    /** The encrypted password, its random and the login signature, as sent and percent-encoded. */
    const revealing = (fields: Record<string, unknown>) =>
      [fields.pwd, fields.random, fields.signature].filter((v): v is string => typeof v === 'string').flatMap((v) => [v, encodeURIComponent(v)]);
    /** Everything a flow or its log gets to see. */
    const seen = (o: Outcome) => `${JSON.stringify(o.caughtMsg)} ${JSON.stringify(helper.log().args)}`;

    it('a login refused with its query echoed: the Catch node\'s msg.error holds neither pwd nor random', async () => {
      await h.load([listApp]);
      sim.faults.echoRequestNext(1, { path: '/phonePwdLogin' });
      const o = await h.send('list-app', { payload: 1 });
      assertError(o, [5002], 'login echoed');
      assert.match(o.error!.message, /phonePwdLogin/, 'the echo arrived');
      const login = sim.requests.find((r) => r.path.endsWith('/phonePwdLogin'))!;
      assertFreeOf(seen(o), [...revealing(login.query), ...demoSecrets()], 'what the flow sees');
    });

    it('a registration refused with its body echoed: the Catch node\'s msg.error holds neither pwd nor random', async () => {
      await h.load([register]);
      sim.faults.echoRequestNext(1, { path: REGISTER });
      const o = await h.send('register', { payload: { phone: '13900000078' } });
      assertError(o, [5002], 'register echoed');
      assert.match(o.error!.message, /13900000078/, 'the echo arrived');
      const body = sim.requests.at(-1)!.body as Record<string, unknown>;
      assertFreeOf(seen(o), [...revealing(body), register.pwd], 'what the flow sees');
    });
  });

  it('wrong credentials under a stream of 30 messages: logins back off, every message fails on the Catch node, the status says why', async function () {
    this.timeout(20_000);
    await h.load([listObox], {}, { 'acc-onbright': { clientSecret: 'not-the-secret' } });
    const MESSAGES = 30;
    const GAP = 100;
    const started = Date.now();
    const pending: Promise<Outcome>[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      pending.push(h.send('obox-list', { payload: 1, n: i }));
      await sleep(GAP);
    }
    const outcomes = await Promise.all(pending);
    const seconds = Math.max(1, (Date.now() - started) / 1000);
    assert.equal(h.caught, MESSAGES, 'every message has its error on the Catch node');
    assert.equal(h.outputs, 0);
    for (const o of outcomes) {
      assertError(o, [401, 'LOGIN_BACKOFF'], 'message with wrong credentials');
      // A message refused during the backoff still says what the login failed with.
      assert.match(o.error!.message, /401|invalid|unauthori[sz]ed|bad credentials/i);
    }
    const logins = sim.counters.logins.onbright;
    // A failed login waits 1 s, doubling: at most ceil(log2(T / 1 s)) + 1 logins in T seconds.
    const bound = Math.ceil(Math.log2(seconds)) + 1;
    assert.ok(logins >= 1 && logins <= bound, `${logins} logins in ${seconds.toFixed(1)} s (at most ${bound})`);
    assert.ok(outcomes.some((o) => o.error!.code === 'LOGIN_BACKOFF'), 'later messages meet the backoff');
    const statuses = h.statuses('obox-list');
    assert.ok(statuses.some((s) => s.fill === 'red' && s.shape === 'ring' && /401/.test(s.text ?? '')), 'a red ring with the vendor\'s code');
    const last = statuses.at(-1)!;
    assert.deepEqual([last.fill, last.shape], ['red', 'ring']);
    assert.match(last.text ?? '', /401|LOGIN_BACKOFF/);
  });

  describe('redeploy and shutdown with 100 calls in flight', () => {
    const IN_FLIGHT = 100;
    let slow: Simulator;
    const hs = new FlowHarness(() => slow);

    beforeEach(async () => {
      slow = await startSimulator({ quiet: true });
    });
    afterEach(async () => {
      await helper.unload();
      await slow.close();
    });

    /** Sends 100 messages the simulator holds, and waits until the wire is busy with them. */
    async function fillInFlight(): Promise<void> {
      slow.faults.delayNext(IN_FLIGHT, 60_000, { path: APP_LIST });
      for (let i = 0; i < IN_FLIGHT; i++) hs.fire('list-app', { payload: 1 });
      // The account's connection pool may queue some: wait until the count of held requests settles.
      let last = -1;
      let stableSince = Date.now();
      await waitFor(() => {
        const seen = slow.counters.requests[APP_LIST] ?? 0;
        if (seen !== last) {
          last = seen;
          stableSince = Date.now();
        }
        return seen > 0 && Date.now() - stableSince > 300;
      }, 10_000, 'the calls to reach the simulator');
      assert.ok(last >= IN_FLIGHT / 2, `${last} calls held by the simulator`);
    }

    function countCompletions(): { done: number; errors: unknown[]; stop(): void } {
      const hooks = runtimeHooks();
      const seen = { done: 0, errors: [] as unknown[], stop: () => hooks.remove('onComplete.faults-test') };
      hooks.add('onComplete.faults-test', (event) => {
        if (event.node.id !== 'list-app') return;
        seen.done++;
        if (event.error) seen.errors.push((event.error as { code?: unknown }).code);
      });
      return seen;
    }

    it('a full redeploy: every message ends (done called), no crash, and the new flow works', async () => {
      await hs.load([listApp]);
      assertOk(await hs.send('list-app', { payload: 1 }), 'warm-up');
      const completions = countCompletions();
      try {
        await fillInFlight();
        await hs.redeploy();
        await waitFor(() => completions.done >= IN_FLIGHT, 10_000, 'every message to end');
        // Calls the connection pool still held never reached the simulator: forget their delays.
        slow.reset();
        assert.equal(completions.done, IN_FLIGHT);
        assert.ok(completions.errors.every((c) => c === 'ECANCELED'), `codes: ${[...new Set(completions.errors)].join(', ')}`);
        assert.equal(hs.outputs, 1, 'only the warm-up was sent on');
        assertOk(await hs.send('list-app', { payload: 1 }), 'a message after the redeploy');
      } finally {
        completions.stop();
      }
    });

    it('a shutdown (unload): every message ends (done called) and nothing crashes', async () => {
      await hs.load([listApp]);
      assertOk(await hs.send('list-app', { payload: 1 }), 'warm-up');
      const completions = countCompletions();
      try {
        await fillInFlight();
        await helper.unload();
        await waitFor(() => completions.done >= IN_FLIGHT, 10_000, 'every message to end');
        assert.equal(completions.done, IN_FLIGHT);
        assert.ok(completions.errors.every((c) => c === 'ECANCELED'), `codes: ${[...new Set(completions.errors)].join(', ')}`);
      } finally {
        completions.stop();
      }
    });

    it('the account\'s session timer is cleared on unload: with a 2 s token, no renewal happens afterwards', async function () {
      this.timeout(20_000);
      const short = await startSimulator({ quiet: true, lifetimes: { quectelSaas: 2 } });
      try {
        const hShort = new FlowHarness(() => short);
        await hShort.load([exportTsl]);
        assertOk(await hShort.send('tsl', { payload: 1 }), 'first call (logs in)');
        // While deployed, the session renews the 2 s token ahead of its expiry by itself.
        const loggedIn = short.counters.total;
        await waitFor(() => short.counters.refreshes['quectel-saas'] + short.counters.logins['quectel-saas'] > 1, 5_000, 'a renewal while deployed');
        assert.ok(short.counters.total > loggedIn);
        await helper.unload();
        const after = short.counters.total;
        await sleep(3_000);
        assert.equal(short.counters.total, after, 'nothing sent after unload');
      } finally {
        await short.close();
      }
    });
  });

  describe('NovaStar answer signs', () => {
    const screenList = { id: 'screens', type: 'novastar-screen', account: 'acc-novastar', operation: 'listScreens' };

    it('an empty sign and no timeStamp, as in the vendor\'s examples: the answer goes out with msg.openapi.signVerified null', async () => {
      await h.load([rawNovastar, screenList]);
      sim.faults.novastarAnswerSign = 'empty';
      for (const id of ['nova', 'screens']) {
        const o = await h.send(id, { payload: { deviceId: 0 } });
        assertOk(o, id);
        assert.equal(o.msg!.openapi.signVerified, null, id);
        assert.ok(Array.isArray((o.msg!.payload as { screens: unknown[] }).screens), id);
      }
    });

    it('a sign over the processor\'s own clock, an hour off: signVerified true, with the check on', async () => {
      await h.load([rawNovastar], { novastar: { verifyAnswerSign: true } });
      sim.faults.novastarClockSkewMs = -3_600_000;
      const o = await h.send('nova', { payload: { deviceId: 0 } });
      assertOk(o, 'own clock');
      assert.equal(o.msg!.openapi.signVerified, true);
    });

    it('a wrong sign with the check off (the default): the answer goes out with signVerified false', async () => {
      await h.load([rawNovastar]);
      sim.faults.novastarBadSignNext(1);
      const o = await h.send('nova', { payload: { deviceId: 0 } });
      assertOk(o, 'bad sign');
      assert.equal(o.msg!.openapi.signVerified, false);
      assert.ok(Array.isArray((o.msg!.payload as { screens: unknown[] }).screens));
      assert.equal(h.caught, 0);
    });

    for (const setting of [true, 'true']) {
      it(`a wrong sign with verifyAnswerSign ${JSON.stringify(setting)}: SIGN_MISMATCH on the Catch node, then the node recovers`, async () => {
        await h.load([rawNovastar], { novastar: { verifyAnswerSign: setting } });
        sim.faults.novastarBadSignNext(1);
        const o = await h.send('nova', { payload: { deviceId: 0 } });
        assertError(o, ['SIGN_MISMATCH'], 'bad sign');
        const next = await h.send('nova', { payload: { deviceId: 0 } });
        assertOk(next, 'the next message');
        assert.equal(next.msg!.openapi.signVerified, true);
      });
    }

    it('a body that is not JSON after decryption is BAD_RESPONSE on the Catch node, then the node recovers', async () => {
      await h.load([rawNovastar]);
      sim.faults.novastarBadBodyNext(1);
      const o = await h.send('nova', { payload: { deviceId: 0 } });
      assertError(o, ['BAD_RESPONSE'], 'bad body');
      assertOk(await h.send('nova', { payload: { deviceId: 0 } }), 'the next message');
    });
  });
});
