// The Quectel SaaS message subscription: an AMQP 1.0 endpoint over TLS, as
// the vendor's AMQP pages describe it. A client logs in with SASL PLAIN (the
// username `ver=1&auth_mode=accessKey&sign_method=sha256&access_key=…&timestamp=…`
// in any field order, the password sha256hex(username + AccessSecret), the
// timestamp within 10 minutes of the server's clock), opens its connection
// with an idle time-out of 30 to 60 s, and attaches a receiver to the name of
// a queue its AccessKey owns within 15 s. Each queue keeps what its
// subscriptions cover (by product and, optionally, message type) until a
// consumer accepts it: a message delivered and not accepted when its
// consumer goes away is delivered again. The endpoint can be stopped and
// started on the same port, and the queues outlive it, as the vendor keeps
// messages for a consumer that is away.
import type { AddressInfo, Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { create_container, message as amqpMessage, type Connection, type Delivery, type EventContext, type Sender } from 'rhea';
import { sha256Hex } from '../lib/crypto';
import type { SimCore, SubscriptionMessage } from './core';
import { selfSignedCertificate } from './cert';
import { DEMO } from './demo';
import { DEMO_QUEUE } from './state';

export { DEMO_QUEUE };
/** The virtual host of the vendor's URL (amqps://host:5671/quec-open). */
export const AMQP_VHOST = 'quec-open';
/** Per queue, the oldest waiting messages beyond this are dropped (and counted). */
export const MAX_QUEUE_LENGTH = 10_000;
const LOGIN_WINDOW_MS = 10 * 60_000;
const ATTACH_WITHIN_MS = 15_000;

/** The AccessKeys the endpoint knows, with their secrets: the SaaS login's demo account. */
const ACCESS_KEYS: Record<string, string> = { [DEMO.quectelSaas.accessKey]: DEMO.quectelSaas.accessSecret };

export interface QueueSubscription {
  /** The queue's name, as the vendor's console shows it. */
  queue: string;
  /** The AccessKey that owns the queue; only it may consume from it. */
  accessKey: string;
  /** Products whose messages the queue receives; absent: every product. */
  productKeys?: string[];
  /** Message types (ONLINE, MATTR, MEVENT, …) it receives; absent: every type. */
  types?: string[];
}

export interface AmqpCounters {
  /** Transfers sent, first deliveries and redeliveries. */
  delivered: number;
  /** Transfers that were deliveries of a message sent before (after a consumer left without accepting). */
  redelivered: number;
  accepted: number;
  released: number;
  rejected: number;
  modified: number;
  /** Messages dropped from a full queue, oldest first. */
  dropped: number;
  /** SASL logins refused. */
  refusedLogins: number;
  /** Connections that logged in. */
  connections: number;
  /** Receiver links attached to a queue (those detached at once by `detachAfterAttach` too). */
  attached: number;
}

function emptyCounters(): AmqpCounters {
  return { delivered: 0, redelivered: 0, accepted: 0, released: 0, rejected: 0, modified: 0, dropped: 0, refusedLogins: 0, connections: 0, attached: 0 };
}

interface Stored {
  seq: number;
  id: string;
  body: Buffer;
  /** Deliveries so far that ended without an outcome (the AMQP header's delivery-count). */
  failed: number;
  sent: boolean;
}

interface Consumer {
  sender: Sender;
  queue: Queue;
  unacked: Map<Delivery, Stored>;
  gone: boolean;
}

class Queue {
  ready: Stored[] = [];
  head = 0;
  unacked = 0;
  readonly consumers = new Set<Consumer>();
  constructor(readonly sub: QueueSubscription) {}

  get waiting(): number {
    return this.ready.length - this.head;
  }

  covers(m: SubscriptionMessage): boolean {
    return (!this.sub.productKeys || this.sub.productKeys.includes(m.productKey)) && (!this.sub.types || this.sub.types.includes(m.type));
  }

  take(): Stored | undefined {
    if (this.head >= this.ready.length) return undefined;
    const item = this.ready[this.head++];
    if (this.head > 1024 && this.head * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Messages back at the front, in the order they were first queued. */
  putBack(items: Stored[]): void {
    if (items.length === 0) return;
    items.sort((a, b) => a.seq - b.seq);
    this.ready = [...items, ...this.ready.slice(this.head)];
    this.head = 0;
  }

  clear(): void {
    this.ready = [];
    this.head = 0;
  }
}

export interface AmqpEndpoint {
  /** amqps://127.0.0.1:<port>/quec-open */
  readonly url: string;
  readonly port: number;
  /** PEM of the certificate the endpoint presents: what a client trusts as its CA. */
  readonly ca: string;
  readonly counters: AmqpCounters;
  readonly running: boolean;
  /** Stops listening and drops every connection at once, as a crash would; queued and unaccepted messages are kept. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  addQueue(sub: QueueSubscription): void;
  /**
   * A fault: every receiver link is attached and detached straight away
   * (amqp:resource-limit-exceeded), as a broker does at a limit of consumers
   * or when a second client comes with the same container id. reset() clears it.
   */
  detachAfterAttach: boolean;
  /** Queues a body as given (not JSON, say): what the vendor should never send, to test a consumer with. */
  publishRaw(queue: string, body: string): void;
  /** Messages waiting in a queue, and delivered but not yet accepted. */
  depth(queue: string): { ready: number; unacked: number };
  /** Queues back to the demo queue alone, empty; counters zero. */
  reset(): void;
  close(): Promise<void>;
}

/** The name a client attaches to: the plain queue name, or RabbitMQ's `/queue/<name>` and `/amq/queue/<name>` forms. */
function queueName(address: unknown): string {
  const text = typeof address === 'string' ? address : '';
  return text.replace(/^\/(amq\/)?queues?\//, '');
}

/** The AccessKey of a username, when the username is well-formed and the password is right; else undefined. */
export function checkLogin(username: string, password: string, now: number): string | undefined {
  const fields = new URLSearchParams(username);
  const expected: Record<string, RegExp> = { ver: /^1$/, auth_mode: /^accessKey$/, sign_method: /^sha256$/, access_key: /^\S+$/, timestamp: /^\d{1,16}$/ };
  for (const [name, pattern] of Object.entries(expected)) {
    if (fields.getAll(name).length !== 1 || !pattern.test(fields.get(name) ?? '')) return undefined;
  }
  const accessKey = fields.get('access_key') as string;
  const secret = ACCESS_KEYS[accessKey];
  if (!secret) return undefined;
  if (Math.abs(Number(fields.get('timestamp')) - now) > LOGIN_WINDOW_MS) return undefined;
  return password === sha256Hex(username + secret) ? accessKey : undefined;
}

export async function startAmqpEndpoint(sim: SimCore, opts: { port?: number; host?: string; maxQueueLength?: number } = {}): Promise<AmqpEndpoint> {
  let detachAfterAttach = false;
  const host = opts.host ?? '127.0.0.1';
  const maxLength = opts.maxQueueLength ?? MAX_QUEUE_LENGTH;
  const { cert, key } = selfSignedCertificate();
  const queues = new Map<string, Queue>();
  let counters = emptyCounters();
  let seq = 0;
  const owners = new WeakMap<Connection, string>();
  const consumersOf = new Map<Connection, Set<Consumer>>();
  const attachTimers = new Map<Connection, NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  let server: TlsServer | undefined;
  let port = opts.port ?? 0;

  const addQueue = (sub: QueueSubscription): void => {
    const existing = queues.get(sub.queue);
    if (existing) Object.assign(existing.sub, sub);
    else queues.set(sub.queue, new Queue({ ...sub }));
  };
  addQueue({ queue: DEMO_QUEUE, accessKey: DEMO.quectelSaas.accessKey });

  const container = create_container({ id: 'iot-openapi-simulator' });
  container.sasl_server_mechanisms.enable_plain((username: string, password: string) => {
    const ok = checkLogin(username, password, sim.now()) !== undefined;
    if (!ok) counters.refusedLogins++;
    return ok;
  });

  function deliver(consumer: Consumer, item: Stored): void {
    const delivery = consumer.sender.send({
      message_id: item.id,
      content_type: 'application/json',
      durable: true,
      first_acquirer: !item.sent,
      delivery_count: item.failed,
      body: amqpMessage.data_section(item.body),
    });
    counters.delivered++;
    if (item.sent) counters.redelivered++;
    item.sent = true;
    consumer.unacked.set(delivery, item);
    consumer.queue.unacked++;
  }

  function pump(queue: Queue): void {
    let progressed = true;
    while (queue.waiting > 0 && progressed) {
      progressed = false;
      for (const consumer of queue.consumers) {
        if (queue.waiting === 0) break;
        if (consumer.gone || !consumer.sender.sendable()) continue;
        deliver(consumer, queue.take()!);
        // Round robin, as a broker shares a queue among its consumers: this one goes to the back.
        queue.consumers.delete(consumer);
        queue.consumers.add(consumer);
        progressed = true;
      }
    }
  }

  /** A consumer went away: what it held and did not accept goes back to the front of its queue. */
  function drop(consumer: Consumer): void {
    if (consumer.gone) return;
    consumer.gone = true;
    consumer.queue.consumers.delete(consumer);
    const back = [...consumer.unacked.values()];
    for (const item of back) item.failed++;
    consumer.queue.unacked -= back.length;
    consumer.unacked.clear();
    consumer.queue.putBack(back);
    pump(consumer.queue);
  }

  function dropConnection(connection: Connection): void {
    clearTimeout(attachTimers.get(connection));
    attachTimers.delete(connection);
    for (const consumer of consumersOf.get(connection) ?? []) drop(consumer);
    consumersOf.delete(connection);
  }

  function settle(context: EventContext, outcome: 'accepted' | 'released' | 'rejected' | 'modified'): void {
    const delivery = context.delivery!;
    const consumer = [...(consumersOf.get(context.connection) ?? [])].find((c) => c.sender === delivery.link);
    const item = consumer?.unacked.get(delivery);
    if (!consumer || !item) return;
    consumer.unacked.delete(delivery);
    consumer.queue.unacked--;
    counters[outcome]++;
    if (outcome === 'accepted' || outcome === 'rejected') return;
    // Released: not taken, back as it was; modified: back, counted as a failed delivery when the client says so.
    const state = (delivery as unknown as { remote_state?: { value?: { delivery_failed?: boolean } } }).remote_state;
    if (outcome === 'modified' && state?.value?.delivery_failed !== false) item.failed++;
    consumer.queue.putBack([item]);
    pump(consumer.queue);
  }

  container.on('connection_open', (context: EventContext) => {
    const connection = context.connection;
    const username = (connection as unknown as { sasl_transport?: { username?: string } }).sasl_transport?.username ?? '';
    const accessKey = new URLSearchParams(username).get('access_key') ?? '';
    const idle = Number((connection as unknown as { remote?: { open?: { idle_time_out?: number } } }).remote?.open?.idle_time_out ?? 0);
    if (!ACCESS_KEYS[accessKey]) {
      connection.close({ condition: 'amqp:unauthorized-access', description: 'not authenticated' });
      return;
    }
    if (!(idle >= 30_000 && idle <= 60_000)) {
      connection.close({ condition: 'amqp:invalid-field', description: 'idle-time-out must be between 30000 and 60000 ms' });
      return;
    }
    counters.connections++;
    owners.set(connection, accessKey);
    consumersOf.set(connection, new Set());
    attachTimers.set(connection, setTimeout(() => {
      attachTimers.delete(connection);
      if (consumersOf.get(connection)?.size === 0) connection.close({ condition: 'amqp:connection:forced', description: 'no receiver link within 15 s' });
    }, ATTACH_WITHIN_MS));
  });

  container.on('sender_open', (context: EventContext) => {
    const sender = context.sender!;
    const connection = context.connection;
    const name = queueName((sender as unknown as { remote?: { attach?: { source?: { address?: unknown } } } }).remote?.attach?.source?.address);
    const queue = queues.get(name);
    const owner = owners.get(connection);
    if (!queue || !owner) {
      sender.close({ condition: 'amqp:not-found', description: `queue ${name} not found` });
      return;
    }
    if (queue.sub.accessKey !== owner) {
      sender.close({ condition: 'amqp:unauthorized-access', description: `queue ${name} belongs to another AccessKey` });
      return;
    }
    counters.attached++;
    if (detachAfterAttach) {
      // Attached (rhea answered the attach before this event), then detached at once.
      sender.close({ condition: 'amqp:resource-limit-exceeded', description: 'too many consumers' });
      return;
    }
    clearTimeout(attachTimers.get(connection));
    attachTimers.delete(connection);
    const consumer: Consumer = { sender, queue, unacked: new Map(), gone: false };
    queue.consumers.add(consumer);
    consumersOf.get(connection)?.add(consumer);
    (sender as unknown as { consumer?: Consumer }).consumer = consumer;
    pump(queue);
  });

  container.on('sendable', (context: EventContext) => {
    const consumer = (context.sender as unknown as { consumer?: Consumer } | undefined)?.consumer;
    if (consumer && !consumer.gone) pump(consumer.queue);
  });
  container.on('accepted', (context: EventContext) => settle(context, 'accepted'));
  container.on('released', (context: EventContext) => settle(context, 'released'));
  container.on('rejected', (context: EventContext) => settle(context, 'rejected'));
  container.on('modified', (context: EventContext) => settle(context, 'modified'));
  container.on('sender_close', (context: EventContext) => {
    const consumer = (context.sender as unknown as { consumer?: Consumer } | undefined)?.consumer;
    if (consumer) {
      drop(consumer);
      consumersOf.get(context.connection)?.delete(consumer);
    }
  });
  container.on('connection_close', (context: EventContext) => dropConnection(context.connection));
  container.on('disconnected', (context: EventContext) => dropConnection(context.connection));
  // A client that goes away mid-handshake or is refused: nothing to do, and nothing to print.
  container.on('connection_error', () => undefined);
  container.on('error', () => undefined);

  function enqueue(queue: Queue, id: string, body: Buffer): void {
    queue.ready.push({ seq: ++seq, id, body, failed: 0, sent: false });
    while (queue.waiting + queue.unacked > maxLength && queue.waiting > 0) {
      queue.take();
      counters.dropped++;
    }
    pump(queue);
  }

  /** A queue the account's rules fill gets messages only while one of its rules runs; a queue added by a test has no rules. */
  const stopped = (name: string): boolean => {
    const queueIds = sim.state.queues.filter((q) => q.queueName === name).map((q) => q.queueId);
    const rules = sim.state.subscriptions.filter((s) => queueIds.includes(s.queueId));
    return rules.length > 0 && !rules.some((s) => s.status === 1);
  };
  const onMessage = (m: SubscriptionMessage): void => {
    let body: Buffer | undefined;
    for (const [name, queue] of queues) {
      if (queue.covers(m) && !stopped(name)) enqueue(queue, m.ticket, (body ??= Buffer.from(JSON.stringify(m), 'utf8')));
    }
  };
  sim.subscription.on('message', onMessage);

  async function start(): Promise<void> {
    if (server) return;
    const listening = container.listen({ transport: 'tls', key, cert, port, host, require_sasl: true } as never) as unknown as TlsServer;
    listening.on('secureConnection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      if (listening.listening) return resolve();
      listening.once('listening', () => resolve());
      listening.once('error', reject);
    });
    listening.on('error', () => undefined);
    port = (listening.address() as AddressInfo).port;
    server = listening;
  }

  async function stop(): Promise<void> {
    const closing = server;
    server = undefined;
    if (!closing) return;
    const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    for (const connection of [...consumersOf.keys()]) dropConnection(connection);
    await closed;
  }

  await start();

  return {
    get url() {
      return `amqps://${host}:${port}/${AMQP_VHOST}`;
    },
    get port() {
      return port;
    },
    ca: cert,
    get counters() {
      return counters;
    },
    get running() {
      return server !== undefined;
    },
    stop,
    start,
    addQueue,
    get detachAfterAttach() {
      return detachAfterAttach;
    },
    set detachAfterAttach(on: boolean) {
      detachAfterAttach = on;
    },
    publishRaw: (name, body) => {
      const queue = queues.get(name);
      if (!queue) throw new Error(`no queue ${name}`);
      enqueue(queue, `raw-${seq + 1}`, Buffer.from(body, 'utf8'));
    },
    depth: (name) => {
      const queue = queues.get(name);
      return { ready: queue?.waiting ?? 0, unacked: queue?.unacked ?? 0 };
    },
    reset: () => {
      for (const [name, queue] of queues) {
        queue.clear();
        if (name !== DEMO_QUEUE) queues.delete(name);
      }
      addQueue({ queue: DEMO_QUEUE, accessKey: DEMO.quectelSaas.accessKey, productKeys: undefined, types: undefined });
      counters = emptyCounters();
      detachAfterAttach = false;
    },
    close: async () => {
      sim.subscription.off('message', onMessage);
      await stop();
    },
  };
}
