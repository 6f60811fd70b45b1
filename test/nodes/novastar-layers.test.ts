// The NovaStar layer node, and the screen node's playing preset, in the real
// Node-RED runtime against the simulated processor over HTTP on loopback:
// each write is read back through the node, with the processor signing its
// answers over its own time and, as in the vendor's examples, not at all.
import assert from 'node:assert/strict';
import type { NovastarAnswerSign, Simulator } from '../../simulator';
import { RED_PACKAGE, helper, useRuntime } from '../support/red';
import { FlowHarness, type Outcome } from '../support/harness';
import { NODE_SPECS } from '../../nodes/specs';

interface LayerView {
  layerId: number;
  general: { name: string };
  source: { sourceType: number; inputId: number; interfaceType: number; cropId: number };
  window: { x: number; y: number; width: number; height: number };
}

const layers = { id: 'layers', type: 'novastar-layer', account: 'acc-novastar', screenId: '0', screenIdType: 'num' };
const screen = { id: 'screen', type: 'novastar-screen', account: 'acc-novastar' };
/** A window set in the node's settings, not on the message. */
const windowFromSettings = {
  id: 'window', type: 'novastar-layer', account: 'acc-novastar', operation: 'setWindow',
  screenId: '1', screenIdType: 'num', layerId: '3', layerIdType: 'num',
  x: '10', xType: 'num', y: '20', yType: 'num', width: '300', widthType: 'num', height: '200', heightType: 'num',
};
/** A layer added from the node's settings, its name kept as paramName. */
const createFromSettings = {
  id: 'create', type: 'novastar-layer', account: 'acc-novastar', operation: 'createLayer',
  screenId: '1', screenIdType: 'num', paramName: 'Ticker', paramNameType: 'str', sourceType: '1', sourceTypeType: 'num', inputId: '2', inputIdType: 'num',
  x: '0', xType: 'num', y: '980', yType: 'num', width: '1920', widthType: 'num', height: '100', heightType: 'num',
};

function ok(o: Outcome, what: string): NonNullable<Outcome['msg']> {
  assert.equal(o.error, undefined, `${what}: ${JSON.stringify(o.error)}`);
  assert.ok(o.msg, `${what}: no output`);
  return o.msg;
}

describe(`NovaStar layers in the Node-RED runtime (${RED_PACKAGE})`, function () {
  this.timeout(30_000);
  let sim: Simulator;
  const h = new FlowHarness(() => sim);
  useRuntime((s) => (sim = s));
  before(() => h.load([layers, screen, windowFromSettings, createFromSettings]));
  after(() => helper.unload());

  const readLayer = async (screenId: number, layerId: number): Promise<LayerView> =>
    ok(await h.send('layers', { operation: 'readLayer', payload: { screenId, layerId } }), 'readLayer').payload as LayerView;
  const listLayers = async (screenId: number): Promise<LayerView[]> =>
    (ok(await h.send('layers', { payload: { screenId } }), 'listLayers').payload as { screenLayers: LayerView[] }).screenLayers;

  for (const sign of ['own-time', 'empty'] as NovastarAnswerSign[]) {
    describe(`answers signed: ${sign}`, () => {
      beforeEach(() => {
        sim.reset();
        sim.faults.novastarAnswerSign = sign;
      });

      it('lists the layers of the screen in its settings by default', async () => {
        const msg = ok(await h.send('layers', { payload: {} }), 'listLayers');
        assert.equal(msg.openapi.operation, 'novastar.listLayers');
        assert.equal(msg.openapi.signVerified, sign === 'empty' ? null : true);
        const list = (msg.payload as { screenLayers: LayerView[] }).screenLayers;
        assert.deepEqual(list.map((l) => l.layerId), [1, 2]);
      });

      it('switches a layer\'s source, and reading the layer back shows the new input', async () => {
        assert.equal((await readLayer(0, 1)).source.inputId, 0);
        const input = sim.state.inputs.find((i) => i.inputId === 2)!;
        ok(await h.send('layers', { operation: 'switchSource', payload: { layerId: 1, sourceType: 1, inputId: 2, interfaceType: input.interfaceType } }), 'switchSource');
        const layer = await readLayer(0, 1);
        assert.equal(layer.source.sourceType, 1);
        assert.equal(layer.source.inputId, 2);
        assert.equal(layer.source.interfaceType, input.interfaceType);
        ok(await h.send('layers', { operation: 'switchSource', payload: { layerId: 1, sourceType: 0 } }), 'clear the layer');
        assert.equal((await readLayer(0, 1)).source.sourceType, 0);
      });

      it('moves a window, from the message and from the settings, and reading it back shows where it went', async () => {
        ok(await h.send('layers', { operation: 'setWindow', payload: { layerId: 2, x: 2000, y: 100, width: 1280, height: 720 } }), 'setWindow');
        const moved = (await readLayer(0, 2)).window;
        assert.deepEqual([moved.x, moved.y, moved.width, moved.height], [2000, 100, 1280, 720]);
        ok(await h.send('window', { payload: {} }), 'setWindow from settings');
        const set = (await readLayer(1, 3)).window;
        assert.deepEqual([set.x, set.y, set.width, set.height], [10, 20, 300, 200]);
      });

      it('adds a layer and deletes it again, as the list shows', async () => {
        const made = ok(await h.send('layers', {
          operation: 'createLayer',
          payload: { screenId: 1, name: 'PiP', sourceType: 1, inputId: 0, x: 1280, y: 720, width: 640, height: 360 },
        }), 'createLayer').payload as { layerId: number };
        let list = await listLayers(1);
        const added = list.find((l) => l.layerId === made.layerId);
        assert.ok(added, `layer ${made.layerId} in ${JSON.stringify(list)}`);
        assert.equal(added.general.name, 'PiP');
        assert.equal(added.source.inputId, 0);
        assert.deepEqual([added.window.x, added.window.y, added.window.width, added.window.height], [1280, 720, 640, 360]);
        ok(await h.send('layers', { operation: 'deleteLayer', payload: { screenId: 1, layerId: made.layerId } }), 'deleteLayer');
        list = await listLayers(1);
        assert.deepEqual(list.map((l) => l.layerId), [3]);
      });

      it('adds a layer named in the settings (paramName)', async () => {
        const made = ok(await h.send('create', { payload: {} }), 'createLayer from settings').payload as { layerId: number };
        const layer = await readLayer(1, made.layerId);
        assert.equal(layer.general.name, 'Ticker');
        assert.equal(layer.source.inputId, 2);
      });

      it('tells the preset playing, after one is played', async () => {
        const before = ok(await h.send('screen', { operation: 'currentPreset', payload: { screenId: 0 } }), 'currentPreset').payload as { presetId: number };
        assert.equal(before.presetId, -1);
        ok(await h.send('screen', { operation: 'playPreset', payload: { screenId: 0, presetId: 2 } }), 'playPreset');
        const after = ok(await h.send('screen', { operation: 'currentPreset', payload: { screenId: 0 } }), 'currentPreset').payload as { presetId: number };
        assert.equal(after.presetId, 2);
      });

      it('refuses a window out of range before sending, naming the parameter', async () => {
        const cases: [Record<string, unknown>, string][] = [
          [{ layerId: 1, x: 0, y: 0, width: 70_000, height: 100 }, 'width'],
          [{ layerId: 1, x: -1, y: 0, width: 100, height: 100 }, 'x'],
          [{ layerId: 1, x: 0, y: 0, width: 100, height: 0 }, 'height'],
          [{ layerId: 1, x: 0, y: 0, width: 100 }, 'height'],
        ];
        const sent = sim.counters.total;
        for (const [payload, parameter] of cases) {
          const o = await h.send('layers', { operation: 'setWindow', payload });
          assert.equal(o.msg, undefined);
          assert.equal(o.error?.code, 'INVALID_INPUT', JSON.stringify(o.error));
          assert.match(o.error!.message, new RegExp(`\\b${parameter}\\b`), `${o.error!.message} names ${parameter}`);
        }
        assert.equal(sim.counters.total, sent, 'nothing was sent');
        assert.deepEqual(sim.state.layers[0].window, { x: 0, y: 0, width: 1920, height: 2160 });
      });

      it('a window that does not fit the screen, or an id the processor does not have, is refused before the write is sent', async () => {
        const writes = () => sim.requests.filter((r) => /layer\/write|screen\/write|preset\/play/.test(r.path)).length;
        const refused = async (payload: Record<string, unknown>, operation: string, message: RegExp) => {
          const o = await h.send('layers', { operation, payload });
          assert.equal(o.msg, undefined);
          assert.equal(o.error?.code, 'INVALID_INPUT', JSON.stringify(o.error));
          assert.match(o.error!.message, message);
        };
        await refused({ screenId: 1, layerId: 3, x: 1000, y: 0, width: 1920, height: 1080 }, 'setWindow', /width \([^)]*\) does not fit the screen: x \+ width must be at most 1920/);
        await refused({ screenId: 1, layerId: 3, x: 0, y: 100, width: 1920, height: 1080 }, 'setWindow', /height \([^)]*\) does not fit the screen: y \+ height must be at most 1080/);
        await refused({ screenId: 0, layerId: 9, x: 0, y: 0, width: 10, height: 10 }, 'setWindow', /layerId \([^)]*\) is not one the processor has \(it has 1, 2\)/);
        await refused({ screenId: 7, layerId: 1, sourceType: 0 }, 'switchSource', /screenId \([^)]*\) is not one the processor has \(it has 0, 1\)/);
        await refused({ screenId: 0, layerId: 1, sourceType: 1, inputId: 9, interfaceType: 27 }, 'switchSource', /inputId \([^)]*\) is not one the processor has/);
        assert.equal(writes(), 0, 'nothing was written');
        assert.deepEqual(sim.state.layers[2].window, { x: 0, y: 0, width: 1920, height: 1080 });

        // An IPC stream's inputId 255 is not an input of the list, and is sent.
        ok(await h.send('layers', { operation: 'switchSource', payload: { screenId: 0, layerId: 1, sourceType: 255, inputId: 255, interfaceType: 0 } }), 'IPC stream');
        // A layer just added is known at once to the next write.
        const created = ok(await h.send('layers', { operation: 'createLayer', payload: { screenId: 1, sourceType: 0, x: 0, y: 0, width: 100, height: 100 } }), 'createLayer');
        const layerId = (created.payload as { layerId?: number })?.layerId ?? Math.max(...sim.state.layers.map((l) => l.layerId));
        ok(await h.send('layers', { operation: 'setWindow', payload: { screenId: 1, layerId, x: 10, y: 10, width: 100, height: 100 } }), 'move the new layer');
      });
    });
  }
});

describe(`every NovaStar operation through the runtime, in both answer modes (${RED_PACKAGE})`, function () {
  this.timeout(60_000);
  let sim: Simulator;
  useRuntime((s) => (sim = s));
  const h = new FlowHarness(() => sim);
  afterEach(() => helper.unload());

  /** Parameters each operation is sent with: ids of the simulator's screen 0, its layer 1, input 0, preset 1, background 1. */
  const PARAMS: Record<string, Record<string, unknown>> = {
    readScreen: { screenId: 0 },
    setBrightness: { screenId: 0, brightness: 60 },
    fadeToBlack: { screenId: 0, type: 0, time: 0 },
    freeze: { screenId: 0, enable: 0 },
    listPresets: { screenId: 0 },
    playPreset: { screenId: 0, presetId: 1 },
    currentPreset: { screenId: 0 },
    setBackground: { screenId: 0, enable: 1, bkgId: 1 },
    readAudio: { screenId: 0 },
    setVolume: { screenId: 0, volume: 40 },
    readInput: { inputId: 0 },
    listLayers: { screenId: 0 },
    readLayer: { screenId: 0, layerId: 1 },
    switchSource: { screenId: 0, layerId: 1, sourceType: 1, inputId: 2, interfaceType: 28, cropId: 255 },
    setWindow: { screenId: 0, layerId: 1, x: 0, y: 0, width: 960, height: 1080 },
    createLayer: { screenId: 0, name: 'Extra', sourceType: 0, x: 0, y: 0, width: 100, height: 100 },
  };

  for (const mode of ['own-time', 'empty'] as NovastarAnswerSign[]) {
    it(`${mode === 'empty' ? 'empty sign, no timeStamp' : 'signed answers'}: each one succeeds`, async () => {
      sim.reset();
      sim.faults.novastarAnswerSign = mode;
      const nodes = NODE_SPECS.filter((s) => s.category === 'NovaStar').flatMap((spec) =>
        Object.keys(spec.operations).map((operation) => ({ id: `${spec.type}-${operation}`, type: spec.type, account: 'acc-novastar', operation })));
      await h.load(nodes);
      const failed: string[] = [];
      for (const n of nodes) {
        // deleteLayer takes the layer createLayer made: the last one.
        const params = n.operation === 'deleteLayer' ? { screenId: 0, layerId: Math.max(...sim.state.layers.map((l) => l.layerId)) } : PARAMS[n.operation] ?? {};
        const o = await h.send(n.id, { payload: params });
        if (o.error) failed.push(`${n.id}: ${String(o.error.code)} ${o.error.message}`);
      }
      assert.deepEqual(failed, []);
    });
  }
});
