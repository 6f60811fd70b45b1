// Watch mode in the real runtime against the simulator: the node polls its
// read operation and sends the first answer and then only changes, with the
// old answer on msg.previous; a write operation or a short interval is refused.
import assert from 'node:assert/strict';
import type { Simulator } from '../../simulator';
import { RED_PACKAGE, helper, useRuntime } from '../support/red';
import { FlowHarness, sleep } from '../support/harness';

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
});
