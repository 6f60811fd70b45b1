// Several Node-RED instances, one Quectel SaaS account (issue 13), with the
// cluster test harness (redis-server and real Node-RED processes, the
// simulator in this process):
//
//  1. Logins per token lifetime: each lifetime ends with the simulator
//     dropping every token (as the vendor does at expiry), then a burst of
//     calls spread over the instances; the simulator counts the logins. One
//     instance with Redis, two with Redis (the ratio to one should be 1), and
//     two each keeping its own token, for contrast.
//  2. Paced throughput: two instances, the account's rateLimit equal to the
//     simulator's per-account limit, a queue large enough for every call;
//     control calls sent all at once; the rate the simulator saw, as a ratio
//     to the limit, and how many it refused as too frequent.
//
//   node dist/scripts/bench-cluster.js
//   BENCH_CLUSTER_LIFETIMES=10 BENCH_CLUSTER_BURST=200 BENCH_CLUSTER_SECONDS=15 BENCH_WRITE=1
//
// Writes its section of BENCHMARKS.md (between the bench-cluster markers)
// unless BENCH_WRITE=0; skips, saying so, when redis-server is missing.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasRedisServer, startCluster, type CallResult } from '../test/support/cluster';

const ROOT = path.resolve(__dirname, '..', '..');
const FILE = path.join(ROOT, 'BENCHMARKS.md');
const START = '<!-- bench-cluster:start -->';
const END = '<!-- bench-cluster:end -->';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
}

const LIFETIMES = envInt('BENCH_CLUSTER_LIFETIMES', 10);
const BURST = envInt('BENCH_CLUSTER_BURST', 200);
const SECONDS = envInt('BENCH_CLUSTER_SECONDS', 15);
const LIMITS = [20, 100];
const TSL = { productKey: 'p11v14', language: 'EN' };

function failures(results: CallResult[]): number {
  return results.filter((r) => !r.ok).length;
}

interface LoginRow {
  setup: string;
  instances: number;
  logins: number[];
  errors: number;
}

async function loginsPerLifetime(instances: number, tokenStore: 'redis' | 'local'): Promise<LoginRow> {
  const cluster = await startCluster({ instances, account: { tokenStore, timeout: 10_000 } });
  try {
    const { sim } = cluster;
    const logins: number[] = [];
    let errors = 0;
    // The first lifetime starts cold: no instance has a token yet.
    for (let i = 0; i < LIFETIMES; i++) {
      if (i > 0) sim.faults.expireAllTokens('quectel-saas');
      const before = sim.counters.logins['quectel-saas'];
      errors += failures(await cluster.burst(BURST, 'tsl', () => TSL));
      logins.push(sim.counters.logins['quectel-saas'] - before);
    }
    return { setup: `${instances} instance${instances > 1 ? 's' : ''}, ${tokenStore === 'redis' ? 'Redis' : 'own token each'}`, instances, logins, errors };
  } finally {
    await cluster.stop();
  }
}

interface PaceRow {
  limit: number;
  calls: number;
  seconds: number;
  rate: number;
  refused: number;
  errors: number;
}

async function paced(limit: number): Promise<PaceRow> {
  const calls = limit * SECONDS;
  const cluster = await startCluster({
    account: { rateLimit: limit, rateQueue: calls + 100, timeout: (SECONDS + 30) * 1000 },
    simulator: { rateLimit: { perSecond: limit } },
  });
  try {
    const { sim } = cluster;
    // The token and each instance's thing model first, so only the control calls are timed.
    await cluster.burst(2, 'control', () => ({ deviceKey: 'SW000001', data: { brightness: 1 } }));
    await new Promise((r) => setTimeout(r, 1500));
    const since = Date.now();
    const results = await cluster.burst(calls, 'control', (i) => ({ deviceKey: 'SW000001', data: { brightness: i % 101 } }));
    return {
      limit,
      calls,
      seconds: (Date.now() - since) / 1000,
      rate: sim.achievedRate('quectel-saas', { since }),
      refused: sim.counters.rateLimited['quectel-saas'],
      errors: failures(results),
    };
  } finally {
    await cluster.stop();
  }
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<void> {
  if (!hasRedisServer()) {
    console.log('bench-cluster: skipped, redis-server is not installed (apt-get install redis-server)');
    return;
  }
  const nodeRed = process.env.NODE_RED_PACKAGE || 'node-red';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const redVersion = (require(path.join(ROOT, 'node_modules', nodeRed, 'package.json')) as { version: string }).version;
  const cpus = os.cpus();
  const env = `Node ${process.version}, Node-RED ${redVersion}, ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? '?'}), ${os.type()} ${os.release()}`;
  console.log(`bench-cluster: ${env}`);

  const rows: LoginRow[] = [];
  for (const [n, store] of [[1, 'redis'], [2, 'redis'], [2, 'local']] as const) {
    const row = await loginsPerLifetime(n, store);
    console.log(`  logins per lifetime, ${row.setup}: ${row.logins.join(' ')} (errors ${row.errors})`);
    rows.push(row);
  }
  const one = mean(rows[0].logins);
  const paces: PaceRow[] = [];
  for (const limit of LIMITS) {
    const row = await paced(limit);
    console.log(`  paced at ${limit}/s: ${row.rate.toFixed(2)}/s over ${row.calls} calls in ${row.seconds.toFixed(1)} s, refused ${row.refused}, errors ${row.errors}`);
    paces.push(row);
  }

  const lines = [
    `Run of ${new Date().toISOString()}: ${env}; redis-server ${redisVersion()}.`,
    '',
    `Logins per token lifetime: ${LIFETIMES} lifetimes, each a burst of ${BURST} export-TSL calls spread evenly over the instances (the first cold, each next one after the simulator dropped every token).`,
    '',
    '| setup | logins per lifetime (mean) | each lifetime | ratio to 1 instance | failed calls |',
    '|:--|--:|:--|--:|--:|',
    ...rows.map((r) => `| ${r.setup} | ${mean(r.logins).toFixed(2)} | ${r.logins.join(' ')} | ${(mean(r.logins) / one).toFixed(2)} | ${r.errors} |`),
    '',
    `Paced throughput: two instances, rateLimit = the simulator's per-account limit, ${SECONDS} s worth of control calls (writeProperties, SW000001) sent at once.`,
    '',
    '| limit /s | calls | seconds | achieved /s at the simulator | ratio to the limit | refused as too frequent | failed calls |',
    '|--:|--:|--:|--:|--:|--:|--:|',
    ...paces.map((p) => `| ${p.limit} | ${p.calls} | ${p.seconds.toFixed(1)} | ${p.rate.toFixed(2)} | ${(p.rate / p.limit).toFixed(3)} | ${p.refused} | ${p.errors} |`),
  ];
  console.log(lines.join('\n'));
  if (process.env.BENCH_WRITE !== '0') writeSection(lines.join('\n'));
}

function redisVersion(): string {
  const text = execFileSync('redis-server', ['--version'], { encoding: 'utf8' });
  return /v=(\S+)/.exec(text)?.[1] ?? text.trim();
}

function writeSection(body: string): void {
  const text = fs.readFileSync(FILE, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) {
    console.log(`bench-cluster: ${path.basename(FILE)} has no ${START} … ${END} section; not written`);
    return;
  }
  fs.writeFileSync(FILE, text.slice(0, start + START.length) + '\n' + body + '\n' + text.slice(end));
  console.log(`bench-cluster: results written to ${path.basename(FILE)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
