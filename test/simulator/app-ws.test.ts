// The simulator's App WebSocket, with a bare `ws` client: TLS with its own
// certificate, login with an App token, per-device subscribe results, every
// message type in the format page's shape, send with its acknowledgement,
// binding changes, the heartbeat rule and the documented refusals.
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { APP_WS_CODES, APP_WS_TYPES, startSimulator, type Simulator } from '../../simulator';
import { appLogin, send as http } from './helpers';

const LAMP = 'p11pLZ';
type Frame = { cmd: string; data?: unknown };

/** A raw client: every frame it receives, in order, and a way to wait for the next of a command. */
class Raw {
  readonly frames: Frame[] = [];
  private readonly taken = new Set<number>();
  closed?: { code: number; reason: string };
  readonly ws: WebSocket;
  readonly open: Promise<void>;

  constructor(url: string, ca: string | undefined) {
    this.ws = new WebSocket(url, { ca, servername: '' } as WebSocket.ClientOptions);
    this.ws.on('message', (d) => this.frames.push(JSON.parse(String(d)) as Frame));
    this.ws.on('close', (code, reason) => (this.closed = { code, reason: String(reason) }));
    this.ws.on('error', () => undefined);
    this.open = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  cmd(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first frame of `cmd` not taken yet (frames of other commands stay for their own turn). */
  async next(cmd: string, ms = 3000): Promise<Frame> {
    const end = Date.now() + ms;
    for (;;) {
      const i = this.frames.findIndex((f, n) => f.cmd === cmd && !this.taken.has(n));
      if (i >= 0) {
        this.taken.add(i);
        return this.frames[i];
      }
      if (Date.now() > end) throw new Error(`no ${cmd} frame within ${ms} ms (got ${JSON.stringify(this.frames.map((f) => f.cmd))})`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  count(cmd: string): number {
    return this.frames.filter((f) => f.cmd === cmd).length;
  }

  close(): void {
    this.ws.terminate();
  }
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('simulator: Quectel App WebSocket', () => {
  let sim: Simulator;
  const clients: Raw[] = [];
  const client = async (opts: { login?: boolean; url?: string } = {}): Promise<Raw> => {
    const c = new Raw(opts.url ?? sim.appWsUrl, sim.appWsCa);
    clients.push(c);
    await c.open;
    if (opts.login !== false) {
      c.cmd({ cmd: 'login', data: { token: (await appLogin(sim)).accessToken.token } });
      assert.deepEqual((await c.next('login_resp')).data, { code: 1, msg: 'succ' });
    }
    return c;
  };
  const subscribe = async (c: Raw, deviceKey: string, types: readonly string[] = APP_WS_TYPES): Promise<void> => {
    c.cmd({ cmd: 'subscribe', data: [{ productKey: LAMP, deviceKey, messageType: types }] });
    assert.equal((((await c.next('subscribe_resp')).data as Array<{ code: number }>)[0]).code, 1);
  };

  before(async () => {
    sim = await startSimulator({ appWs: true });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    sim.appWs.silenceLimitMs = 130_000;
    sim.reset();
  });
  after(() => sim.close());

  it('listens at wss://127.0.0.1:<port>/ws/v1 with its own certificate, and nowhere else', async () => {
    assert.match(sim.appWsUrl, /^wss:\/\/127\.0\.0\.1:\d+\/ws\/v1$/);
    const untrusted = new WebSocket(sim.appWsUrl);
    await assert.rejects(new Promise((resolve, reject) => {
      untrusted.once('open', resolve);
      untrusted.once('error', reject);
    }), /self.signed|certificate/i);
    const elsewhere = new Raw(sim.appWsUrl.replace('/ws/v1', '/ws/v2'), sim.appWsCa);
    await assert.rejects(elsewhere.open, /400|Unexpected server response/);
    const c = await client({ login: false });
    assert.equal(c.ws.readyState, WebSocket.OPEN);
  });

  it('logs in with an App access token; refuses a refresh token, an unknown or expired one with 4008, a missing one with 4007, a second login with 4009', async () => {
    const pair = await appLogin(sim);
    const c = await client({ login: false });
    c.cmd({ cmd: 'login', data: { token: pair.refreshToken.token } });
    assert.deepEqual((await c.next('login_resp')).data, { code: 4008, msg: 'token validation failed' });
    c.cmd({ cmd: 'login', data: { token: 'Bearer not-a-token' } });
    assert.equal(((await c.next('login_resp')).data as { code: number }).code, 4008);
    c.cmd({ cmd: 'login', data: {} });
    assert.equal(((await c.next('error')).data as { code: number }).code, 4007);
    c.cmd({ cmd: 'login', data: { token: pair.accessToken.token } });
    assert.deepEqual((await c.next('login_resp')).data, { code: 1, msg: 'succ' });
    c.cmd({ cmd: 'login', data: { token: pair.accessToken.token } });
    assert.equal(((await c.next('error')).data as { code: number }).code, 4009);

    sim.faults.expireAllTokens('quectel-app');
    const late = await client({ login: false });
    late.cmd({ cmd: 'login', data: { token: pair.accessToken.token } });
    assert.equal(((await late.next('login_resp')).data as { code: number }).code, 4008);
    assert.ok(sim.appWs.counters.refusedTokens >= 3);
  });

  it('answers malformed frames with the error codes of the format page, echoing the request', async () => {
    const c = await client({ login: false });
    const cases: Array<[unknown, number]> = [
      ['{not json', 4002],
      [{ data: {} }, 4003],
      [{ cmd: 'dance' }, 4004],
      [{ cmd: 'login' }, 4005],
      [{ cmd: 'login', data: 'token' }, 4006],
      [{ cmd: 'subscribe', data: [{ productKey: LAMP, deviceKey: 'D001', messageType: ['ONLINE'] }] }, 4010],
    ];
    for (const [frame, code] of cases) {
      const text = typeof frame === 'string' ? frame : JSON.stringify(frame);
      c.cmd(text);
      const error = (await c.next('error')).data as { code: number; msg: string; reqMsg: string };
      assert.equal(error.code, code, text);
      assert.equal(error.reqMsg, text);
      assert.ok(error.msg.length > 0);
    }
  });

  it('subscribes per device: results in order, 4011 for a device not bound to the user, 4012/4021-4025 for bad items', async () => {
    const c = await client();
    c.cmd({
      cmd: 'subscribe',
      data: [
        { productKey: LAMP, deviceKey: 'D001', messageType: ['ONLINE', 'MATTR-REPORT'] },
        { productKey: LAMP, deviceKey: 'NOT-MINE', messageType: ['ONLINE'] },
        { productKey: LAMP, deviceKey: 'D002', messageType: ['MATTR'] },
        { productKey: '', deviceKey: 'D002', messageType: ['ONLINE'] },
        { productKey: 'p11 pLZ', deviceKey: 'D002', messageType: ['ONLINE'] },
        { productKey: LAMP, deviceKey: '', messageType: ['ONLINE'] },
        { productKey: LAMP, deviceKey: 'D 2', messageType: ['ONLINE'] },
        { productKey: LAMP, deviceKey: 'D002', messageType: [] },
      ],
    });
    const results = (await c.next('subscribe_resp')).data as Array<{ productKey: string; deviceKey: string; code: number; msg: string }>;
    assert.deepEqual(results.map((r) => r.code), [1, 4011, 4012, 4021, 4022, 4023, 4024, 4025]);
    assert.deepEqual(results[1], { productKey: LAMP, deviceKey: 'NOT-MINE', code: APP_WS_CODES.NOT_BOUND, msg: 'device is not bound' });
    assert.equal(results[0].msg, 'succ');

    c.cmd({ cmd: 'unsubscribe', data: [{ productKey: LAMP, deviceKey: 'D001' }, { productKey: LAMP, deviceKey: 'D002' }] });
    assert.deepEqual(((await c.next('unsubscribe_resp')).data as Array<{ code: number }>).map((r) => r.code), [1, 4014]);
    sim.setDeviceOnline(LAMP, 'D001', true);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(c.count('message'), 0, 'nothing after unsubscribing');
  });

  it('pushes each of the eight message types in the format page\'s shape, only as subscribed', async () => {
    const c = await client();
    const onlyOnline = await client();
    await subscribe(c, 'D001');
    await subscribe(onlyOnline, 'D001', ['ONLINE']);

    const online = sim.setDeviceOnline(LAMP, 'D001', true);
    const report = sim.reportProperties(LAMP, 'D001', { brightness: 40 });
    const base = { productKey: LAMP, deviceKey: 'D001', createdAt: Date.now() };
    const pushed = [
      { ...base, type: 'STATUS', ticket: 't-status', data: { packetId: 3, kv: { battery: '20', voltage: '4' } } },
      { ...base, type: 'RAW', subtype: 'UPLINK', ticket: 't-raw', data: { packetId: 4, raw: Buffer.from('a message').toString('base64') } },
      { ...base, type: 'MEVENT', subtype: 'INFO', ticket: 't-info', data: { packetId: 5, code: 'lampFault', kv: { power: '3.5' } } },
      { ...base, type: 'MEVENT', subtype: 'WARN', ticket: 't-warn', data: { packetId: 6, code: 'lampFault', kv: {} } },
      { ...base, type: 'MEVENT', subtype: 'ERROR', ticket: 't-error', data: { packetId: 7, code: 'lampFault', kv: {} } },
      { ...base, type: 'LOCATION', subtype: 'INFO-KV', ticket: 't-loc', data: { packetId: 8, type: 'GP', subType: 'GGA', kv: { lat: 3110.4, lng: 12128.1, latType: 'N', lngType: 'E' } } },
      // Not an App type: never pushed.
      { ...base, type: 'MATTR', subtype: 'WRITE', ticket: 't-write', data: { kv: {} } },
    ];
    for (const m of pushed) sim.publish(m);

    const got: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 8; i++) got.push((await c.next('message')).data as Record<string, unknown>);
    assert.deepEqual(got[0], { ...online });
    assert.deepEqual((got[0].data as { value: number }).value, 1);
    assert.deepEqual(got[1], { ...report });
    assert.equal(got[1].type, 'MATTR');
    assert.equal(got[1].subtype, 'REPORT');
    assert.deepEqual((got[1].data as { kv: unknown }).kv, { brightness: '40' });
    assert.deepEqual(got.slice(2), pushed.slice(0, 6));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(c.count('message'), 8, 'MATTR WRITE is not an App message');
    assert.equal(onlyOnline.count('message'), 1, 'the other connection took ONLINE alone');

  });

  it('a control call through the App HTTP API reaches the channel as MATTR REPORT', async () => {
    const c = await client();
    await subscribe(c, 'D003', ['MATTR-REPORT']);
    const token = (await appLogin(sim)).accessToken.token;
    const answer = await http(sim.url, '/v2/binding/enduserapi/batchControlDevice', {
      method: 'POST', headers: { Authorization: token },
      body: { type: 2, data: '[{"brightness":"55"}]', deviceList: [{ productKey: LAMP, deviceKey: 'D003' }] },
    });
    assert.equal(answer.json.code, 200, answer.text);
    const m = (await c.next('message')).data as { type: string; subtype: string; data: { kv: Record<string, unknown> } };
    assert.equal(m.type, 'MATTR');
    assert.deepEqual(m.data.kv, { brightness: '55' });
  });

  it('sends commands with an acknowledgement that carries msgId; refuses with 4011, 4015, 4026, 4028, 4029, 4030', async () => {
    const c = await client();
    await subscribe(c, 'D003', ['MATTR-REPORT']);
    c.cmd({ cmd: 'send', data: { productKey: LAMP, deviceKey: 'D003', type: 'WRITE-ATTR', msgId: 7, kv: '[{"id":2,"name":"brightness","type":"INT","value":"66"}]' } });
    const ack = (await c.next('send_ack')).data as Record<string, unknown>;
    assert.equal(ack.msgId, 7);
    assert.equal(ack.status, 'succ');
    assert.equal(ack.productKey, LAMP);
    assert.equal(ack.deviceKey, 'D003');
    for (const f of ['ticket', 'createdAt', 'sentAt', 'ackAt']) assert.ok(ack[f], f);
    const report = (await c.next('message')).data as { data: { kv: unknown } };
    assert.deepEqual(report.data.kv, { brightness: '66' });

    c.cmd({ cmd: 'send', data: { productKey: LAMP, deviceKey: 'D003', type: 'RAW', dataFormat: 'Hex', raw: '0a0b' } });
    assert.equal(((await c.next('send_ack')).data as { msgId: number }).msgId, 0, 'no msgId: 0');
    c.cmd({ cmd: 'send', data: { productKey: LAMP, deviceKey: 'D003', type: 'EXE-SERV', msgId: 8, kv: '[{"name":"blink","value":[{"name":"times","value":"3"}]}]' } });
    assert.equal(((await c.next('send_ack')).data as { msgId: number }).msgId, 8);

    const refusals: Array<[Record<string, unknown>, number]> = [
      [{ productKey: LAMP, deviceKey: 'NOT-MINE', type: 'RAW', raw: 'x' }, 4011],
      [{ productKey: LAMP, deviceKey: 'D003', type: 'DANCE' }, 4015],
      [{ productKey: LAMP, deviceKey: 'D003' }, 4026],
      [{ productKey: LAMP, deviceKey: 'D003', type: 'WRITE-ATTR', kv: '[{"name":"brightness","value":"999"}]' }, 4028],
      [{ productKey: LAMP, deviceKey: 'D003', type: 'RAW', raw: 'x', msgId: 'seven' }, 4029],
      [{ productKey: LAMP, deviceKey: 'D001', type: 'WRITE-ATTR', kv: '[{"name":"brightness","value":"9"}]' }, 4030],
    ];
    for (const [data, code] of refusals) {
      const text = JSON.stringify({ cmd: 'send', data });
      c.cmd(text);
      const error = (await c.next('error')).data as { code: number; reqMsg: string };
      assert.equal(error.code, code, text);
      assert.equal(error.reqMsg, text);
    }
  });

  it('a cached RAW command to an offline device is acknowledged when the device takes it', async () => {
    const c = await client();
    c.cmd({ cmd: 'send', data: { productKey: LAMP, deviceKey: 'D001', type: 'RAW', raw: 'hello', isCache: true, cacheTime: 60, msgId: 9 } });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(c.count('send_ack'), 0);
    sim.setDeviceOnline(LAMP, 'D001', true);
    const ack = (await c.next('send_ack')).data as { msgId: number; status: string };
    assert.deepEqual([ack.msgId, ack.status], [9, 'succ']);
  });

  it('pushes binding changes: a new device to the user, an unbound one to its subscribers, whose subscription ends', async () => {
    const c = await client();
    await subscribe(c, 'D002');
    sim.appWs.unbindDevice(LAMP, 'D002');
    const gone = (await c.next('message')).data;
    assert.equal(typeof gone, 'string', 'the format page sends this message\'s data as JSON text');
    const notice = JSON.parse(gone as string) as { type: string; subtype: string; deviceKey: string; data: { value: number; invalidCause: number; endUserId: string } };
    assert.deepEqual([notice.type, notice.subtype, notice.deviceKey, notice.data.value, notice.data.invalidCause], ['ENDUSER', 'USER-BIND', 'D002', 0, 1]);
    sim.setDeviceOnline(LAMP, 'D002', true);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(c.count('message'), 1, 'no message for a device no longer bound');

    sim.appWs.bindDevice(LAMP, 'D002');
    const back = JSON.parse((await c.next('message')).data as string) as { data: { value: number } };
    assert.equal(back.data.value, 1);
    await subscribe(c, 'D002', ['ONLINE']);
  });

  it('drops a connection silent for the limit; a pong every so often keeps one open', async () => {
    sim.appWs.silenceLimitMs = 600;
    const silent = await client();
    const talking = await client();
    const beat = setInterval(() => talking.cmd({ cmd: 'pong' }), 150);
    try {
      await until(() => silent.closed !== undefined, 3000);
      assert.equal(silent.closed?.code, 1001);
      await new Promise((r) => setTimeout(r, 900));
      assert.equal(talking.closed, undefined, 'the client that sent pong is still connected');
      assert.equal(talking.ws.readyState, WebSocket.OPEN);
      assert.equal(sim.appWs.counters.timedOut, 1);
    } finally {
      clearInterval(beat);
    }
  });

  it('a token that lapses while logged in is told 4008 and logged out; a new login on the same connection goes on', async () => {
    const c = await client();
    await subscribe(c, 'D001', ['ONLINE']);
    sim.faults.expireAllTokens('quectel-app');
    const error = (await c.next('error')).data as { code: number };
    assert.equal(error.code, 4008);
    sim.setDeviceOnline(LAMP, 'D001', true);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(c.count('message'), 0, 'nothing for a connection whose token lapsed');
    c.cmd({ cmd: 'login', data: { token: (await appLogin(sim)).accessToken.token } });
    assert.equal(((await c.next('login_resp')).data as { code: number }).code, 1);
    await subscribe(c, 'D001', ['ONLINE']);
    sim.setDeviceOnline(LAMP, 'D001', false);
    assert.equal(((await c.next('message')).data as { data: { value: number } }).data.value, 0);
  });

  it('refuses frames above 64 KB; stops and starts on the same port', async () => {
    const c = await client();
    c.cmd({ cmd: 'pong', pad: 'x'.repeat(70 * 1024) });
    await until(() => c.closed !== undefined);
    assert.equal(c.closed?.code, 1009);

    const url = sim.appWsUrl;
    const d = await client();
    await sim.stopAppWs();
    await until(() => d.closed !== undefined);
    await assert.rejects(new Raw(url, sim.appWsCa).open);
    await sim.startAppWs();
    assert.equal(sim.appWsUrl, url);
    await client();
  });
});
