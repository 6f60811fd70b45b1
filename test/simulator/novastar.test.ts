import assert from 'node:assert/strict';
import { desEncrypt, novastarSign } from '../../lib/crypto';
import { DEMO, startSimulator, type Simulator } from '../../simulator';
import { novastar, novastarEnvelope, send } from './helpers';

describe('simulator: NovaStar', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator();
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const raw = (action: string, envelope: unknown) => send(sim.novastarUrl, `/${action}`, { method: 'POST', body: envelope });

  for (const encrypt of [true, false]) {
    describe(`encryption ${encrypt ? 'on' : 'off'}`, () => {
      beforeEach(() => {
        sim.novastarEncrypt = encrypt;
      });

      it('answers {status 0, msg, sign, body, timeStamp}, signed over its own timeStamp', async () => {
        const r = await novastar(sim, 'device/readDetail', { deviceId: 0 });
        assert.deepEqual(Object.keys(r.reply.json), ['status', 'msg', 'sign', 'body', 'timeStamp']);
        assert.equal(r.status, 0);
        assert.equal(r.signOk, true);
        assert.equal(typeof r.reply.json.body, encrypt ? 'string' : 'object');
        assert.equal((r.body as { name: string }).name, 'H5');
      });

      it('lists screens, presets and inputs', async () => {
        assert.equal(((await novastar(sim, 'screen/readList', { deviceId: 0 })).body as { screens: unknown[] }).screens.length, 2);
        assert.equal(((await novastar(sim, 'preset/readList', { deviceId: 0, screenId: 0 })).body as { presets: unknown[] }).presets.length, 2);
        assert.equal(((await novastar(sim, 'preset/readList', { deviceId: 0, screenId: 1 })).body as { presets: unknown[] }).presets.length, 1);
        const inputs = ((await novastar(sim, 'input/readList', { deviceId: 0 })).body as { inputs: { interfaceType: unknown; general: { name: string } }[] }).inputs;
        assert.equal(inputs.length, 4);
        assert.equal(typeof inputs[0].interfaceType, 'number');
        assert.equal(inputs[0].general.name, 'input 1-1');
        assert.equal(((await novastar(sim, 'bkg/readAllList', { deviceId: 0 })).body as unknown[]).length, 2);
        assert.equal(((await novastar(sim, 'output/readList', { deviceId: 0 })).body as { outputs: unknown[] }).outputs.length, 2);
        assert.equal(((await novastar(sim, 'input/readDetail', { deviceId: 0, inputId: 2 })).body as { inputId: number }).inputId, 2);
      });

      it('writes brightness, FTB and freeze, seen by screen/readDetail', async () => {
        assert.equal((await novastar(sim, 'screen/writeBrightness', { deviceId: 0, screenId: 1, brightness: 42 })).status, 0);
        assert.equal((await novastar(sim, 'screen/ftb', { deviceId: 0, screenId: 1, type: 0, time: 2 })).status, 0);
        assert.equal((await novastar(sim, 'screen/writeFreeze', { deviceId: 0, screenId: 1, enable: 1 })).status, 0);
        const detail = (await novastar(sim, 'screen/readDetail', { deviceId: 0, screenId: 1 })).body as Record<string, unknown>;
        assert.equal(detail.brightness, 42);
        assert.deepEqual(detail.Ftb, { enable: 1 });
        assert.deepEqual(detail.Freeze, { enable: 1 });
        assert.deepEqual(detail.outputMode, { size: { width: 1920, height: 1080 } });
      });

      it('switches a layer\'s source, moves its window, creates and deletes layers, seen by the layer reads', async () => {
        assert.equal((await novastar(sim, 'layer/writeSource', { deviceId: 0, screenId: 0, layerId: 1, sourceType: 1, inputId: 2, interfaceType: 28, cropId: 255 })).status, 0);
        assert.equal((await novastar(sim, 'layer/writeWindow', { deviceId: 0, screenId: 0, layerId: 1, window: { x: 10, y: 20, width: 640, height: 360 } })).status, 0);
        const layer = (await novastar(sim, 'layer/readDetail', { deviceId: 0, screenId: 0, layerId: 1 })).body as { source: Record<string, unknown>; window: Record<string, unknown> };
        assert.equal(layer.source.inputId, 2);
        assert.deepEqual(layer.window, { x: 10, y: 20, width: 640, height: 360, lockRatio: 0 });
        const made = (await novastar(sim, 'layer/create', { deviceId: 0, screenId: 1, general: { name: 'PiP' }, source: { sourceType: 1, inputId: 0 }, window: { x: 0, y: 0, width: 100, height: 100 } })).body as { layerId: number };
        let list = (await novastar(sim, 'layer/detailList', { deviceId: 0, screenId: 1 })).body as { screenLayers: { layerId: number; general: { name: string } }[] };
        assert.deepEqual(list.screenLayers.map((l) => l.general.name), ['Full', 'PiP']);
        assert.equal((await novastar(sim, 'layer/delete', { deviceId: 0, screenId: 1, layerId: made.layerId })).status, 0);
        list = (await novastar(sim, 'layer/detailList', { deviceId: 0, screenId: 1 })).body as typeof list;
        assert.deepEqual(list.screenLayers.map((l) => l.layerId), [3]);
      });

      it('refuses a window past the screen\'s edge, a wrong interfaceType and an IPC source with an inputId', async () => {
        assert.equal((await novastar(sim, 'layer/writeWindow', { deviceId: 0, screenId: 1, layerId: 3, window: { x: 1000, y: 0, width: 1000, height: 100 } })).status, 5);
        assert.equal((await novastar(sim, 'layer/writeSource', { deviceId: 0, screenId: 0, layerId: 1, sourceType: 1, inputId: 2, interfaceType: 27 })).status, 5);
        assert.equal((await novastar(sim, 'layer/writeSource', { deviceId: 0, screenId: 0, layerId: 1, sourceType: 255, inputId: 2 })).status, 5);
        assert.equal((await novastar(sim, 'layer/readDetail', { deviceId: 0, screenId: 0, layerId: 3 })).status, 6);
        assert.deepEqual(sim.state.layers[2].window, { x: 0, y: 0, width: 1920, height: 1080 });
      });

      it('takes IPC sourceType 3 only from firmware V1.9.9.0', async () => {
        assert.equal((await novastar(sim, 'layer/writeSource', { deviceId: 0, screenId: 0, layerId: 1, sourceType: 3, inputId: 255 })).status, 0);
        sim.state.novastarDevice.protoVersion = 'V1.9.7.1';
        assert.equal((await novastar(sim, 'layer/writeSource', { deviceId: 0, screenId: 0, layerId: 2, sourceType: 3, inputId: 255 })).status, 5);
        assert.equal((await novastar(sim, 'layer/writeSource', { deviceId: 0, screenId: 0, layerId: 2, sourceType: 255, inputId: 255 })).status, 0);
      });

      it('reads the preset playing, the background and the audio after they change', async () => {
        assert.equal(((await novastar(sim, 'preset/readPlay', { deviceId: 0, screenId: 0 })).body as { presetId: number }).presetId, -1);
        await novastar(sim, 'preset/play', { deviceId: 0, screenId: 0, presetId: 2 });
        assert.deepEqual((await novastar(sim, 'preset/readPlay', { deviceId: 0, screenId: 0 })).body, { deviceId: 0, screenId: 0, presetId: 2 });
        assert.equal((await novastar(sim, 'screen/writeBKG', { deviceId: 0, screenId: 0, enable: 1, bkgId: 1 })).status, 0);
        assert.equal((await novastar(sim, 'screen/writeDetail', { deviceId: 0, screenId: 0, audio: { volume: 12, isMute: 1 } })).status, 0);
        const detail = (await novastar(sim, 'screen/readDetail', { deviceId: 0, screenId: 0 })).body as { Bkg: { bkgId: number; enable: number }; audio: { volume: number } };
        assert.equal(detail.Bkg.bkgId, 1);
        assert.equal(detail.Bkg.enable, 1);
        assert.equal(detail.audio.volume, 12);
        assert.equal(((await novastar(sim, 'audio/readDetail', { deviceId: 0, screenId: 0 })).body as { isMute: number }).isMute, 1);
        assert.equal((await novastar(sim, 'screen/writeBKG', { deviceId: 0, screenId: 0, enable: 1, bkgId: 9 })).status, 6);
      });

      it('plays a preset of the screen; an unknown one is refused', async () => {
        assert.equal((await novastar(sim, 'preset/play', { deviceId: 0, screenId: 0, presetId: 2 })).status, 0);
        assert.equal(sim.state.screens[0].presetId, 2);
        const wrong = await novastar(sim, 'preset/play', { deviceId: 0, screenId: 0, presetId: 3 });
        assert.equal(wrong.status, 6);
        assert.equal(wrong.signOk, true);
      });

      it('refuses brightness outside 0-100 and a missing screenId with status 5', async () => {
        assert.equal((await novastar(sim, 'screen/writeBrightness', { deviceId: 0, screenId: 0, brightness: 101 })).status, 5);
        assert.equal((await novastar(sim, 'screen/writeBrightness', { deviceId: 0, brightness: 50 })).status, 5);
        assert.equal(sim.state.screens[0].brightness, 80);
      });

      it('refuses a wrong pId with status 15 and a wrong sign with status 16, unsigned', async () => {
        const badPid = await raw('screen/readList', novastarEnvelope({ deviceId: 0 }, encrypt, { pId: 'nope' }));
        assert.deepEqual(badPid.json, { status: 15, msg: 'pId is not valid', body: '' });
        const envelope = novastarEnvelope({ deviceId: 0 }, encrypt);
        envelope.sign = novastarSign({ encrypt: false, timeStamp: '1', pId: DEMO.novastar.pId });
        const badSign = await raw('screen/readList', envelope);
        assert.equal(badSign.json.status, 16);
        assert.equal('sign' in badSign.json, false);
      });

      it('refuses an unknown interface with status 2 and a broken envelope with status 1', async () => {
        assert.equal((await raw('screen/explode', novastarEnvelope({}, encrypt))).json.status, 2);
        assert.equal((await raw('screen/readList', '{"body":')).json.status, 1);
        assert.equal((await raw('screen/readList', { body: {}, pId: DEMO.novastar.pId })).json.status, 1);
      });
    });
  }

  it('with encryption on, refuses a plain body and a body that decrypts to non-JSON', async () => {
    assert.equal((await raw('screen/readList', novastarEnvelope({ deviceId: 0 }, false))).json.status, 1);
    const { pId, secretKey } = DEMO.novastar;
    const timeStamp = String(Date.now());
    const body = desEncrypt('not json', secretKey);
    const r = await raw('screen/readList', { body, sign: novastarSign({ encrypt: true, body, timeStamp, pId, secretKey }), pId, timeStamp });
    assert.equal(r.json.status, 1);
  });

  it('a ciphertext signed with another secretKey fails the sign check', async () => {
    const r = await raw('screen/readList', novastarEnvelope({ deviceId: 0 }, true, { secretKey: 'zzzzzzzz' }));
    assert.equal(r.json.status, 16);
  });

  it('does not judge how old timeStamp is', async () => {
    const r = await raw('screen/readList', novastarEnvelope({ deviceId: 0 }, true, { timeStamp: '1631949094265' }));
    assert.equal(r.json.status, 0);
  });

  it('accepts the document\'s unencrypted example envelope', async () => {
    sim.novastarEncrypt = false;
    const r = await raw('device/readDetail', { body: { deviceId: 0 }, sign: 'YjlhMWRmZTVlNzJhYTg4MTgzMDFhNTdlOWE0NjMyNDc=', pId: 'YmRj', timeStamp: '1689586062335' });
    assert.equal(r.json.status, 0);
  });
});
