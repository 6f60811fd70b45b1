// The real Node-RED runtime (node-red-node-test-helper) with this package's
// nodes, against the simulator. NODE_RED_PACKAGE picks the runtime: `node-red`
// (4.x, Node 20) or `node-red-5` (5.x, Node 22).
import path from 'node:path';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../simulator';
import { DEMO } from '../../simulator';
import { HAND_WRITTEN_TYPES, NODE_SPECS } from '../../nodes/specs';
import type { Platform } from '../../lib/types';

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const helper = require('node-red-node-test-helper') as TestHelper;
export const RED_PACKAGE = process.env.NODE_RED_PACKAGE || 'node-red';
helper.init(require.resolve(RED_PACKAGE));

export interface TestHelper {
  init(runtimePath: string, settings?: object): void;
  load(nodes: unknown[], flow: object[], credentials?: object): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): TestNode;
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  /** The admin server's address, once startServer() has run. */
  url(): string;
  /** supertest against the admin app. */
  request(): { post(path: string): AdminCall };
  settings(s: object): void;
  log(): { args: unknown[][] } & { getCalls(): { args: unknown[] }[] };
  _logSpy: { getCalls(): { args: unknown[] }[] };
}

/** A supertest request against the admin app. */
export interface AdminCall extends PromiseLike<{ status: number; body: Record<string, unknown>; text: string }> {
  set(name: string, value: string): AdminCall;
  send(body: object | string): AdminCall;
}

export interface TestNode {
  id: string;
  receive(msg: object): void;
  on(event: string, fn: (...args: never[]) => void): void;
  once(event: string, fn: (...args: never[]) => void): void;
  status: { getCalls(): { args: unknown[] }[] } & ((...a: unknown[]) => void);
  [key: string]: unknown;
}

const nodesDir = path.resolve(__dirname, '../../nodes');
/** The config node, every action node of the specs, and the input node written by hand. */
export const NODE_TYPES = ['iot-openapi-account', ...NODE_SPECS.map((s) => s.type), ...HAND_WRITTEN_TYPES];
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const ALL_NODES = NODE_TYPES.map((t) => require(path.join(nodesDir, `${t}.js`)));

/** Core nodes of the same runtime, for flows that need them. */
export function coreNode(file: string): unknown {
  const nodes = path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(require.resolve(RED_PACKAGE))] }));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(nodes, 'core', file));
}

export const ACCOUNT_IDS: Record<Platform, string> = {
  'quectel-app': 'acc-quectel-app',
  'quectel-saas': 'acc-quectel-saas',
  onbright: 'acc-onbright',
  novastar: 'acc-novastar',
};

/** The four demo accounts as flow nodes, and their credentials, pointing at the simulator. */
export function accounts(sim: Simulator, overrides: Partial<Record<Platform, Record<string, unknown>>> = {}) {
  const nodes = [
    { id: ACCOUNT_IDS['quectel-app'], type: 'iot-openapi-account', platform: 'quectel-app', baseUrl: sim.url, userDomain: DEMO.quectelApp.userDomain, internationalCode: '86', timeout: 5000, ...overrides['quectel-app'] },
    { id: ACCOUNT_IDS['quectel-saas'], type: 'iot-openapi-account', platform: 'quectel-saas', baseUrl: sim.url, timeout: 5000, ...overrides['quectel-saas'] },
    { id: ACCOUNT_IDS.onbright, type: 'iot-openapi-account', platform: 'onbright', baseUrl: sim.url, timeout: 5000, ...overrides.onbright },
    { id: ACCOUNT_IDS.novastar, type: 'iot-openapi-account', platform: 'novastar', baseUrl: sim.novastarUrl, encrypt: true, timeout: 5000, ...overrides.novastar },
  ];
  const credentials = {
    [ACCOUNT_IDS['quectel-app']]: { phone: DEMO.quectelApp.phone, password: DEMO.quectelApp.password, userDomainSecret: DEMO.quectelApp.userDomainSecret },
    [ACCOUNT_IDS['quectel-saas']]: { ...DEMO.quectelSaas },
    [ACCOUNT_IDS.onbright]: { ...DEMO.onbright },
    [ACCOUNT_IDS.novastar]: { ...DEMO.novastar },
  };
  return { nodes, credentials };
}

/**
 * A flow: the accounts, the node under test wired to a helper node `out`, and
 * a catch node (scope: all) wired to a helper node `caught`.
 */
export function flowWith(sim: Simulator, node: Record<string, unknown>, accountOverrides = {}) {
  const { nodes, credentials } = accounts(sim, accountOverrides);
  // A Catch node only sees errors of nodes on its own tab.
  const flow = [
    { id: 'tab', type: 'tab', label: 'test' },
    ...nodes,
    { id: 'n1', z: 'tab', name: 'under test', wires: [['out']], ...node },
    { id: 'out', z: 'tab', type: 'helper' },
    { id: 'catcher', z: 'tab', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'tab', type: 'helper' },
  ];
  return { flow, credentials };
}

export interface Outcome {
  msg?: Record<string, unknown> & { payload: unknown; openapi: Record<string, unknown> };
  error?: { message: string; code: unknown };
  caughtMsg?: Record<string, unknown>;
}

/** Sends one message into n1 and resolves with what reached `out` or the Catch node. */
export function sendAndWait(msg: object, timeoutMs = 10_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const out = helper.getNode('out');
    const caught = helper.getNode('caught');
    const timer = setTimeout(() => reject(new Error('no answer within the time limit')), timeoutMs);
    out.once('input', ((m: Outcome['msg']) => {
      clearTimeout(timer);
      resolve({ msg: m });
    }) as never);
    caught.once('input', ((m: Record<string, unknown> & { error: Outcome['error'] }) => {
      clearTimeout(timer);
      resolve({ error: m.error, caughtMsg: m });
    }) as never);
    helper.getNode('n1').receive(msg);
  });
}

/**
 * Mocha hooks for a suite of runtime tests: a quiet simulator, handed to
 * `use`, and the runtime's admin server, both started once and stopped after.
 */
export function useRuntime(use: (sim: Simulator) => void, options: SimulatorOptions = {}): void {
  let sim: Simulator | undefined;
  before(async () => {
    sim = await startSimulator({ quiet: true, ...options });
    use(sim);
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    await sim?.close();
  });
}
