// The simulator answers a third-party client: the request shapes the Home
// Assistant integration for NovaStar sends (as collected from its code), sent
// through the library's raw calls, in both of the simulator's answer modes.
// Each call must succeed, and what it changes must show in the next read.
import assert from 'node:assert/strict';
import { OpenApiClient } from '../../lib/client';
import { startSimulator, type Simulator } from '../../simulator';
import { demoAccount } from '../support/accounts';

type Body = Record<string, unknown>;

describe('simulator: NovaStar as a third-party client drives it', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ quiet: true });
  });
  after(() => sim.close());

  for (const mode of ['own-time', 'empty'] as const) {
    it(`screens, brightness, inputs, layers, sources and presets (${mode === 'empty' ? 'empty sign, no timeStamp' : 'signed answers'})`, async () => {
      sim.reset();
      sim.faults.novastarAnswerSign = mode;
      const client = new OpenApiClient(demoAccount(sim, 'novastar'));
      const post = async (path: string, body: Body): Promise<Body> => {
        const result = await client.request({ method: 'POST', path, body });
        assert.equal(result.meta.code, 0, `${path} status`);
        return (result.data ?? {}) as Body;
      };
      try {
        const deviceId = 0;
        const screens = (await post('screen/readList', { deviceId })).screens as Body[];
        const screenId = screens[0].screenId as number;
        await post('screen/writeBrightness', { screenId, deviceId, brightness: 35 });
        const detail = await post('screen/readDetail', { screenId, deviceId });
        assert.equal(detail.brightness, 35);
        const size = (detail.outputMode as { size: { width: number; height: number } }).size;
        assert.ok(size.width > 0 && size.height > 0, 'the screen size, as width and height');
        await post('screen/ftb', { screenId, deviceId, type: 0, time: 1 });
        assert.equal(((await post('screen/readDetail', { screenId, deviceId })).Ftb as { enable: number }).enable, 1, 'faded to black');

        // A source switch, as the integration builds it from the input list.
        const inputs = (await post('input/readList', { deviceId })).inputs as Body[];
        const input = inputs.find((i) => i.online === 1 && i.inputId !== undefined)!;
        const list = await post('layer/detailList', { screenId, deviceId });
        const layers = (list.screenLayers ?? list.layers) as Body[];
        const layerId = layers[0].layerId as number;
        await post('layer/writeSource', {
          screenId, deviceId, layerId, sourceType: 1, slotId: input.slotId, interfaceType: input.interfaceType, inputId: input.inputId, cropId: 255,
        });
        const layer = await post('layer/readDetail', { deviceId, screenId, layerId });
        assert.equal((layer.source as Body).inputId, input.inputId);
        assert.equal(typeof input.interfaceType, 'number', 'interfaceType is the documented integer code');

        const presets = (await post('preset/readList', { screenId, deviceId })).presets as Body[];
        const presetId = presets[presets.length - 1].presetId as number;
        await post('preset/play', { presetId, screenId, deviceId });
        assert.equal((await post('preset/readPlay', { screenId, deviceId })).presetId, presetId);
      } finally {
        client.close();
      }
    });
  }
});
