// NovaStar H-series processor OpenAPI: POST <root>/<module>/<action> with a
// signed envelope {body, sign, pId, timeStamp}; the body DES-encrypted when
// the processor has encryption on.
import { desDecrypt, desEncrypt, novastarSign } from '../lib/crypto';
import type { SimCore } from './core';
import { DEMO } from './demo';
import { json, jsonObjectBody, type Answer, type Call } from './http';
import type { Input, Layer, LayerSource, Screen } from './state';

export const NOVASTAR_ROOT = '/open/api';

/**
 * Statuses. 0 and 15 are the vendor's; the others are our choice, the
 * document being silent on them.
 */
export const NOVASTAR_STATUS = {
  OK: 0,
  /** Chosen: the envelope is not JSON, lacks a field, or its body cannot be decrypted or parsed. */
  BAD_REQUEST: 1,
  /** Chosen: no such <module>/<action>. */
  NO_INTERFACE: 2,
  /** Chosen: a business parameter is missing or out of range. */
  PARAM: 5,
  /** Chosen: the device, screen or preset named does not exist. */
  NOT_FOUND: 6,
  PID_INVALID: 15,
  /** Chosen: the sign does not verify. */
  SIGN_MISMATCH: 16,
} as const;

type Params = Record<string, unknown>;
/** A business outcome: the body of a success, or a refusal. */
type Outcome = { body: unknown } | { status: number; msg: string };

const refuse = (status: number, msg: string): Outcome => ({ status, msg });
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Key "status", or "status " when the fault asks for the firmware quirk. */
function statusKey(sim: SimCore): string {
  return sim.faults.novastarStatusWithSpace ? 'status ' : 'status';
}

/** A system-level refusal: as the document says, only status, msg and an empty body, no sign. */
function systemError(sim: SimCore, status: number, msg: string): Answer {
  return json({ [statusKey(sim)]: status, msg, body: '' });
}

/**
 * A signed answer, signed the way sim.faults.novastarAnswerSign says. A wrong
 * sign (fault) is well-formed and covers a timestamp that is neither the
 * request's nor the answer's, so no client can verify it by chance.
 */
function signedAnswer(sim: SimCore, requestTimeStamp: string, status: number, msg: string, body: unknown): Answer {
  const mode = sim.faults.novastarAnswerSign;
  const timeStamp = String(sim.now() + sim.faults.novastarClockSkewMs);
  const { pId, secretKey } = DEMO.novastar;
  const badBody = sim.faults.takeBadBody();
  const badSign = sim.faults.takeBadSign();
  const text = badBody ? 'device busy, try again later' : JSON.stringify(body);
  const wireBody: unknown = sim.novastarEncrypt ? desEncrypt(text, secretKey) : badBody ? text : body;
  const signOver = (ts: string) => novastarSign({ encrypt: sim.novastarEncrypt, body: wireBody as string, timeStamp: ts, pId, secretKey });
  let sign = mode === 'empty' ? '' : signOver(mode === 'request-time' ? requestTimeStamp : timeStamp);
  if (badSign) {
    let other = Number(timeStamp) + 1;
    while (String(other) === requestTimeStamp) other++;
    sign = signOver(String(other));
  }
  const answer: Record<string, unknown> = { [statusKey(sim)]: status, msg, sign, [sim.faults.novastarDataKey ? 'data' : 'body']: wireBody };
  if (mode !== 'empty') answer.timeStamp = timeStamp;
  return json(answer);
}

/** Every call names device 0 (the processor itself), by default. */
function checkDevice(sim: SimCore, p: Params): Outcome | undefined {
  const deviceId = p.deviceId ?? 0;
  if (!isInt(deviceId)) return refuse(NOVASTAR_STATUS.PARAM, 'deviceId must be an integer');
  if (deviceId !== sim.state.novastarDevice.deviceId) return refuse(NOVASTAR_STATUS.NOT_FOUND, `device ${deviceId} does not exist`);
  return undefined;
}

/** The screen named by screenId (required), or the refusal. */
/** A refusal, as opposed to what a lookup found. */
const failed = (x: object): x is Outcome => 'status' in x && 'msg' in x;

function screenOf(sim: SimCore, p: Params): Screen | Outcome {
  const refusal = checkDevice(sim, p);
  if (refusal) return refusal;
  if (!isInt(p.screenId)) return refuse(NOVASTAR_STATUS.PARAM, 'screenId must be an integer');
  return sim.state.screens.find((s) => s.screenId === p.screenId) ?? refuse(NOVASTAR_STATUS.NOT_FOUND, `screen ${p.screenId} does not exist`);
}


/** screen/readDetail with the document's field names (Bkg, Freeze, Ftb; Ftb.enable 1 = faded to black). */
function screenView(sim: SimCore, s: Screen): Record<string, unknown> {
  const bkg = sim.state.backgrounds.find((b) => b.bkgId === s.bkgId);
  return {
    deviceId: sim.state.novastarDevice.deviceId,
    screenId: s.screenId,
    name: s.name,
    brightness: s.brightness,
    Bkg: { bkgId: s.bkgId, enable: s.bkgEnable, imgUrl: bkg ? `/bkg/${bkg.bkgId}.png` : '' },
    Freeze: { enable: s.freeze },
    Ftb: { enable: s.ftb === 0 ? 1 : 0 },
    audio: audioView(s),
    outputMode: { size: { width: s.width, height: s.height } },
  };
}

/** The screen's audio, with the document's names (audioOuputMode as it is spelled there). */
function audioView(s: Screen): Record<string, unknown> {
  return { audioOuputMode: 0, followId: 0, layerId: 0, inputId: 0, isMute: s.isMute, volume: s.volume };
}

function inputView(sim: SimCore, i: Input): Record<string, unknown> {
  return {
    inputId: i.inputId,
    deviceId: sim.state.novastarDevice.deviceId,
    interfaceType: i.interfaceType,
    slotId: i.slotId,
    online: i.online,
    general: { name: i.name },
    resolution: { width: i.width, height: i.height, refresh: i.refresh },
  };
}

/** A layer as layer/detailList and layer/readDetail show it. */
function layerView(sim: SimCore, l: Layer): Record<string, unknown> {
  const input = sim.state.inputs.find((i) => i.inputId === l.source.inputId);
  return {
    layerId: l.layerId,
    deviceId: sim.state.novastarDevice.deviceId,
    screenId: l.screenId,
    isExceedingLimit: false,
    audioStatus: { isAvailable: 0, isOpen: 0 },
    general: { layerId: l.layerId, name: l.name, zorder: l.zorder, isFreeze: false, flipType: 0, isBackground: false, sizeType: 0, type: 1, lock: 0 },
    source: { ...l.source, connectCapacity: 0, name: l.source.sourceType === 1 && input ? input.name : '' },
    window: { ...l.window, lockRatio: 0 },
  };
}

/** "V1.9.9.0" → [1, 9, 9, 0], to compare firmware versions. */
function versionBelow(version: string, than: number[]): boolean {
  const parts = version.replace(/^V/i, '').split('.').map(Number);
  for (let i = 0; i < than.length; i++) {
    const a = parts[i] ?? 0;
    if (a !== than[i]) return a < than[i];
  }
  return false;
}

/**
 * A layer source as sent: sourceType 0 clears the layer; 1 names an input and
 * its interfaceType; an IPC stream is sourceType 255, or 3 from firmware
 * V1.9.9.0, with inputId 255.
 */
function sourceOf(sim: SimCore, p: Params): LayerSource | Outcome {
  const { sourceType } = p;
  const cropId = p.cropId ?? 255;
  if (!isInt(cropId) || cropId < 0 || cropId > 255) return refuse(NOVASTAR_STATUS.PARAM, 'cropId must be an integer from 0 to 255');
  if (sourceType === 0) return { sourceType: 0, inputId: 0, interfaceType: 0, cropId: 255, slotId: 0 };
  if (sourceType === 3 || sourceType === 255) {
    if (sourceType === 3 && versionBelow(sim.state.novastarDevice.protoVersion, [1, 9, 9, 0])) return refuse(NOVASTAR_STATUS.PARAM, 'sourceType 3 needs firmware V1.9.9.0 or later: use 255');
    if (p.inputId !== undefined && p.inputId !== 255) return refuse(NOVASTAR_STATUS.PARAM, 'an IPC source takes inputId 255');
    return { sourceType, inputId: 255, interfaceType: isInt(p.interfaceType) ? p.interfaceType : 0, cropId, slotId: 0 };
  }
  if (sourceType !== 1) return refuse(NOVASTAR_STATUS.PARAM, 'sourceType must be 0, 1, 3 or 255');
  if (!isInt(p.inputId)) return refuse(NOVASTAR_STATUS.PARAM, 'inputId must be an integer');
  const input = sim.state.inputs.find((i) => i.inputId === p.inputId);
  if (!input) return refuse(NOVASTAR_STATUS.NOT_FOUND, `input ${p.inputId} does not exist`);
  if (p.interfaceType !== undefined && p.interfaceType !== input.interfaceType) return refuse(NOVASTAR_STATUS.PARAM, `input ${input.inputId} has interfaceType ${input.interfaceType}`);
  return { sourceType: 1, inputId: input.inputId, interfaceType: input.interfaceType, cropId, slotId: input.slotId };
}

/** A window inside the screen: whole pixels, at least 1×1, not past its edges. */
function windowOf(screen: Screen, w: unknown): Layer['window'] | Outcome {
  if (w === null || typeof w !== 'object') return refuse(NOVASTAR_STATUS.PARAM, 'window must be an object with x, y, width and height');
  const { x, y, width, height } = w as Params;
  if (!isInt(x) || !isInt(y) || !isInt(width) || !isInt(height) || x < 0 || y < 0 || width < 1 || height < 1) {
    return refuse(NOVASTAR_STATUS.PARAM, 'window needs integer x, y >= 0 and width, height >= 1');
  }
  if (x + width > screen.width || y + height > screen.height) return refuse(NOVASTAR_STATUS.PARAM, `the window does not fit the screen (${screen.width}x${screen.height})`);
  return { x, y, width, height };
}

/** The layer of the screen named by layerId, or the refusal. */
/** The layer a call names, with its screen; or the refusal. */
function layerOf(sim: SimCore, p: Params): { screen: Screen; layer: Layer } | Outcome {
  const screen = screenOf(sim, p);
  if (failed(screen)) return screen;
  if (!isInt(p.layerId)) return refuse(NOVASTAR_STATUS.PARAM, 'layerId must be an integer');
  const layer = sim.state.layers.find((l) => l.screenId === screen.screenId && l.layerId === p.layerId);
  return layer ? { screen, layer } : refuse(NOVASTAR_STATUS.NOT_FOUND, `layer ${p.layerId} does not exist on screen ${screen.screenId}`);
}


/** The flag of screen/ftb (type) and screen/writeFreeze (enable): 0 or 1. */
function writeFlag(name: 'type' | 'enable', field: 'ftb' | 'freeze') {
  return (sim: SimCore, p: Params): Outcome => {
    const screen = screenOf(sim, p);
    if (failed(screen)) return screen;
    if (p[name] !== 0 && p[name] !== 1) return refuse(NOVASTAR_STATUS.PARAM, `${name} must be 0 or 1`);
    if (p.time !== undefined && !(isInt(p.time) && p.time >= 0)) return refuse(NOVASTAR_STATUS.PARAM, 'time must be a non-negative integer');
    screen[field] = p[name] as number;
    return { body: {} };
  };
}

const ENDPOINTS: Record<string, (sim: SimCore, p: Params) => Outcome> = {
  'device/readDetail': (sim, p) => checkDevice(sim, p) ?? { body: { ...sim.state.novastarDevice } },
  'screen/readList': (sim, p) => checkDevice(sim, p) ?? {
    body: { screens: sim.state.screens.map((s) => ({ screenId: s.screenId, name: s.name, brightness: s.brightness })) },
  },
  'screen/readDetail': (sim, p) => {
    const screen = screenOf(sim, p);
    return failed(screen) ? screen : { body: screenView(sim, screen) };
  },
  'screen/writeBrightness': (sim, p) => {
    const screen = screenOf(sim, p);
    if (failed(screen)) return screen;
    if (!isInt(p.brightness) || p.brightness < 0 || p.brightness > 100) return refuse(NOVASTAR_STATUS.PARAM, 'brightness must be an integer from 0 to 100');
    screen.brightness = p.brightness;
    return { body: {} };
  },
  'screen/ftb': writeFlag('type', 'ftb'),
  'screen/writeFreeze': writeFlag('enable', 'freeze'),
  'preset/readList': (sim, p) => {
    const screen = screenOf(sim, p);
    if (failed(screen)) return screen;
    return { body: { presets: sim.state.presets.filter((x) => x.screenId === screen.screenId).map((x) => ({ ...x })) } };
  },
  'preset/play': (sim, p) => {
    const screen = screenOf(sim, p);
    if (failed(screen)) return screen;
    if (!isInt(p.presetId)) return refuse(NOVASTAR_STATUS.PARAM, 'presetId must be an integer');
    const preset = sim.state.presets.find((x) => x.presetId === p.presetId && x.screenId === screen.screenId);
    if (!preset) return refuse(NOVASTAR_STATUS.NOT_FOUND, `preset ${p.presetId} does not exist on screen ${screen.screenId}`);
    screen.presetId = preset.presetId;
    return { body: {} };
  },
  'preset/readPlay': (sim, p) => {
    const screen = screenOf(sim, p);
    return failed(screen) ? screen : { body: { deviceId: sim.state.novastarDevice.deviceId, screenId: screen.screenId, presetId: screen.presetId } };
  },
  'screen/writeBKG': (sim, p) => {
    const screen = screenOf(sim, p);
    if (failed(screen)) return screen;
    if (p.enable !== 0 && p.enable !== 1) return refuse(NOVASTAR_STATUS.PARAM, 'enable must be 0 or 1');
    const bkgId = p.bkgId ?? screen.bkgId;
    if (!isInt(bkgId)) return refuse(NOVASTAR_STATUS.PARAM, 'bkgId must be an integer');
    if (!sim.state.backgrounds.some((b) => b.bkgId === bkgId)) return refuse(NOVASTAR_STATUS.NOT_FOUND, `background ${bkgId} does not exist`);
    screen.bkgId = bkgId;
    screen.bkgEnable = p.enable;
    return { body: {} };
  },
  'bkg/readAllList': (sim, p) => checkDevice(sim, p) ?? {
    body: sim.state.backgrounds.map((b) => ({ bkgId: b.bkgId, deviceId: sim.state.novastarDevice.deviceId, general: { name: b.name } })),
  },
  'screen/writeDetail': (sim, p) => {
    const screen = screenOf(sim, p);
    if (failed(screen)) return screen;
    const audio = p.audio as Params | undefined;
    if (audio === null || typeof audio !== 'object') return refuse(NOVASTAR_STATUS.PARAM, 'audio must be an object');
    if (audio.volume !== undefined && !(isInt(audio.volume) && audio.volume >= 0 && audio.volume <= 100)) return refuse(NOVASTAR_STATUS.PARAM, 'volume must be an integer from 0 to 100');
    if (audio.isMute !== undefined && audio.isMute !== 0 && audio.isMute !== 1) return refuse(NOVASTAR_STATUS.PARAM, 'isMute must be 0 or 1');
    if (audio.volume !== undefined) screen.volume = audio.volume as number;
    if (audio.isMute !== undefined) screen.isMute = audio.isMute as number;
    return { body: {} };
  },
  'audio/readDetail': (sim, p) => {
    const screen = screenOf(sim, p);
    return failed(screen) ? screen : { body: { deviceId: sim.state.novastarDevice.deviceId, screenId: screen.screenId, ...audioView(screen) } };
  },
  'input/readList': (sim, p) => checkDevice(sim, p) ?? { body: { inputs: sim.state.inputs.map((i) => inputView(sim, i)) } },
  'input/readDetail': (sim, p) => {
    const refusal = checkDevice(sim, p);
    if (refusal) return refusal;
    if (!isInt(p.inputId)) return refuse(NOVASTAR_STATUS.PARAM, 'inputId must be an integer');
    const input = sim.state.inputs.find((i) => i.inputId === p.inputId);
    return input ? { body: inputView(sim, input) } : refuse(NOVASTAR_STATUS.NOT_FOUND, `input ${p.inputId} does not exist`);
  },
  'output/readList': (sim, p) => checkDevice(sim, p) ?? {
    body: { outputs: sim.state.outputs.map((o) => ({ outputId: o.outputId, deviceId: sim.state.novastarDevice.deviceId, interfaceType: o.interfaceType, online: o.online, general: { name: o.name } })) },
  },
  'layer/detailList': (sim, p) => {
    const screen = screenOf(sim, p);
    if (failed(screen)) return screen;
    const layers = sim.state.layers.filter((l) => l.screenId === screen.screenId).sort((a, b) => a.zorder - b.zorder);
    return { body: { deviceId: sim.state.novastarDevice.deviceId, screenId: screen.screenId, screenLayers: layers.map((l) => layerView(sim, l)) } };
  },
  'layer/readDetail': (sim, p) => {
    const found = layerOf(sim, p);
    return failed(found) ? found : { body: layerView(sim, found.layer) };
  },
  'layer/writeSource': (sim, p) => {
    const found = layerOf(sim, p);
    if (failed(found)) return found;
    const source = sourceOf(sim, p);
    if (failed(source)) return source;
    found.layer.source = source;
    return { body: {} };
  },
  'layer/writeWindow': (sim, p) => {
    const found = layerOf(sim, p);
    if (failed(found)) return found;
    const window = windowOf(found.screen, p.window);
    if (failed(window)) return window;
    found.layer.window = window;
    return { body: {} };
  },
  'layer/create': (sim, p) => {
    const screen = screenOf(sim, p);
    if (failed(screen)) return screen;
    const general = (p.general ?? {}) as Params;
    if (general.name !== undefined && (typeof general.name !== 'string' || general.name.length > 64)) return refuse(NOVASTAR_STATUS.PARAM, 'general.name must be a string of at most 64 characters');
    const source = sourceOf(sim, (p.source ?? { sourceType: 0 }) as Params);
    if (failed(source)) return source;
    const window = windowOf(screen, p.window);
    if (failed(window)) return window;
    const layerId = Math.max(0, ...sim.state.layers.map((l) => l.layerId)) + 1;
    const zorder = Math.max(0, ...sim.state.layers.filter((l) => l.screenId === screen.screenId).map((l) => l.zorder)) + 1;
    sim.state.layers.push({ layerId, screenId: screen.screenId, name: (general.name as string | undefined) || `Layer ${layerId}`, zorder, source, window });
    return { body: { deviceId: sim.state.novastarDevice.deviceId, screenId: screen.screenId, layerId } };
  },
  'layer/delete': (sim, p) => {
    const found = layerOf(sim, p);
    if (failed(found)) return found;
    sim.state.layers.splice(sim.state.layers.indexOf(found.layer), 1);
    return { body: {} };
  },
};

/**
 * Handles every path under the API root. The order of checks: the interface
 * exists, the envelope is whole, pId, sign, body. The processor does not
 * check how old timeStamp is (its own clock is often wrong), only that it is one.
 */
export function novastarHandler(call: Call, sim: SimCore): Answer {
  const endpoint = ENDPOINTS[call.path.slice(NOVASTAR_ROOT.length + 1)];
  if (!endpoint) return systemError(sim, NOVASTAR_STATUS.NO_INTERFACE, 'interface does not exist');
  const parsed = jsonObjectBody(call, false);
  if (!parsed.ok) return systemError(sim, NOVASTAR_STATUS.BAD_REQUEST, parsed.reason);
  const env = parsed.value;
  const timeStamp = typeof env.timeStamp === 'number' ? String(env.timeStamp) : env.timeStamp;
  if (typeof env.pId !== 'string' || typeof env.sign !== 'string' || typeof timeStamp !== 'string' || !/^\d{1,16}$/.test(timeStamp) || env.body === undefined) {
    return systemError(sim, NOVASTAR_STATUS.BAD_REQUEST, 'the request needs body, sign, pId and timeStamp');
  }
  const { pId, secretKey } = DEMO.novastar;
  if (env.pId !== pId) return systemError(sim, NOVASTAR_STATUS.PID_INVALID, 'pId is not valid');

  let params: unknown;
  if (sim.novastarEncrypt) {
    if (typeof env.body !== 'string') return systemError(sim, NOVASTAR_STATUS.BAD_REQUEST, 'encryption is on: body must be the ciphertext');
    if (env.sign !== novastarSign({ encrypt: true, body: env.body, timeStamp, pId, secretKey })) {
      return systemError(sim, NOVASTAR_STATUS.SIGN_MISMATCH, 'sign verification failed');
    }
    try {
      params = JSON.parse(desDecrypt(env.body, secretKey));
    } catch {
      return systemError(sim, NOVASTAR_STATUS.BAD_REQUEST, 'body cannot be decrypted');
    }
  } else {
    if (env.sign !== novastarSign({ encrypt: false, timeStamp, pId })) return systemError(sim, NOVASTAR_STATUS.SIGN_MISMATCH, 'sign verification failed');
    params = env.body;
  }
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    return systemError(sim, NOVASTAR_STATUS.BAD_REQUEST, 'body must be a JSON object');
  }

  const outcome = endpoint(sim, params as Params);
  return 'body' in outcome
    ? signedAnswer(sim, timeStamp, NOVASTAR_STATUS.OK, '', outcome.body)
    : signedAnswer(sim, timeStamp, outcome.status, outcome.msg, {});
}
