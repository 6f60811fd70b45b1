// `npm start`'s demo, as a user meets it: Node-RED in its own process with the
// demo flow, the simulator beside it. Pressing the demo's "SW000001 on" button
// switches the simulated device, and the events node hears the device's report
// over the simulator's AMQPS endpoint, verifying its certificate.
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { DEMO_QUEUE } from '../../simulator';
import { startDemo, type Demo, type NodeRedPackage } from '../../scripts/start';
import { waitFor } from '../support/harness';

describe(`the demo's round trip: a button switches a device, its event arrives (${process.env.NODE_RED_PACKAGE || 'node-red'})`, function () {
  this.timeout(90_000);
  let demo: Demo;
  let userDir: string;

  before(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iot-openapi-demo-'));
    fs.rmSync(userDir, { recursive: true });
    demo = await startDemo({ port: 0, simPort: 0, userDir, nodeRed: (process.env.NODE_RED_PACKAGE || 'node-red') as NodeRedPackage });
  });
  after(async () => {
    await demo?.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('the events node connects with the simulator\'s certificate checked, and accepts the report the switch caused', async () => {
    await waitFor(() => demo.sim.amqpCounters.connections > 0, 20_000, 'the events node connects');
    const shadow = demo.sim.state.shadows.get('p11v14/SW000001')!;
    const before = demo.sim.amqpCounters.accepted;
    shadow.values.switch = false;

    const res = await fetch(`${demo.editorUrl}/inject/demo-live-on`, { method: 'POST' });
    assert.equal(res.status, 200);
    await waitFor(() => shadow.values.switch === true, 10_000, 'the device is switched on');
    // The report (and the command's own WRITE message, which the node's MATTR filter also lets through) reach the flow.
    await waitFor(() => demo.sim.amqpCounters.accepted > before, 10_000, 'the events node accepted the device\'s report');
    const depth = () => demo.sim.queueDepth(DEMO_QUEUE);
    await waitFor(() => depth().ready === 0 && depth().unacked === 0, 10_000, 'every message of the queue accepted');
    assert.equal(demo.sim.amqpCounters.refusedLogins, 0);
    assert.doesNotMatch(demo.log(), /self[- ]signed|certificate/i, 'no certificate complaint in Node-RED\'s log');
  });

  it('the App events node logs in over the App WebSocket with the simulator\'s certificate checked, and a device change is pushed to it', async () => {
    await waitFor(() => demo.sim.appWs.connections().loggedIn > 0, 20_000, 'the App events node logs in');
    // Its devices (all of the demo user's) subscribed, a change reaches it.
    await new Promise((r) => setTimeout(r, 1000));
    const before = demo.sim.appWs.counters.delivered;
    demo.sim.setDeviceOnline('p11pLZ', 'D001', true);
    await waitFor(() => demo.sim.appWs.counters.delivered > before, 10_000, 'the device\'s ONLINE message pushed to the App events node');
    assert.equal(demo.sim.appWs.counters.refusedTokens, 0);
    assert.doesNotMatch(demo.log(), /self[- ]signed|certificate/i, 'no certificate complaint in Node-RED\'s log');
  });
});
