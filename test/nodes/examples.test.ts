// The example flows (Import ▸ Examples): every one of them imported into the
// same workspace clashes with no other, each is complete on its own, and all of
// them deployed together work against the simulator.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DEMO, type Simulator } from '../../simulator';
import type { Platform } from '../../lib/types';
import { ALL_NODES, RED_PACKAGE, coreNode, helper, useRuntime } from '../support/red';
import { DEMO_CREDENTIALS } from '../support/accounts';

const ROOT = path.resolve(__dirname, '../../..');
const DIR = path.join(ROOT, 'examples');
type FlowNode = Record<string, unknown> & { id: string; type: string; z?: string; wires?: string[][] };

const examples = fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()
  .map((file) => ({ file, nodes: JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as FlowNode[] }));
const ACTION_TYPES = new Set(Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))['node-red'].nodes as object).filter((t) => t !== 'iot-openapi-account'));

function credentialsFor(platform: Platform): Record<string, string> {
  return { ...DEMO_CREDENTIALS[platform] };
}

describe('example flows', () => {
  it('imported all into one workspace: no two nodes share an id, accounts included', () => {
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const { file, nodes } of examples) {
      for (const n of nodes) {
        if (seen.has(n.id)) clashes.push(`${n.id} (${n.type}) in ${seen.get(n.id)} and ${file}`);
        else seen.set(n.id, file);
      }
    }
    assert.deepEqual(clashes, []);
    assert.ok(examples.length >= 10);
  });

  it('each is complete on its own: its accounts, its tab, its wires', () => {
    for (const { file, nodes } of examples) {
      const ids = new Set(nodes.map((n) => n.id));
      const tabs = nodes.filter((n) => n.type === 'tab');
      assert.equal(tabs.length, 1, `${file}: one tab`);
      for (const n of nodes) {
        if (n.type === 'tab' || n.type === 'iot-openapi-account' || n.type === 'tls-config') continue;
        assert.equal(n.z, tabs[0].id, `${file}: ${n.id} is on the example's tab`);
        for (const target of (n.wires ?? []).flat()) assert.ok(ids.has(target), `${file}: ${n.id} is wired to ${target}, which is not in the file`);
        if (ACTION_TYPES.has(n.type)) {
          const account = nodes.find((a) => a.id === n.account);
          assert.equal(account?.type, 'iot-openapi-account', `${file}: ${n.id}'s account ${String(n.account)} is in the file`);
        }
        if (n.type === 'catch' && Array.isArray(n.scope)) for (const target of n.scope) assert.ok(ids.has(target), `${file}: catch scope ${target}`);
      }
    }
  });

  it('every account points at the simulator\'s default address, and every comment that explains one says how to start the simulator', () => {
    for (const { file, nodes } of examples) {
      const accounts = nodes.filter((n) => n.type === 'iot-openapi-account');
      assert.ok(accounts.length > 0, file);
      for (const a of accounts) assert.match(String(a.baseUrl), /^http:\/\/127\.0\.0\.1:8990(\/open\/api)?$/, `${file}: ${a.id}`);
      const about = nodes.find((n) => n.type === 'comment' && /-about$/.test(n.id));
      const info = String(about?.info ?? '');
      assert.match(info, /npx iot-openapi-simulator/, `${file}: how to start the simulator`);
      for (const a of accounts) {
        assert.ok(info.includes(`\`${a.id}\``), `${file}: the comment names ${a.id}`);
        const identity: Record<string, string> = {
          'quectel-app': DEMO.quectelApp.phone, 'quectel-saas': DEMO.quectelSaas.accessKey, onbright: DEMO.onbright.clientId, novastar: DEMO.novastar.pId,
        };
        assert.ok(info.includes(identity[String(a.platform)]), `${file}: the comment gives the ${String(a.platform)} demo credentials`);
      }
    }
  });

  it('says in the first comment\'s title what to set before Deploy, and names each account after its example', () => {
    const names = new Map<string, string>();
    for (const { file, nodes } of examples) {
      const about = nodes.find((n) => n.type === 'comment' && /-about$/.test(n.id));
      assert.equal(nodes.find((n) => n.type === 'comment'), about, `${file}: the note on credentials is the first comment`);
      assert.match(String(about?.name), /before Deploy, open its (\d+ )?accounts? and type the simulator's demo credentials \(in this note\) or your own$/, `${file}: the title says what to set`);
      for (const a of nodes.filter((n) => n.type === 'iot-openapi-account')) {
        const name = String(a.name);
        assert.ok(!names.has(name), `${file}: account name "${name}" is also used in ${names.get(name)}`);
        names.set(name, file);
        if (file !== 'demo-all-platforms.json') assert.match(name, /example\)$/, `${file}: ${a.id} is named after its example`);
      }
    }
  });

  describe(`all of them deployed at once (${RED_PACKAGE})`, function () {
    this.timeout(60_000);
    let sim: Simulator;

    useRuntime((s) => (sim = s), { fixedSmsCode: true, amqp: true });
    after(() => helper.unload());

    it('starts, and every inject ends in a result or a vendor\'s answer on a Catch node, never a transport failure', async () => {
      const flow: FlowNode[] = [];
      const credentials: Record<string, Record<string, string>> = {};
      for (const { nodes } of examples) {
        for (const n of nodes) {
          const copy = { ...n };
          if (copy.type === 'iot-openapi-account') {
            // The same address, on the port this test's simulator listens on.
            copy.baseUrl = String(copy.baseUrl).replace('http://127.0.0.1:8990', sim.url);
            credentials[copy.id] = credentialsFor(copy.platform as Platform);
          }
          // The events nodes: the AMQPS address of this test's simulator.
          if (copy.type === 'quectel-events') copy.url = sim.amqpUrl;
          flow.push(copy);
        }
      }
      // The helper adds the Catch node itself.
      const core = ['common/20-inject.js', 'common/21-debug.js', 'common/90-comment.js', 'function/15-change.js', 'network/05-tls.js'].map(coreNode);
      // The helper loads the Catch node's module once per catch node of the flow it is given, and the
      // second time fails: register the types with a flow of one catch node, then deploy the examples.
      await helper.load([...ALL_NODES, ...core], [{ id: 'types', type: 'tab' }, { id: 'types-catch', type: 'catch', z: 'types', scope: null, wires: [] }]);
      await (helper as unknown as { setFlows(flow: object[], type: string, credentials: object): Promise<void> }).setFlows(flow, 'full', credentials);

      const debugs = flow.filter((n) => n.type === 'debug');
      const received = new Map<string, Record<string, unknown>[]>(debugs.map((d) => [d.id, []]));
      for (const d of debugs) helper.getNode(d.id).on('input', ((m: Record<string, unknown>) => received.get(d.id)!.push(m)) as never);
      let last = Date.now();
      for (const d of debugs) helper.getNode(d.id).on('input', (() => { last = Date.now(); }) as never);

      // The events nodes: once connected, a device goes online and reports, which each of them hears.
      const eventNodes = flow.filter((n) => n.type === 'quectel-events');
      const isConnected = (id: string) => helper.getNode(id).status.getCalls().some((c) => (c.args[0] as { fill?: string }).fill === 'green');
      for (let waited = 0; waited < 10_000 && !eventNodes.every((n) => isConnected(n.id)); waited += 20) await new Promise((r) => setTimeout(r, 20));
      sim.publish({ productKey: 'p11pLZ', deviceKey: 'D0001', type: 'ONLINE', createdAt: Date.now(), ticket: 'example-1', data: { value: 1 } });
      // Nodes on one queue share its messages (each goes to one of them): reports that pass every filter until each node has heard one.
      const eventOutputs = eventNodes.flatMap((n) => (n.wires ?? []).flat());
      for (let i = 2; i < 40 && !eventOutputs.every((id) => received.get(id)?.length); i++) {
        sim.publish({ productKey: 'p11v14', deviceKey: 'SW000001', type: 'MATTR', subtype: 'REPORT', createdAt: Date.now(), ticket: `example-${i}`, data: { packetId: i, kv: { switch: true } } });
        await new Promise((r) => setTimeout(r, 50));
      }

      // One inject at a time, top to bottom, each given time to finish: some examples build on the one before.
      const injects = flow.filter((n) => n.type === 'inject').sort((a, b) => Number(a.y) - Number(b.y));
      for (const inject of injects) {
        const before = Date.now();
        last = before;
        helper.getNode(inject.id).receive({});
        const until = before + 5_000;
        // Done when something arrived and nothing more for 150 ms.
        while (Date.now() < until && !(last > before && Date.now() - last > 150)) await new Promise((r) => setTimeout(r, 20));
      }

      const errorDebugs = new Set(flow.filter((n) => n.type === 'catch').flatMap((c) => (c.wires ?? []).flat()));
      const silent = debugs.filter((d) => !errorDebugs.has(d.id) && received.get(d.id)!.length === 0).map((d) => d.id);
      assert.deepEqual(silent, [], 'every result debug node got a message');
      const caught = [...errorDebugs].flatMap((id) => received.get(id) ?? []).map((m) => m.error as { code: unknown; message: string });
      for (const e of caught) {
        assert.ok(!/^(E[A-Z]+|BAD_RESPONSE|HTTP_\d+|SIGN_MISMATCH|LOGIN_BACKOFF)$/.test(String(e.code)), `a transport or login failure: ${e.message}`);
        assert.match(e.message, new RegExp(`^${String(e.code)}: `), 'msg.error.message starts with the code');
      }
      for (const n of flow.filter((x) => ACTION_TYPES.has(x.type))) {
        const statuses = helper.getNode(n.id).status.getCalls().map((c) => c.args[0] as { fill?: string; text?: string });
        assert.ok(statuses.length > 0, `${n.id} shows a status`);
        assert.ok(statuses.some((s) => s.fill === 'green'), `${n.id} succeeded at least once: ${statuses.map((s) => s.text).join(' | ')}`);
      }
    });

    it('deployed as imported, without credentials: every node says at once that its account has none, and so does each message\'s error', async () => {
      // The types are registered by the test above.
      // New ids: the runtime still holds the credentials of the ones deployed above.
      const example = examples.find((e) => e.file === 'novastar-screen.json')!;
      let text = JSON.stringify(example.nodes);
      for (const n of example.nodes) text = text.split(`"${n.id}"`).join(`"imported-${n.id}"`);
      const nodes = JSON.parse(text) as FlowNode[];
      await (helper as unknown as { setFlows(flow: object[], type: string, credentials: object): Promise<void> }).setFlows(nodes, 'full', {});
      await new Promise((r) => setTimeout(r, 200));
      const actions = nodes.filter((x) => ACTION_TYPES.has(x.type));
      assert.ok(actions.length > 0);
      const account = nodes.find((x) => x.type === 'iot-openapi-account')!;
      const expected = `account '${String(account.name)}' has no credentials: open it`;
      for (const n of actions) {
        const running = helper.getNode(n.id);
        const shown = running.status.getCalls().filter((c) => (c as unknown as { thisValue: unknown }).thisValue === running).map((c) => c.args[0] as { fill?: string; text?: string });
        // Node-RED clears a node's status as it starts: the first status that says something.
        assert.deepEqual(shown.find((x) => x.text), { fill: 'red', shape: 'ring', text: expected }, n.id);
      }
      const node = helper.getNode(actions[0].id);
      const failed = new Promise<unknown>((resolve) => node.on('call:error', (call: { args: unknown[] }) => resolve(call.args[0])));
      node.receive({ payload: 1 });
      assert.ok(String(await failed).startsWith(`INVALID_INPUT: ${expected}`), String(await failed));
    });
  });
});
