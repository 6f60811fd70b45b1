// A flow of several action nodes in the real runtime, each wired to one helper
// node `out`, with a Catch node (scope: all) wired to `caught`. Messages are
// told apart by a tag, so many can be in flight at once.
import type { Simulator } from '../../simulator';
import type { Platform } from '../../lib/types';
import { ALL_NODES, accounts, helper, type TestNode } from './red';

export interface Outcome {
  msg?: Record<string, unknown> & { payload: unknown; openapi: Record<string, unknown> };
  error?: { message: string; code: unknown };
  caughtMsg?: Record<string, unknown>;
  /** Milliseconds from receive() to the outcome. */
  ms: number;
}

export interface StatusCall {
  fill?: string;
  shape?: string;
  text?: string;
}

/** Node-RED's messaging hooks (RED.hooks): `onComplete` runs whenever a node calls done(). */
export interface Hooks {
  add(name: string, fn: (event: { msg: Record<string, unknown>; error?: unknown; node: { id: string } }) => void): void;
  remove(name: string): void;
}

export function runtimeHooks(): Hooks {
  return (helper as unknown as { _RED: { hooks: Hooks } })._RED.hooks;
}

type AccountOverrides = Partial<Record<Platform, Record<string, unknown>>>;

export class FlowHarness {
  outputs = 0;
  caught = 0;
  private waiting = new Map<string, (o: Omit<Outcome, 'ms'>) => void>();
  private seq = 0;
  flow: object[] = [];
  credentials: Record<string, object> = {};

  constructor(private readonly sim: () => Simulator) {}

  /** The flow: accounts, the given nodes (each wired to `out`, on the tab), `out`, a Catch node and `caught`. */
  build(nodes: Record<string, unknown>[], accountOverrides: AccountOverrides = {}, credentialOverrides: Record<string, object> = {}) {
    const { nodes: accountNodes, credentials } = accounts(this.sim(), accountOverrides);
    for (const [id, creds] of Object.entries(credentialOverrides)) credentials[id] = { ...credentials[id], ...creds };
    const flow = [
      { id: 'tab', type: 'tab', label: 'test' },
      ...accountNodes,
      ...nodes.map((n) => ({ z: 'tab', wires: [['out']], ...n })),
      { id: 'out', z: 'tab', type: 'helper' },
      { id: 'catcher', z: 'tab', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'tab', type: 'helper' },
    ];
    return { flow, credentials };
  }

  async load(nodes: Record<string, unknown>[], accountOverrides: AccountOverrides = {}, credentialOverrides: Record<string, object> = {}): Promise<void> {
    const { flow, credentials } = this.build(nodes, accountOverrides, credentialOverrides);
    this.flow = flow;
    this.credentials = credentials;
    this.outputs = 0;
    this.caught = 0;
    await helper.load(ALL_NODES, flow, credentials);
    this.attach();
  }

  /** A full redeploy of the current flow (every node stopped and started again). */
  async redeploy(): Promise<void> {
    await (helper as unknown as { setFlows(flow: object[], type: string, credentials: object): Promise<void> }).setFlows(this.flow, 'full', this.credentials);
    this.attach();
  }

  /** Listens on the current `out` and `caught` nodes (new ones after every load or redeploy). */
  attach(): void {
    helper.getNode('out').on('input', ((m: Record<string, unknown>) => {
      this.outputs++;
      this.settle(m, { msg: m as Outcome['msg'] });
    }) as never);
    helper.getNode('caught').on('input', ((m: Record<string, unknown> & { error: Outcome['error'] }) => {
      this.caught++;
      this.settle(m, { error: m.error, caughtMsg: m });
    }) as never);
  }

  private settle(m: Record<string, unknown>, outcome: Omit<Outcome, 'ms'>): void {
    const tag = m.tag;
    if (typeof tag !== 'string') return;
    const resolve = this.waiting.get(tag);
    if (!resolve) return;
    this.waiting.delete(tag);
    resolve(outcome);
  }

  /** Sends one message into a node; resolves with what reached `out` or the Catch node. */
  send(nodeId: string, msg: Record<string, unknown>, timeoutMs = 15_000): Promise<Outcome> {
    const tag = `t${++this.seq}`;
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(tag);
        reject(new Error(`no outcome for a message to ${nodeId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(tag, (o) => {
        clearTimeout(timer);
        resolve({ ...o, ms: Date.now() - started });
      });
      helper.getNode(nodeId).receive({ ...msg, tag });
    });
  }

  /** Sends without waiting for the outcome. */
  fire(nodeId: string, msg: Record<string, unknown>): void {
    helper.getNode(nodeId).receive({ ...msg, tag: `f${++this.seq}` });
  }

  /** The statuses one node has shown, oldest first. */
  statuses(nodeId: string): StatusCall[] {
    const node = helper.getNode(nodeId);
    return (node.status as unknown as { getCalls(): { thisValue: unknown; args: unknown[] }[] })
      .getCalls()
      .filter((c) => c.thisValue === node)
      .map((c) => c.args[0] as StatusCall);
  }

  node(id: string): TestNode {
    return helper.getNode(id);
  }
}

/** Polls `condition` every 20 ms, failing after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Records unhandled rejections and uncaught exceptions while installed. */
export class CrashWatch {
  readonly seen: unknown[] = [];
  private readonly record = (e: unknown) => {
    this.seen.push(e);
  };

  install(): void {
    process.on('unhandledRejection', this.record);
    process.on('uncaughtException', this.record);
  }

  uninstall(): void {
    process.off('unhandledRejection', this.record);
    process.off('uncaughtException', this.record);
  }

  /** Throws if anything was recorded since the last call. */
  check(): void {
    const seen = this.seen.splice(0);
    if (seen.length) throw new Error(`unhandled: ${seen.map((e) => (e instanceof Error ? e.stack : String(e))).join('\n')}`);
  }
}
