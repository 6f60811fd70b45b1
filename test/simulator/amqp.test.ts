// The simulator's AMQPS endpoint, with a bare rhea client: the certificate,
// the login rule, delivery until accepted, and a stop/start that keeps the queues.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { create_container, type Connection, type EventContext } from 'rhea';
import { sha256Hex } from '../../lib/crypto';
import { amqpLogin, parseAmqpUrl } from '../../nodes/amqp-events';
import { checkLogin } from '../../simulator/amqp';
import { startSimulatorProcess } from '../../simulator/process';
import { selfSignedCertificate } from '../../simulator/cert';
import { DEMO, DEMO_QUEUE, startSimulator, type Simulator, type SubscriptionMessage } from '../../simulator';

const { accessKey, accessSecret } = DEMO.quectelSaas;
let n = 0;
const message = (productKey = 'p11pLZ'): SubscriptionMessage => ({
  productKey, deviceKey: 'D0001', type: 'ONLINE', createdAt: Date.now(), ticket: `sim-${++n}`, data: { value: 1 },
});

interface Client {
  conn: Connection;
  bodies: string[];
  error?: { condition?: string };
  opened: Promise<void>;
  closed: Promise<void>;
}

/** A consumer as the vendor's guide has it; `accept` false leaves deliveries unsettled. */
function consume(sim: Simulator, opts: { accept?: boolean; password?: string; idle?: number; queue?: string } = {}): Client {
  const target = parseAmqpUrl(sim.amqpUrl)!;
  const login = amqpLogin(accessKey, accessSecret);
  const conn = create_container().connect({
    transport: 'tls', host: target.host, port: target.port, servername: '', ca: sim.amqpCa, reconnect: false,
    username: login.username, password: opts.password ?? login.password, idle_time_out: opts.idle ?? 30_000,
  } as never);
  const client: Partial<Client> = { conn, bodies: [] };
  client.opened = new Promise((resolve) => conn.once('receiver_open', () => resolve()));
  // A clean close ends with connection_close, a dropped socket with disconnected.
  client.closed = new Promise((resolve) => {
    conn.once('connection_close', () => resolve());
    conn.once('disconnected', () => resolve());
  });
  conn.on('connection_error', (c: EventContext) => (client.error = (c as { error?: { condition?: string } }).error ?? c.connection.error as never));
  conn.on('connection_close', (c: EventContext) => (client.error ??= c.connection.error as never));
  conn.on('error', () => undefined);
  conn.on('connection_open', () => {
    const r = conn.open_receiver({ source: { address: opts.queue ?? DEMO_QUEUE }, autoaccept: false, credit_window: 50 });
    r.on('message', (c: EventContext) => {
      const body = c.message!.body as { content: Buffer };
      client.bodies!.push(body.content.toString('utf8'));
      if (opts.accept !== false) c.delivery!.accept();
    });
    r.on('receiver_close', (c: EventContext) => (client.error ??= c.receiver!.error as never));
  });
  return client as Client;
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('simulator: Quectel SaaS AMQP subscription', () => {
  it('makes a certificate Node parses, for 127.0.0.1 and localhost, that verifies a TLS connection as its CA', async () => {
    const { cert, key } = selfSignedCertificate();
    const x = new X509Certificate(cert);
    assert.equal(x.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(x.checkHost('localhost'), 'localhost');
    assert.ok(x.verify(x.publicKey), 'self-signed');
    assert.ok(new Date(x.validTo).getTime() > Date.now() + 300 * 86_400_000);
    const { createServer } = await import('node:tls');
    const server = createServer({ cert, key }, (s) => s.end('ok')).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    try {
      const text = await new Promise<string>((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port, ca: cert }, () => s.once('data', (d) => resolve(String(d))));
        s.once('error', reject);
      });
      assert.equal(text, 'ok');
      const other = selfSignedCertificate().cert;
      await assert.rejects(new Promise((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port, ca: other }, () => resolve(s.destroy()));
        s.once('error', reject);
      }));
    } finally {
      server.close();
    }
  });

  it('checks the login as the vendor does: fields in any order, timestamp within 10 minutes, sha256(username + secret)', () => {
    const now = Date.now();
    const { username, password } = amqpLogin(accessKey, accessSecret, now);
    assert.equal(checkLogin(username, password, now), accessKey);
    const reordered = `timestamp=${now}&access_key=${accessKey}&sign_method=sha256&auth_mode=accessKey&ver=1`;
    assert.equal(checkLogin(reordered, sha256Hex(reordered + accessSecret), now), accessKey);
    assert.equal(checkLogin(username, password, now + 11 * 60_000), undefined, 'stale');
    assert.equal(checkLogin(username, sha256Hex(username + 'wrong'), now), undefined, 'wrong secret');
    const noVersion = username.replace('ver=1&', '');
    assert.equal(checkLogin(noVersion, sha256Hex(noVersion + accessSecret), now), undefined, 'a field missing');
  });

  describe('endpoint', () => {
    let sim: Simulator;
    before(async () => {
      sim = await startSimulator({ amqp: true });
    });
    after(() => sim.close());
    beforeEach(() => sim.reset());

    it('is amqps on loopback with the vendor\'s virtual host, and refuses a wrong password with a SASL failure', async () => {
      assert.match(sim.amqpUrl, /^amqps:\/\/127\.0\.0\.1:\d+\/quec-open$/);
      const c = consume(sim, { password: sha256Hex('nope') });
      await c.closed;
      assert.equal(c.error?.condition, 'amqp:unauthorized-access');
      assert.equal(sim.amqpCounters.refusedLogins, 1);
    });

    it('wants the idle time-out of the guide (30 to 60 s)', async () => {
      const c = consume(sim, { idle: 0 });
      await c.closed;
      assert.equal(c.error?.condition, 'amqp:invalid-field');
    });

    it('delivers the JSON text as a data section, keeps it until accepted, and delivers it again to the next consumer', async () => {
      const first = consume(sim, { accept: false });
      await first.opened;
      const m = message();
      sim.publish(m);
      sim.publish(message('pOTHER')); // covered too: the demo queue takes every product
      await until(() => first.bodies.length === 2);
      assert.deepEqual(JSON.parse(first.bodies[0]), m);
      assert.deepEqual(sim.queueDepth(DEMO_QUEUE), { ready: 0, unacked: 2 });
      first.conn.close();
      await first.closed;
      assert.deepEqual(sim.queueDepth(DEMO_QUEUE), { ready: 2, unacked: 0 });
      const second = consume(sim);
      await until(() => second.bodies.length === 2);
      assert.deepEqual(JSON.parse(second.bodies[0]), m, 'in the original order');
      await until(() => sim.amqpCounters.accepted === 2);
      assert.equal(sim.amqpCounters.redelivered, 2);
      second.conn.close();
      await second.closed;
    });

    it('keeps the queue through a stop and a start on the same port', async () => {
      const port = sim.amqpUrl;
      await sim.stopAmqp();
      sim.publish(message());
      await sim.startAmqp();
      assert.equal(sim.amqpUrl, port);
      const c = consume(sim);
      await until(() => c.bodies.length === 1);
      c.conn.close();
      await c.closed;
    });

    it('refuses a queue of another AccessKey', async () => {
      sim.addQueue({ queue: 'theirs', accessKey: 'another-key' });
      const c = consume(sim, { queue: 'theirs' });
      await until(() => c.error !== undefined);
      assert.equal(c.error?.condition, 'amqp:unauthorized-access');
      c.conn.close();
    });

    it('drops the oldest messages beyond 10,000 and counts them', () => {
      for (let i = 0; i < 10_005; i++) sim.publish(message());
      assert.equal(sim.queueDepth(DEMO_QUEUE).ready, 10_000);
      assert.equal(sim.amqpCounters.dropped, 5);
    });

    it('as a fault, detaches each receiver link as soon as it is attached, and delivers nothing to it', async () => {
      sim.amqpDetachAfterAttach = true;
      sim.publish(message());
      const c = consume(sim);
      await c.opened;
      await until(() => c.error !== undefined);
      assert.equal(c.error?.condition, 'amqp:resource-limit-exceeded');
      assert.equal(sim.amqpCounters.attached, 1);
      assert.deepEqual(c.bodies, []);
      assert.deepEqual(sim.queueDepth(DEMO_QUEUE), { ready: 1, unacked: 0 });
      c.conn.close();
      sim.reset();
      assert.equal(sim.amqpDetachAfterAttach, false, 'reset clears the fault');
    });
  });

  it('runs in a process of its own: a backlog filled there is read here, and the process ends on close', async () => {
    const broker = await startSimulatorProcess({ maxQueueLength: 20_000 });
    try {
      await broker.fill({ count: 12_000, bytes: 512, ticketPrefix: 'p-' });
      assert.deepEqual(await broker.queueDepth(), { ready: 12_000, unacked: 0 }, 'beyond the default cap of 10,000');
      const target = parseAmqpUrl(broker.amqpUrl)!;
      const login = amqpLogin(accessKey, accessSecret);
      const conn = create_container().connect({
        transport: 'tls', host: target.host, port: target.port, servername: '', ca: broker.amqpCa, reconnect: false,
        username: login.username, password: login.password, idle_time_out: 30_000,
      } as never);
      conn.on('error', () => undefined);
      const bodies: string[] = [];
      conn.on('connection_open', () => {
        const r = conn.open_receiver({ source: { address: DEMO_QUEUE }, autoaccept: false, credit_window: 1 });
        r.on('message', (ctx: EventContext) => {
          bodies.push((ctx.message!.body as { content: Buffer }).content.toString('utf8'));
          ctx.delivery!.accept();
          r.close();
        });
      });
      await until(() => bodies.length === 1);
      const first = JSON.parse(bodies[0]) as SubscriptionMessage;
      assert.equal(first.ticket, 'p-0');
      assert.ok(Buffer.byteLength(bodies[0]) >= 512);
      let accepted = 0;
      for (let i = 0; i < 100 && accepted === 0; i++) {
        accepted = (await broker.amqpCounters()).accepted;
        if (!accepted) await new Promise((r) => setTimeout(r, 20));
      }
      conn.close();
      assert.equal(accepted, 1);
    } finally {
      await broker.close();
    }
    assert.throws(() => process.kill(broker.pid, 0), 'the process has ended');
  });
});
