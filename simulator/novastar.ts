// NovaStar H-series processor OpenAPI: POST <root>/<module>/<action> with a
// signed envelope {body, sign, pId, timeStamp}; the body DES-encrypted when
// the processor has encryption on.
import { desDecrypt, desEncrypt, novastarSign } from '../lib/crypto';
import type { SimCore } from './core';
import { DEMO } from './demo';
import { json, jsonObjectBody, type Answer, type Call } from './http';
import type { Screen } from './state';

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
  const answer: Record<string, unknown> = { [statusKey(sim)]: status, msg, sign, body: wireBody };
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
function screenOf(sim: SimCore, p: Params): Screen | Outcome {
  const refusal = checkDevice(sim, p);
  if (refusal) return refusal;
  if (!isInt(p.screenId)) return refuse(NOVASTAR_STATUS.PARAM, 'screenId must be an integer');
  return sim.state.screens.find((s) => s.screenId === p.screenId) ?? refuse(NOVASTAR_STATUS.NOT_FOUND, `screen ${p.screenId} does not exist`);
}

const isOutcome = (x: Screen | Outcome): x is Outcome => !('screenId' in x);

function screenView(s: Screen): Record<string, unknown> {
  return {
    screenId: s.screenId,
    name: s.name,
    brightness: s.brightness,
    ftb: { type: s.ftb },
    freeze: { enable: s.freeze },
    presetId: s.presetId,
    outputMode: { size: { x: s.width, y: s.height } },
  };
}

/** The flag of screen/ftb (type) and screen/writeFreeze (enable): 0 or 1. */
function writeFlag(name: 'type' | 'enable', field: 'ftb' | 'freeze') {
  return (sim: SimCore, p: Params): Outcome => {
    const screen = screenOf(sim, p);
    if (isOutcome(screen)) return screen;
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
    return isOutcome(screen) ? screen : { body: screenView(screen) };
  },
  'screen/writeBrightness': (sim, p) => {
    const screen = screenOf(sim, p);
    if (isOutcome(screen)) return screen;
    if (!isInt(p.brightness) || p.brightness < 0 || p.brightness > 100) return refuse(NOVASTAR_STATUS.PARAM, 'brightness must be an integer from 0 to 100');
    screen.brightness = p.brightness;
    return { body: {} };
  },
  'screen/ftb': writeFlag('type', 'ftb'),
  'screen/writeFreeze': writeFlag('enable', 'freeze'),
  'preset/readList': (sim, p) => {
    const screen = screenOf(sim, p);
    if (isOutcome(screen)) return screen;
    return { body: { presets: sim.state.presets.filter((x) => x.screenId === screen.screenId).map((x) => ({ ...x })) } };
  },
  'preset/play': (sim, p) => {
    const screen = screenOf(sim, p);
    if (isOutcome(screen)) return screen;
    if (!isInt(p.presetId)) return refuse(NOVASTAR_STATUS.PARAM, 'presetId must be an integer');
    const preset = sim.state.presets.find((x) => x.presetId === p.presetId && x.screenId === screen.screenId);
    if (!preset) return refuse(NOVASTAR_STATUS.NOT_FOUND, `preset ${p.presetId} does not exist on screen ${screen.screenId}`);
    screen.presetId = preset.presetId;
    return { body: {} };
  },
  'input/readList': (sim, p) => checkDevice(sim, p) ?? { body: { inputs: sim.state.inputs.map((i) => ({ ...i })) } },
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
