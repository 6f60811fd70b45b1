// `npm start`: the vendor API simulator and a Node-RED with this package
// installed and the demo flow deployed, its four accounts pointing at the
// simulator with the simulator's demo credentials. Everything it writes goes
// into the user directory (default: the project's ignored `.demo/`), which is
// made afresh on every start. Both servers listen on 127.0.0.1 only.
//
//   PORT=1880 SIM_PORT=8990 npm start          (Ctrl+C stops both)
//   NODE_RED_PACKAGE=node-red-5 npm start      (Node-RED 5; runs under Node 22)
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { DEMO, startSimulator, type Simulator } from '../simulator';

/** The project root: this file runs as dist/scripts/start.js. */
export const ROOT = path.resolve(__dirname, '..', '..');
export const DEMO_FLOW_FILE = path.join(ROOT, 'examples', 'demo-all-platforms.json');
const HOST = '127.0.0.1';
/** Marks a user directory as made by this script, so only such a directory is ever wiped. */
const MARKER = '.iot-openapi-demo';

export const DEMO_ACCOUNTS = {
  'quectel-app': 'acc-quectel-app',
  'quectel-saas': 'acc-quectel-saas',
  onbright: 'acc-onbright',
  novastar: 'acc-novastar',
} as const;

export type NodeRedPackage = 'node-red' | 'node-red-5';

export interface DemoOptions {
  /** Node-RED's port; 0 = a free one. Default 1880. */
  port?: number;
  /** The simulator's port; 0 = a free one. Default 8990. */
  simPort?: number;
  /** Node-RED's user directory, made afresh. Default `<project>/.demo`. */
  userDir?: string;
  /** Which Node-RED runs: the devDependency `node-red` (4.x, default) or `node-red-5`. */
  nodeRed?: NodeRedPackage;
  /** Where Node-RED's output goes besides the in-memory log (e.g. process.stdout). */
  output?: NodeJS.WritableStream;
  /** Default true: the simulator logs nothing; false: one line per request. */
  quiet?: boolean;
  /** Extra Node-RED settings, e.g. `adminAuth` to test the editor's permissions. */
  settings?: Record<string, unknown>;
  /** How long Node-RED may take to answer, ms. Default 60000. */
  startTimeoutMs?: number;
}

export interface Demo {
  /** e.g. http://127.0.0.1:1880 (no trailing slash) */
  editorUrl: string;
  sim: Simulator;
  userDir: string;
  /** Node-RED's process. */
  child: ChildProcess;
  /** Everything Node-RED has written to stdout and stderr so far. */
  log(): string;
  /** Stops Node-RED (SIGINT, then SIGKILL after a while) and the simulator. Safe to call twice. */
  stop(): Promise<void>;
}

export type FlowNode = Record<string, unknown> & { id: string; type: string };

function packageJson(): { name: string } {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string };
}

/** A port nobody listens on right now (loopback). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function checkPort(value: number | undefined, fallback: number, what: string): number {
  const port = value ?? fallback;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${what} must be a port number, got ${String(value)}`);
  return port;
}

/** Empties `dir`, refusing to touch a non-empty directory this script did not make. */
function freshDir(dir: string): void {
  if (fs.existsSync(dir)) {
    const entries = fs.readdirSync(dir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new Error(`${dir} exists and was not made by this script; choose another user directory or remove it`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, MARKER), 'Made by scripts/start.ts; rewritten on every start.\n');
}

/** An events node on the App account, below the other nodes of the demo's first tab, with a debug node and the simulator's certificate. */
function appEventsNodes(flow: FlowNode[], account: string): FlowNode[] {
  const tab = flow.find((n) => n.type === 'tab')?.id;
  const y = Math.max(0, ...flow.filter((n) => n.z === tab && typeof n.y === 'number').map((n) => n.y as number)) + 80;
  return [
    {
      id: 'demo-app-events', type: 'quectel-events', z: tab, name: 'App devices (WebSocket)', account, devices: [],
      types: 'ONLINE,MATTR-REPORT,MEVENT-INFO,MEVENT-WARN,MEVENT-ERROR,RAW-UPLINK', tls: 'demo-app-tls', x: 180, y, wires: [['demo-app-events-out']],
    },
    {
      id: 'demo-app-events-out', type: 'debug', z: tab, name: 'App event arrived', active: true, tosidebar: true, console: false, tostatus: true,
      complete: 'true', targetType: 'full', statusVal: 'topic', statusType: 'msg', x: 440, y, wires: [],
    },
    { id: 'demo-app-tls', type: 'tls-config', name: 'simulator certificate', cert: '', key: '', ca: '', certname: '', keyname: '', caname: '', servername: '', verifyservercert: true, alpnprotocol: '' },
  ] as FlowNode[];
}

/** The demo flow from examples/, or just a tab when the file is missing. */
function readDemoFlow(): FlowNode[] {
  if (!fs.existsSync(DEMO_FLOW_FILE)) {
    return [{ id: 'demo-tab', type: 'tab', label: 'IoT OpenAPI demo', info: `${path.relative(ROOT, DEMO_FLOW_FILE)} was not found.` }];
  }
  const flow = JSON.parse(fs.readFileSync(DEMO_FLOW_FILE, 'utf8')) as unknown;
  if (!Array.isArray(flow)) throw new Error(`${DEMO_FLOW_FILE} is not a flow (an array of nodes)`);
  return flow as FlowNode[];
}

/**
 * The flow to deploy and its credentials: the demo flow with its four account
 * nodes (added where missing) pointing at the simulator.
 */
export function demoFlow(sim: Simulator): { flow: FlowNode[]; credentials: Record<string, Record<string, string>> } {
  const flow = readDemoFlow();
  const settings: Record<string, Record<string, unknown>> = {
    [DEMO_ACCOUNTS['quectel-app']]: { platform: 'quectel-app', name: 'Quectel App (simulator)', baseUrl: sim.url, userDomain: DEMO.quectelApp.userDomain, internationalCode: DEMO.quectelApp.internationalCode },
    [DEMO_ACCOUNTS['quectel-saas']]: { platform: 'quectel-saas', name: 'Quectel SaaS (simulator)', baseUrl: sim.url },
    [DEMO_ACCOUNTS.onbright]: { platform: 'onbright', name: 'On-Bright (simulator)', baseUrl: sim.url },
    [DEMO_ACCOUNTS.novastar]: { platform: 'novastar', name: 'NovaStar (simulator)', baseUrl: sim.novastarUrl, encrypt: sim.novastarEncrypt },
  };
  for (const [id, values] of Object.entries(settings)) {
    const index = flow.findIndex((n) => n.id === id);
    const defaults = { id, type: 'iot-openapi-account', userDomain: '', internationalCode: '86', encrypt: true, timeout: 10000 };
    if (index === -1) {
      flow.push({ ...defaults, ...values } as FlowNode);
    } else {
      const existing = flow[index];
      // Keep the example's name; the connection settings are the simulator's.
      flow[index] = { ...defaults, ...existing, ...values, name: existing.name || values.name, type: 'iot-openapi-account' } as FlowNode;
    }
  }
  // The App account's devices, pushed over the simulator's App WebSocket: every device of the demo user.
  const appAccount = flow.find((n) => n.id === DEMO_ACCOUNTS['quectel-app']);
  if (appAccount && sim.appWsUrl) {
    appAccount.wsUrl = sim.appWsUrl;
    if (!flow.some((n) => n.type === 'quectel-events' && n.account === appAccount.id)) flow.push(...appEventsNodes(flow, appAccount.id));
  }
  // The events nodes listen to the simulator's AMQPS endpoint and App WebSocket, trusting the certificates it made at start-up.
  const appTls = new Set(flow.filter((n) => n.type === 'quectel-events' && n.account === appAccount?.id).map((n) => n.tls));
  for (const n of flow) {
    if (n.type === 'quectel-events' && n.account !== appAccount?.id) n.url = sim.amqpUrl;
    if (n.type === 'tls-config') Object.assign(n, { verifyservercert: true, name: 'simulator certificate (made at start-up)' });
  }
  const tls = Object.fromEntries(flow.filter((n) => n.type === 'tls-config').map((n) => [n.id, { cadata: appTls.has(n.id) ? sim.appWsCa : sim.amqpCa }]));
  const credentials = {
    ...tls,
    [DEMO_ACCOUNTS['quectel-app']]: { phone: DEMO.quectelApp.phone, password: DEMO.quectelApp.password, userDomainSecret: DEMO.quectelApp.userDomainSecret },
    [DEMO_ACCOUNTS['quectel-saas']]: { accessKey: DEMO.quectelSaas.accessKey, accessSecret: DEMO.quectelSaas.accessSecret },
    [DEMO_ACCOUNTS.onbright]: { clientId: DEMO.onbright.clientId, clientSecret: DEMO.onbright.clientSecret, uniqueKey: DEMO.onbright.uniqueKey },
    [DEMO_ACCOUNTS.novastar]: { pId: DEMO.novastar.pId, secretKey: DEMO.novastar.secretKey },
  };
  return { flow, credentials };
}

function settingsFile(port: number, extra: Record<string, unknown> = {}): string {
  const settings = {
    uiHost: HOST,
    uiPort: port,
    flowFile: 'flows.json',
    flowFilePretty: true,
    // Plain-text credentials: this user directory is a throwaway demo holding only the simulator's demo credentials.
    credentialSecret: false,
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: false, ui: false },
    logging: { console: { level: 'info', metrics: false, audit: false } },
    editorTheme: { tours: false, projects: { enabled: false } },
    ...extra,
  };
  return `// Made by scripts/start.ts on every start; edits are lost.\nmodule.exports = ${JSON.stringify(settings, null, 2)};\n`;
}

/** Writes the user directory: settings, flow, credentials, and this package linked into node_modules. */
function writeUserDir(userDir: string, port: number, flow: FlowNode[], credentials: Record<string, Record<string, string>>, settings?: Record<string, unknown>): void {
  freshDir(userDir);
  fs.writeFileSync(path.join(userDir, 'settings.js'), settingsFile(port, settings));
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flow, null, 2) + '\n');
  fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(credentials, null, 2) + '\n');
  const link = path.join(userDir, 'node_modules', ...packageJson().name.split('/'));
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(ROOT, link, 'dir');
}

export function nodeRedCommand(pkg: NodeRedPackage): { node: string; redJs: string } {
  const redJs = path.join(ROOT, 'node_modules', pkg, 'red.js');
  if (!fs.existsSync(redJs)) throw new Error(`${redJs} is missing; run npm ci first`);
  let node = process.execPath;
  if (pkg === 'node-red-5' && Number(process.versions.node.split('.')[0]) < 22) {
    // Node-RED 5 needs Node 22: scripts/node22.sh finds (or installs) one.
    node = execFileSync('bash', [path.join(ROOT, 'scripts', 'node22.sh')], { encoding: 'utf8' }).trim();
  }
  return { node, redJs };
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** Resolves once `url` answers 200; rejects when `failed()` says so or the time is up. */
async function waitForHttp(url: string, timeoutMs: number, failed: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reason = failed();
    if (reason) throw new Error(reason);
    // 401: the editor is up and asks for a login (adminAuth).
    if ([200, 401].includes(await httpStatus(url))) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export interface NodeRedOptions {
  /** Made afresh (only if empty or made by this script). */
  userDir: string;
  /** 0 = a free one. */
  port: number;
  flow: FlowNode[];
  credentials: Record<string, Record<string, string>>;
  nodeRed?: NodeRedPackage;
  output?: NodeJS.WritableStream;
  settings?: Record<string, unknown>;
  /** Default 60000. */
  startTimeoutMs?: number;
  /** Extra environment for Node-RED's process. */
  env?: Record<string, string>;
}

export interface NodeRedProcess {
  /** e.g. http://127.0.0.1:1880 (no trailing slash) */
  url: string;
  child: ChildProcess;
  /** Everything Node-RED has written to stdout and stderr so far. */
  log(): string;
  /** SIGINT, then SIGKILL after 10 s. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * One Node-RED in a child process, with this package linked into a fresh user
 * directory holding the given flow and credentials; resolves once its admin
 * API answers.
 */
export async function startNodeRed(opts: NodeRedOptions): Promise<NodeRedProcess> {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'nodes', 'iot-openapi-account.js'))) {
    throw new Error('dist/nodes is missing; run npm run build first');
  }
  const { node, redJs } = nodeRedCommand(opts.nodeRed ?? 'node-red');
  const port = opts.port === 0 ? await freePort() : opts.port;
  const userDir = path.resolve(opts.userDir);
  writeUserDir(userDir, port, opts.flow, opts.credentials, opts.settings);
  const started = spawn(node, [redJs, '--userDir', userDir, '--port', String(port), '--settings', path.join(userDir, 'settings.js')], {
    cwd: userDir,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const killOnExit = (): void => {
    started.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (started.exitCode === null && started.signalCode === null) {
        const exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
        started.kill('SIGINT');
        const timer = setTimeout(() => started.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      process.off('exit', killOnExit);
    })();
    return stopping;
  };
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    opts.output?.write(chunk);
  };
  started.stdout?.on('data', collect);
  started.stderr?.on('data', collect);
  let spawnError: Error | undefined;
  started.once('error', (err) => {
    spawnError = err;
  });

  const url = `http://${HOST}:${port}`;
  try {
    await waitForHttp(`${url}/settings`, opts.startTimeoutMs ?? 60_000, () => {
      if (spawnError) return `Node-RED did not start: ${spawnError.message}`;
      if (started.exitCode !== null || started.signalCode !== null) {
        // Its output has been shown already when it goes to a stream.
        return `Node-RED exited (${started.exitCode ?? started.signalCode})${opts.output ? '' : `:\n${tail(output)}`}`;
      }
      return undefined;
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, child: started, log: () => output, stop };
}

export async function startDemo(opts: DemoOptions = {}): Promise<Demo> {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'nodes', 'iot-openapi-account.js'))) {
    throw new Error('dist/nodes is missing; run npm run build first');
  }
  const requestedPort = checkPort(opts.port, 1880, 'port');
  const simPort = checkPort(opts.simPort, 8990, 'simPort');
  const userDir = path.resolve(opts.userDir ?? path.join(ROOT, '.demo'));
  // Checked before the simulator starts, so a missing runtime leaves nothing running.
  nodeRedCommand(opts.nodeRed ?? 'node-red');

  let sim: Simulator;
  try {
    // AMQPS on the next port (8991 by default, as the examples expect) and the App WebSocket on the one after, or free ones when the simulator's is.
    sim = await startSimulator({ port: simPort, host: HOST, fixedSmsCode: true, quiet: opts.quiet ?? true, amqp: { port: simPort === 0 ? 0 : simPort + 1 }, appWs: { port: simPort === 0 ? 0 : simPort + 2 } });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new Error(`the simulator's port ${simPort} or one of the next two is in use; set SIM_PORT to another one`);
    throw err;
  }

  try {
    const { flow, credentials } = demoFlow(sim);
    const red = await startNodeRed({
      userDir, port: requestedPort, flow, credentials, nodeRed: opts.nodeRed, output: opts.output, settings: opts.settings, startTimeoutMs: opts.startTimeoutMs,
    });
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= red.stop().then(() => sim.close());
      return stopping;
    };
    return { editorUrl: red.url, sim, userDir, child: red.child, log: red.log, stop };
  } catch (err) {
    await sim.close();
    throw err;
  }
}

function envPort(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be a port number, got ${raw}`);
  return port;
}

async function main(): Promise<void> {
  const nodeRed = (process.env.NODE_RED_PACKAGE || 'node-red') as NodeRedPackage;
  if (nodeRed !== 'node-red' && nodeRed !== 'node-red-5') throw new Error('NODE_RED_PACKAGE must be node-red or node-red-5');
  const demo = await startDemo({
    port: envPort('PORT', 1880),
    simPort: envPort('SIM_PORT', 8990),
    nodeRed,
    output: process.stdout,
    quiet: false,
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping Node-RED and the simulator`);
    demo.stop().then(() => process.exit(0), (err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Node-RED gets a terminal's Ctrl+C itself too, and may be stopped on its own.
  demo.child.once('exit', (code, signal) => {
    if (stopping) return;
    stopping = true;
    const normal = code === 0 || signal === 'SIGINT' || signal === 'SIGTERM';
    if (normal) console.log('Node-RED has stopped; stopping the simulator');
    else console.error(`Node-RED stopped unexpectedly (${code ?? signal})`);
    void demo.sim.close().then(() => process.exit(normal ? 0 : 1));
  });

  console.log([
    '',
    `Node-RED editor:  ${demo.editorUrl}/`,
    `Simulator:        ${demo.sim.url}   (NovaStar: ${demo.sim.novastarUrl}; Quectel SaaS events: ${demo.sim.amqpUrl}; App WebSocket: ${demo.sim.appWsUrl})`,
    `Demo flow:        ${fs.existsSync(DEMO_FLOW_FILE) ? path.relative(ROOT, DEMO_FLOW_FILE) : '(examples/demo-all-platforms.json is missing: accounts only)'}`,
    `Accounts:         ${Object.values(DEMO_ACCOUNTS).join(', ')} (the simulator's demo credentials)`,
    `User directory:   ${path.relative(ROOT, demo.userDir) || demo.userDir} (made afresh on every start)`,
    `Quectel App SMS code in the simulator: ${DEMO.smsCode}`,
    '',
    'Ctrl+C stops both.',
    '',
  ].join('\n'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
