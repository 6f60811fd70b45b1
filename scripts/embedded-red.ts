// Node-RED as a user runs it, embedded in a benchmark: no editor, this
// package installed in a fresh user directory (a link to this checkout), the
// flows given on disk. The benchmarks measure through it.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** The parts of the embedded runtime the benchmarks use. */
export interface RedRuntime {
  init(server: http.Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  nodes: { getNode(id: string): unknown };
  events: { once(event: string, fn: () => void): void };
  runtime: { flows: { setFlows(opts: { flows: { flows: object[] }; deploymentType?: string }): Promise<unknown> } };
  version(): string;
}

export interface EmbeddedRed {
  red: RedRuntime;
  userDir: string;
  /** Stops the runtime and removes its user directory. */
  stop(): Promise<void>;
}

/** Starts Node-RED (NODE_RED_PACKAGE, default node-red) with `flows` and their credentials; resolves once they are loaded. */
export async function startEmbeddedRed(name: string, flows: object[] = [], credentials: Record<string, object> = {}, settings: Record<string, unknown> = {}): Promise<EmbeddedRed> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), `iot-openapi-${name}-`));
  const pkgDir = path.join(userDir, 'node_modules', '@iot-openapi');
  fs.mkdirSync(pkgDir, { recursive: true });
  fs.symlinkSync(ROOT, path.join(pkgDir, 'node-red-nodes'), 'dir');
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows));
  fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(credentials));
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: `${name}-user-dir`, version: '0.0.0', private: true }));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const red = require(require.resolve(process.env.NODE_RED_PACKAGE || 'node-red', { paths: [ROOT] })) as RedRuntime;
  const server = http.createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  red.init(server, {
    userDir,
    flowFile: 'flows.json',
    credentialSecret: false,
    uiHost: '127.0.0.1',
    httpAdminRoot: false,
    httpNodeRoot: false,
    disableEditor: true,
    externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
    editorTheme: { projects: { enabled: false } },
    telemetry: { enabled: false },
    logging: { console: { level: 'warn', metrics: false, audit: false } },
    ...settings,
  });
  // The stored flows are loaded after start() resolves; a deploy before then would lose its credentials.
  const loaded = new Promise<void>((resolve) => red.events.once('flows:started', () => resolve()));
  await red.start();
  await loaded;
  return {
    red,
    userDir,
    stop: async () => {
      await red.stop();
      server.close();
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}
