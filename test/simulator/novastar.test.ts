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
        assert.equal(((await novastar(sim, 'input/readList', { deviceId: 0 })).body as { inputs: unknown[] }).inputs.length, 4);
      });

      it('writes brightness, FTB and freeze, seen by screen/readDetail', async () => {
        assert.equal((await novastar(sim, 'screen/writeBrightness', { deviceId: 0, screenId: 1, brightness: 42 })).status, 0);
        assert.equal((await novastar(sim, 'screen/ftb', { deviceId: 0, screenId: 1, type: 0, time: 2 })).status, 0);
        assert.equal((await novastar(sim, 'screen/writeFreeze', { deviceId: 0, screenId: 1, enable: 1 })).status, 0);
        const detail = (await novastar(sim, 'screen/readDetail', { deviceId: 0, screenId: 1 })).body as Record<string, unknown>;
        assert.equal(detail.brightness, 42);
        assert.deepEqual(detail.ftb, { type: 0 });
        assert.deepEqual(detail.freeze, { enable: 1 });
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
