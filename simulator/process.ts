// The simulator in a process of its own, as a user's broker is: the consumer
// under test then shares neither its event loop nor its heap with the
// broker. The parent drives it over the IPC channel: fill a queue with a
// backlog, read its depth and counters, stop and start the AMQPS endpoint.
//   const sim = await startSimulatorProcess({ maxQueueLength: 100_000 });
import { fork, type ChildProcess } from 'node:child_process';
import type { AmqpCounters } from './amqp';

export interface BacklogOptions {
  /** How many messages. */
  count: number;
  /** Size of each message's JSON body, at least (a padding field makes it up); default: as small as it comes. */
  bytes?: number;
  /** Start of each ticket: tickets are `<prefix><index>`. */
  ticketPrefix?: string;
  /** Queue to fill; default the demo queue (every MATTR REPORT of product p11pLZ reaches it). */
  queue?: string;
}

export interface SimulatorProcess {
  readonly pid: number;
  /** The HTTP base URL. */
  readonly url: string;
  readonly amqpUrl: string;
  readonly amqpCa: string;
  /** Queues `count` property reports; resolves once every one is in the queue. */
  fill(opts: BacklogOptions): Promise<void>;
  queueDepth(queue?: string): Promise<{ ready: number; unacked: number }>;
  amqpCounters(): Promise<AmqpCounters>;
  stopAmqp(): Promise<void>;
  startAmqp(): Promise<void>;
  /** Resident memory of the simulator's process, bytes. */
  rss(): Promise<number>;
  /** Ends the process (it closes its servers first). */
  close(): Promise<void>;
}

interface Request {
  id: number;
  op: 'fill' | 'depth' | 'counters' | 'stopAmqp' | 'startAmqp' | 'rss' | 'close';
  args?: unknown;
}

interface Reply {
  id?: number;
  ready?: { url: string; amqpUrl: string; amqpCa: string };
  value?: unknown;
  error?: string;
}

/** Forks dist/simulator/process.js as the simulator; `maxQueueLength` caps each queue (default the simulator's). */
export async function startSimulatorProcess(opts: { maxQueueLength?: number } = {}): Promise<SimulatorProcess> {
  const child: ChildProcess = fork(__filename, ['--child'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, SIM_MAX_QUEUE_LENGTH: opts.maxQueueLength ? String(opts.maxQueueLength) : '' },
  });
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let next = 0;
  let exited = false;
  const ready = new Promise<NonNullable<Reply['ready']>>((resolve, reject) => {
    child.on('message', (reply: Reply) => {
      if (reply.ready) return resolve(reply.ready);
      const pending = reply.id === undefined ? undefined : waiting.get(reply.id);
      if (!pending) return;
      waiting.delete(reply.id!);
      if (reply.error) pending.reject(new Error(reply.error));
      else pending.resolve(reply.value);
    });
    child.once('exit', (code) => {
      exited = true;
      const err = new Error(`the simulator's process ended (${String(code)})`);
      reject(err);
      for (const pending of waiting.values()) pending.reject(err);
      waiting.clear();
    });
  });
  const ask = <T>(op: Request['op'], args?: unknown): Promise<T> => new Promise<T>((resolve, reject) => {
    if (exited) return reject(new Error('the simulator\'s process has ended'));
    const id = ++next;
    waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
    child.send({ id, op, args } satisfies Request);
  });
  const started = await ready;
  return {
    pid: child.pid!,
    ...started,
    fill: (o) => ask('fill', o),
    queueDepth: (queue) => ask('depth', queue),
    amqpCounters: () => ask('counters'),
    stopAmqp: () => ask('stopAmqp'),
    startAmqp: () => ask('startAmqp'),
    rss: () => ask('rss'),
    close: async () => {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await ask('close').catch(() => undefined);
      await gone;
    },
  };
}

/** The child's side: a simulator with AMQPS, answering the parent until told to close (or the parent goes). */
async function runChild(): Promise<void> {
  const { DEMO_QUEUE, startSimulator } = await import('./index');
  const maxQueueLength = Number(process.env.SIM_MAX_QUEUE_LENGTH) || undefined;
  const sim = await startSimulator({ amqp: { maxQueueLength } });
  const reply = (r: Reply): void => {
    process.send?.(r);
  };
  const handlers: Record<Request['op'], (args: unknown) => unknown> = {
    fill: (args) => {
      const o = args as BacklogOptions;
      const now = Date.now();
      const base = { productKey: 'p11pLZ', type: 'MATTR', subtype: 'REPORT', createdAt: now };
      // The shortest message of the lot, without its padding: every one is then at least `bytes` long.
      const bare = JSON.stringify({ ...base, deviceKey: 'D0000', ticket: `${o.ticketPrefix ?? 'b'}0`, data: { packetId: 0, kv: { switch: true, brightness: '0' } }, pad: '' });
      const pad = 'x'.repeat(Math.max(0, (o.bytes ?? 0) - bare.length));
      for (let i = 0; i < o.count; i++) {
        sim.publish({ ...base, deviceKey: `D${String(i % 10).padStart(4, '0')}`, ticket: `${o.ticketPrefix ?? 'b'}${i}`, data: { packetId: i, kv: { switch: true, brightness: String(i % 100) } }, ...(pad ? { pad } : {}) });
      }
      return undefined;
    },
    depth: (queue) => sim.queueDepth(typeof queue === 'string' ? queue : DEMO_QUEUE),
    counters: () => ({ ...sim.amqpCounters }),
    stopAmqp: () => sim.stopAmqp(),
    startAmqp: () => sim.startAmqp(),
    rss: () => process.memoryUsage.rss(),
    close: async () => {
      await sim.close();
      setImmediate(() => process.exit(0));
    },
  };
  process.on('message', (req: Request) => {
    Promise.resolve()
      .then(() => handlers[req.op](req.args))
      .then((value) => reply({ id: req.id, value }), (err: unknown) => reply({ id: req.id, error: err instanceof Error ? err.message : String(err) }));
  });
  // The parent went away without closing: nothing is left running.
  process.on('disconnect', () => {
    sim.close().finally(() => process.exit(0));
  });
  reply({ ready: { url: sim.url, amqpUrl: sim.amqpUrl, amqpCa: sim.amqpCa } });
}

if (require.main === module && process.argv.includes('--child')) {
  runChild().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
