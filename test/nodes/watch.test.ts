// Watch mode in the real runtime against the simulator: the node polls its
// read operation and sends the first answer and then only changes, with the
// old answer on msg.previous; a write operation or a short interval is refused.
import assert from 'node:assert/strict';
import type { Simulator } from '../../simulator';
import { RED_PACKAGE, helper, useRuntime } from '../support/red';
import { FlowHarness, sleep, waitFor } from '../support/harness';

describe(`watch mode (${RED_PACKAGE})`, function () {
  this.timeout(30_000);
  let sim: Simulator;
  useRuntime((s) => (sim = s));
  const h = new FlowHarness(() => sim);
  beforeEach(() => sim.reset());
  afterEach(() => helper.unload());

  const screenReads = () => sim.requests.filter((r) => r.path.endsWith('/screen/readDetail')).length;
  const watcher = (extra: Record<string, unknown>) => ({
    id: 'watch', type: 'novastar-screen', account: 'acc-novastar', operation: 'readScreen', screenId: '0', screenIdType: 'num', watch: true, interval: 2, ...extra,
  });

  it('sends the first answer, nothing while it stays the same, and exactly one message per change', async () => {
    const seen: Record<string, unknown>[] = [];
    await h.load([watcher({})]);
    helper.getNode('out').on('input', ((m: Record<string, unknown>) => seen.push(m)) as never);
    await sleep(4500);
    assert.ok(screenReads() >= 2, `polled ${screenReads()} times`);
    assert.equal(seen.length, 1, 'only the first answer while nothing changed');
    assert.equal((seen[0].payload as { brightness: number }).brightness, 80);
    assert.equal(seen[0].previous, null);
    assert.equal(seen[0].topic, 'readScreen');

    // Someone changes the wall from its front panel.
    sim.state.screens[0].brightness = 42;
    await sleep(4500);
    assert.equal(seen.length, 2, 'one message for the change');
    assert.equal((seen[1].payload as { brightness: number }).brightness, 42);
    assert.equal((seen[1].previous as { brightness: number }).brightness, 80);
  });

  it('watches only a read operation, at an interval of at least 2 seconds, and sends nothing otherwise', async () => {
    await h.load([watcher({ operation: 'setBrightness', brightness: '50', brightnessType: 'num' }), watcher({ id: 'fast', interval: 1 })]);
    await sleep(2500);
    assert.equal(sim.requests.length, 0, 'nothing was sent');
    assert.equal(h.outputs, 0);
    for (const id of ['watch', 'fast']) assert.equal(h.statuses(id).at(-1)?.fill, 'red', id);
  });

  it('stops polling when the flow is stopped', async () => {
    await h.load([watcher({})]);
    await sleep(500);
    await helper.unload();
    const polled = screenReads();
    await sleep(2500);
    assert.equal(screenReads(), polled);
  });

  it('a poll still under way when the flow stops ends quietly: nothing logged, no status after the close', async () => {
    // The processor holds the first answer long enough for the flow to stop meanwhile.
    sim.faults.delayNext(1, 1500, { path: /screen\/readDetail$/ });
    await h.load([watcher({})]);
    await sleep(500);
    assert.equal(h.outputs, 0, 'the answer has not come yet');
    const node = h.node('watch');
    const shown: unknown[] = [];
    const status = node.status;
    node.status = ((...args: unknown[]) => {
      shown.push(args[0]);
      return (status as (...a: unknown[]) => void).apply(node, args);
    }) as typeof node.status;
    const log = (helper as unknown as { _log: { log(m: unknown): void } })._log;
    const stopping = helper.unload();
    // The helper stops watching the log as the flow stops: from here on it is watched here.
    const logged: { level: number; msg: unknown }[] = [];
    const write = log.log;
    log.log = (m: unknown) => {
      logged.push(m as { level: number; msg: unknown });
      write.call(log, m);
    };
    try {
      await stopping;
      await sleep(2000);
    } finally {
      log.log = write;
    }
    const errors = logged.filter((m) => m.level <= 30 && m.level > 0);
    assert.deepEqual(errors.map((m) => String(m.msg)), [], 'no error or warning logged');
    assert.deepEqual(shown, [], 'no status set on the closed node');
  });

  it('a watcher whose account cannot make a client shows a red status saying why', async () => {
    // A timeout of 50 ms is below the least the account takes (100).
    await h.load([watcher({})], { novastar: { timeout: 50 } });
    await waitFor(() => h.statuses('watch').length > 0, 3000, 'a status');
    const last = h.statuses('watch').at(-1)!;
    assert.equal(last.fill, 'red');
    assert.match(String(last.text), /INVALID_INPUT.*timeout/);
    assert.equal(sim.requests.length, 0, 'nothing was sent');
  });
});

