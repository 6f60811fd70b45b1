// The message subscription node in the real Node-RED runtime against the
// simulator on loopback: rules and queues listed, a rule stopped and started,
// bad ids refused before sending. (That a stopped rule fills its queue with
// nothing is held in test/lib/client.test.ts, against the AMQP endpoint.)
import assert from 'node:assert/strict';
import { DEMO_QUEUE, type Simulator } from '../../simulator';
import { RED_PACKAGE, helper, useRuntime } from '../support/red';
import { FlowHarness } from '../support/harness';

describe(`quectel-subscription in the Node-RED runtime (${RED_PACKAGE})`, function () {
  this.timeout(30_000);
  let sim: Simulator;
  const h = new FlowHarness(() => sim);
  useRuntime((s) => (sim = s));
  before(() => h.load([{ id: 'sub', type: 'quectel-subscription', account: 'acc-quectel-saas', output: 'all' }]));
  after(() => helper.unload());
  beforeEach(() => sim.reset());

  it('lists the rules and queues, stops and starts a rule, and the vendor refuses starting a running one', async () => {
    const rules = await h.send('sub', { payload: { queueName: DEMO_QUEUE } });
    assert.equal(rules.error, undefined, JSON.stringify(rules.error));
    const [rule] = rules.msg?.payload as { subscribeId: number; status: number }[];
    assert.equal(rule.status, 1);
    const queues = await h.send('sub', { operation: 'listQueues', payload: { status: 1 } });
    assert.deepEqual((queues.msg?.payload as { queueName: string }[]).map((q) => q.queueName), [DEMO_QUEUE]);
    const detail = await h.send('sub', { operation: 'queueDetail', payload: { queueId: 6611 } });
    assert.equal((detail.msg?.payload as { queueName: string }).queueName, DEMO_QUEUE);

    const stopped = await h.send('sub', { operation: 'stopSubscription', payload: { subscribeId: rule.subscribeId } });
    assert.equal(stopped.error, undefined, JSON.stringify(stopped.error));
    const now = await h.send('sub', { operation: 'subscriptionDetail', payload: { subscribeId: rule.subscribeId } });
    assert.equal((now.msg?.payload as { status: number }).status, 0);
    assert.equal((await h.send('sub', { operation: 'startSubscription', payload: { subscribeId: rule.subscribeId } })).error, undefined);
    assert.equal((await h.send('sub', { operation: 'startSubscription', payload: { subscribeId: rule.subscribeId } })).error?.code, 16020);

    const before = sim.requests.length;
    assert.equal((await h.send('sub', { operation: 'stopSubscription', payload: { subscribeId: 'all' } })).error?.code, 'INVALID_INPUT');
    assert.equal((await h.send('sub', { operation: 'stopSubscription', payload: {} })).error?.code, 'INVALID_INPUT');
    assert.equal(sim.requests.length, before, 'nothing sent for a bad id');
  });
});
