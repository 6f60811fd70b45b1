// On-Bright OBOX cloud: a Spring Security OAuth2 server (client credentials,
// then a company login with the uniqueKey) in front of the business calls.
import { randomInt } from 'node:crypto';
import { randomString } from '../lib/crypto';
import type { SimCore } from './core';
import { DEMO } from './demo';
import { intField, json, jsonObjectBody, queryAndForm, textField, type Answer, type Call, type Route } from './http';
import { chinaTime, type LockUser, type TokenRecord } from './state';

/** Business statuses, in the body of an HTTP 200 answer. */
export const ONBRIGHT_STATUS = {
  SELECT: 200,
  ADD: 201,
  DELETE: 204,
  UPDATE: 205,
  /** Chosen for refusals after the OAuth layer: wrong uniqueKey, token not usable for /login/company. */
  AUTH_FAILED: 401,
  NOT_FOUND: 413,
  PARAM: 414,
} as const;

const CLIENTS: Record<string, string> = { [DEMO.onbright.clientId]: DEMO.onbright.clientSecret };
const UNIQUE_KEYS: Record<string, readonly string[]> = { [DEMO.onbright.clientId]: [DEMO.onbright.uniqueKey, DEMO.onbright.secondUniqueKey] };
/** The company login's refresh token outlives its access token (Spring's default is 30 days). */
const REFRESH_LIFETIME_S = 30 * 86_400;

const result = (status: number, message: string, data?: unknown): Answer =>
  json(data === undefined ? { message, status } : { message, status, data });
const paramError = (what: string): Answer => result(ONBRIGHT_STATUS.PARAM, `parameter error: ${what}`);
const notFound = (what: string): Answer => result(ONBRIGHT_STATUS.NOT_FOUND, `object does not exist: ${what}`);

/** Spring OAuth2's own error answers, with its WWW-Authenticate header. */
function oauthError(httpStatus: number, error: string, description: string, scheme = 'Bearer'): Answer {
  const challenge = scheme === 'Basic'
    ? 'Basic realm="oauth2/client"'
    : `Bearer error="${error}", error_description="${description}"`;
  return json({ error, error_description: description }, httpStatus, { 'WWW-Authenticate': challenge });
}

/** As Spring does, the refused token is echoed back: a client must keep this text out of its logs. */
const invalidToken = (token: string): Answer => oauthError(401, 'invalid_token', `Invalid access token: ${token}`);

/** The client named by the Basic header, or the refusal. */
function basicClient(call: Call): { clientId: string } | Answer {
  const header = call.headers.authorization ?? '';
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!m) return oauthError(401, 'unauthorized', 'Full authentication is required to access this resource', 'Basic');
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  const clientId = colon < 0 ? text : text.slice(0, colon);
  const secret = colon < 0 ? '' : text.slice(colon + 1);
  if (CLIENTS[clientId] === undefined || CLIENTS[clientId] !== secret) {
    return oauthError(401, 'unauthorized', 'Bad credentials', 'Basic');
  }
  return { clientId };
}

const isAnswer = (x: object): x is Answer => 'status' in x && 'body' in x;

/** Spring hands back the same token while it is valid, with the seconds it has left. */
function liveToken(sim: SimCore, kind: TokenRecord['kind'], clientId: string, uniqueKey?: string): TokenRecord | undefined {
  for (const record of sim.state.tokens.values()) {
    if (record.platform === 'onbright' && record.kind === kind && record.subject === clientId && record.uniqueKey === uniqueKey
      && !record.revoked && record.expiresAt > sim.now()) return record;
  }
  return undefined;
}

function companyTokenAnswer(sim: SimCore, record: TokenRecord): Answer {
  return json({ access_token: record.token, token_type: 'bearer', refresh_token: record.refreshToken, expires_in: sim.secondsLeft(record), scope: 'company' });
}

function issueCompanyToken(sim: SimCore, clientId: string, uniqueKey: string, refreshToken: string): TokenRecord {
  return sim.issueToken('onbright', 'company', clientId, sim.options.lifetimes.onbright, { uniqueKey, refreshToken });
}

function oauthToken(call: Call, sim: SimCore): Answer {
  const p = queryAndForm(call);
  if (p.grant_type === 'refresh_token') sim.counters.refreshes.onbright++;
  else sim.counters.logins.onbright++;
  const client = basicClient(call);
  if (isAnswer(client)) return client;
  if (!p.grant_type) return oauthError(400, 'invalid_request', 'Missing grant type');

  if (p.grant_type === 'client_credentials') {
    const record = liveToken(sim, 'client', client.clientId)
      ?? sim.issueToken('onbright', 'client', client.clientId, sim.options.lifetimes.onbright);
    return json({ access_token: record.token, token_type: 'bearer', expires_in: sim.secondsLeft(record), scope: 'company' });
  }
  if (p.grant_type === 'refresh_token') {
    if (!p.refresh_token) return oauthError(400, 'invalid_request', 'Missing refresh token');
    const check = sim.checkToken(p.refresh_token, 'onbright', ['company-refresh']);
    if (!check.ok) {
      return check.problem === 'expired'
        ? oauthError(401, 'invalid_token', `Invalid refresh token (expired): ${p.refresh_token}`)
        : oauthError(400, 'invalid_grant', `Invalid refresh token: ${p.refresh_token}`);
    }
    if (check.record.subject !== client.clientId) return oauthError(400, 'invalid_grant', 'Wrong client for this refresh token');
    // The old access token is dropped; the refresh token is kept (Spring's reuseRefreshToken).
    for (const record of sim.state.tokens.values()) {
      if (record.kind === 'company' && record.refreshToken === p.refresh_token) record.revoked = true;
    }
    return companyTokenAnswer(sim, issueCompanyToken(sim, client.clientId, check.record.uniqueKey ?? '', p.refresh_token));
  }
  return oauthError(400, 'unsupported_grant_type', `Unsupported grant type: ${p.grant_type}`);
}

/**
 * The second login. Refusals past the Basic check are the application's own:
 * HTTP 200 with {status: 401, message}.
 */
function loginCompany(call: Call, sim: SimCore): Answer {
  const client = basicClient(call);
  if (isAnswer(client)) return client;
  const { accessToken, uniqueKey } = call.query;
  if (!accessToken) return paramError('accessToken');
  if (!uniqueKey) return paramError('uniqueKey');
  const check = sim.checkToken(accessToken, 'onbright', ['client']);
  if (!check.ok) {
    return result(ONBRIGHT_STATUS.AUTH_FAILED, check.problem === 'wrong-kind'
      ? 'accessToken must be a client_credentials token'
      : 'accessToken is invalid or expired');
  }
  if (check.record.subject !== client.clientId) return result(ONBRIGHT_STATUS.AUTH_FAILED, 'accessToken was issued to another client');
  if (!UNIQUE_KEYS[client.clientId]?.includes(uniqueKey)) return result(ONBRIGHT_STATUS.AUTH_FAILED, 'uniqueKey is not valid');

  const live = liveToken(sim, 'company', client.clientId, uniqueKey);
  if (live) return companyTokenAnswer(sim, live);
  const refresh = sim.issueToken('onbright', 'company-refresh', client.clientId, REFRESH_LIFETIME_S, { uniqueKey });
  return companyTokenAnswer(sim, issueCompanyToken(sim, client.clientId, uniqueKey, refresh.token));
}

/** Business calls: ?access_token=<company token>&uniqueKey=<the key it was issued for>. */
function authorize(call: Call, sim: SimCore): Answer | undefined {
  const token = call.query.access_token;
  if (!token) return oauthError(401, 'unauthorized', 'Full authentication is required to access this resource');
  const check = sim.checkToken(token, 'onbright', ['company']);
  if (!check.ok) {
    // A first-step token is a real token, but without the company's authority.
    return check.record?.kind === 'client' && check.problem === 'wrong-kind'
      ? oauthError(403, 'access_denied', 'Access is denied')
      : invalidToken(token);
  }
  if (!call.query.uniqueKey) return paramError('uniqueKey');
  if (call.query.uniqueKey !== check.record.uniqueKey) return result(ONBRIGHT_STATUS.AUTH_FAILED, 'uniqueKey does not match the access token');
  return undefined;
}

/** Wraps a business handler: token check, then the JSON body when the call has one. */
function business(handler: (body: Record<string, unknown>, sim: SimCore) => Answer, hasBody = true): (call: Call, sim: SimCore) => Answer {
  return (call, sim) => {
    const refusal = authorize(call, sim);
    if (refusal) return refusal;
    if (!hasBody) return handler({}, sim);
    const parsed = jsonObjectBody(call);
    return parsed.ok ? handler(parsed.value, sim) : paramError(parsed.reason);
  };
}

/** The first required String field that is missing or empty. */
function missingText(body: Record<string, unknown>, names: readonly string[]): string | undefined {
  return names.find((name) => !textField(body, name));
}

const HEX_TYPE = /^[0-9a-fA-F]{1,4}$/;
const MS_TEXT = /^\d{10,13}$/;

function kitCenterOf(zone: string): string {
  if (zone.startsWith('Asia/')) return 'cn-shanghai';
  if (zone.startsWith('Europe/')) return 'eu-central-1';
  if (zone.startsWith('America/')) return 'us-west-1';
  return 'ap-southeast-1';
}

function registAliDev(body: Record<string, unknown>, sim: SimCore): Answer {
  const missing = missingText(body, ['type', 'zone']);
  if (missing) return paramError(missing);
  const type = textField(body, 'type') as string;
  const zone = textField(body, 'zone') as string;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    return paramError('zone');
  }
  const device = { kitCenter: kitCenterOf(zone), deviceName: randomString(20), productKey: 'b1eakXpQ1WU', deviceSecret: randomString(32) };
  sim.state.aliDevices.push({ ...device, type, zone });
  // The document answers this call with "select success" / 200, not 201.
  return result(ONBRIGHT_STATUS.SELECT, 'select success', device);
}

/** A scan finds one device behind the OBOX: the one asked for, or a new one. */
function scanDevices(body: Record<string, unknown>, sim: SimCore): Answer {
  const oboxSerialId = textField(body, 'oboxSerialId');
  if (!oboxSerialId) return paramError('oboxSerialId');
  const deviceType = textField(body, 'deviceType');
  const deviceChildType = textField(body, 'deviceChildType');
  const serialId = textField(body, 'serialId');
  const timeout = textField(body, 'timeout');
  if (deviceType !== undefined && !HEX_TYPE.test(deviceType)) return paramError('deviceType');
  if (deviceChildType !== undefined && !HEX_TYPE.test(deviceChildType)) return paramError('deviceChildType');
  if (timeout !== undefined && !/^\d{1,6}$/.test(timeout)) return paramError('timeout');
  if (!sim.state.oboxes.has(oboxSerialId)) return notFound(`obox ${oboxSerialId}`);

  const found = serialId || `${oboxSerialId.slice(0, 4)}${String(sim.state.onbrightDevices.size + 1).padStart(6, '0')}`;
  if (!sim.state.onbrightDevices.has(found)) {
    sim.state.onbrightDevices.set(found, {
      serialId: found,
      name: `Device ${found.slice(-4)}`,
      deviceType: (deviceType ?? '01').toLowerCase(),
      deviceChildType: (deviceChildType ?? '01').toLowerCase(),
      oboxSerialId,
    });
  }
  // The document's answer has no data.
  return result(ONBRIGHT_STATUS.ADD, 'add success');
}

function deleteDevice(body: Record<string, unknown>, sim: SimCore): Answer {
  const serialId = textField(body, 'serialId');
  if (!serialId) return paramError('serialId');
  if (!sim.state.onbrightDevices.delete(serialId)) return notFound(`device ${serialId}`);
  sim.state.lockUsers = sim.state.lockUsers.filter((u) => u.serialId !== serialId);
  return result(ONBRIGHT_STATUS.DELETE, 'delete success');
}

function addObox(body: Record<string, unknown>, sim: SimCore): Answer {
  // The table's oboxVersion, not the curl example's "oboxversion": Jackson matches names exactly.
  const missing = missingText(body, ['oboxSerialId', 'oboxName', 'oboxVersion']);
  if (missing) return paramError(missing);
  const lists: Record<string, unknown[]> = {};
  for (const name of ['deviceConfig', 'groupConfig', 'sceneConfig']) {
    const value = body[name] ?? [];
    if (!Array.isArray(value)) return paramError(name);
    lists[name] = value;
  }
  if (body.oboxStatus !== undefined && textField(body, 'oboxStatus') === undefined) return paramError('oboxStatus');
  const oboxSerialId = textField(body, 'oboxSerialId') as string;
  if (sim.state.oboxes.has(oboxSerialId)) return paramError(`obox ${oboxSerialId} already exists`);
  const status = textField(body, 'oboxStatus') ?? '0';
  sim.state.oboxes.set(oboxSerialId, {
    oboxSerialId,
    oboxName: textField(body, 'oboxName') as string,
    oboxVersion: textField(body, 'oboxVersion') as string,
    oboxStatus: /^\d+$/.test(status) ? Number(status) : status,
    deviceConfig: lists.deviceConfig,
    groupConfig: lists.groupConfig,
    sceneConfig: lists.sceneConfig,
  });
  return result(ONBRIGHT_STATUS.ADD, 'add success', { obox_serial_id: oboxSerialId });
}

function listObox(_body: Record<string, unknown>, sim: SimCore): Answer {
  const oboxs = [...sim.state.oboxes.values()].map((o) => ({
    oboxName: o.oboxName, oboxSerialId: o.oboxSerialId, oboxVersion: o.oboxVersion, oboxStatus: o.oboxStatus,
  }));
  return result(ONBRIGHT_STATUS.SELECT, 'select success', { oboxs });
}

function deleteObox(body: Record<string, unknown>, sim: SimCore): Answer {
  const oboxSerialId = textField(body, 'oboxSerialId');
  if (!oboxSerialId) return paramError('oboxSerialId');
  if (!sim.state.oboxes.delete(oboxSerialId)) return notFound(`obox ${oboxSerialId}`);
  // Its devices, and the door users of its locks, go with it.
  for (const device of [...sim.state.onbrightDevices.values()]) {
    if (device.oboxSerialId === oboxSerialId) sim.state.onbrightDevices.delete(device.serialId);
  }
  sim.state.lockUsers = sim.state.lockUsers.filter((u) => sim.state.onbrightDevices.has(u.serialId));
  return result(ONBRIGHT_STATUS.DELETE, 'delete success');
}

/**
 * The answer's view of a door user. timeLeft (undocumented): uses left, as
 * text; "-1" when unlimited (isMax 1).
 */
function lockUserView(u: LockUser, now: number): Record<string, unknown> {
  return {
    id: u.id,
    serialId: u.serialId,
    nickName: u.nickName,
    pin: u.pin,
    start: chinaTime(u.start),
    end: chinaTime(u.end),
    isEnd: u.end < now ? 1 : 0,
    times: u.times,
    useTimes: u.useTimes,
    mobile: u.mobile,
    pwd: u.pwd,
    isMax: u.isMax,
    timeLeft: u.isMax === 1 ? '-1' : String(Math.max(0, u.times - u.useTimes)),
  };
}

/** The door-user fields both add and update require, checked; or the refusal. */
function lockUserFields(body: Record<string, unknown>): Answer | { nickName: string; start: number; end: number; times: number; mobile: string; isMax: number } {
  const missing = missingText(body, ['serialId', 'nickName', 'startTime', 'endTime']);
  if (missing) return paramError(missing);
  const startTime = textField(body, 'startTime') as string;
  const endTime = textField(body, 'endTime') as string;
  if (!MS_TEXT.test(startTime)) return paramError('startTime');
  if (!MS_TEXT.test(endTime) || Number(endTime) <= Number(startTime)) return paramError('endTime');
  const times = intField(body, 'times');
  if (times === undefined || times < 0) return paramError('times');
  const isMax = body.isMax === undefined ? 0 : intField(body, 'isMax');
  if (isMax !== 0 && isMax !== 1) return paramError('isMax');
  const mobile = body.mobile === undefined ? '' : textField(body, 'mobile');
  if (mobile === undefined || (mobile !== '' && !/^\d{5,20}$/.test(mobile))) return paramError('mobile');
  return { nickName: textField(body, 'nickName') as string, start: Number(startTime), end: Number(endTime), times, mobile, isMax };
}

const newDoorPwd = (): string => String(randomInt(0, 1_000_000_000)).padStart(9, '0');

function isLock(sim: SimCore, serialId: string): boolean {
  return sim.state.onbrightDevices.get(serialId)?.deviceType === '15';
}

function addLockUser(body: Record<string, unknown>, sim: SimCore): Answer {
  const fields = lockUserFields(body);
  if (isAnswer(fields)) return fields;
  const serialId = textField(body, 'serialId') as string;
  if (!isLock(sim, serialId)) return notFound(`door lock ${serialId}`);
  const users = sim.state.lockUsers;
  const pins = users.filter((u) => u.serialId === serialId).map((u) => u.pin);
  const user: LockUser = {
    id: users.reduce((max, u) => Math.max(max, u.id), 0) + 1,
    serialId,
    pin: pins.length ? Math.max(...pins) + 1 : 10,
    useTimes: 0,
    pwd: newDoorPwd(),
    ...fields,
  };
  users.push(user);
  return result(ONBRIGHT_STATUS.ADD, 'add success', { remoteUser: lockUserView(user, sim.now()) });
}

/** The document marks nickName, startTime, endTime and times required on update too. */
function updateLockUser(body: Record<string, unknown>, sim: SimCore): Answer {
  const fields = lockUserFields(body);
  if (isAnswer(fields)) return fields;
  const pin = intField(body, 'pin');
  if (pin === undefined || pin < 0) return paramError('pin');
  const serialId = textField(body, 'serialId') as string;
  if (!isLock(sim, serialId)) return notFound(`door lock ${serialId}`);
  const user = sim.state.lockUsers.find((u) => u.serialId === serialId && u.pin === pin);
  if (!user) return notFound(`pin ${pin}`);
  // An update issues a new door password.
  Object.assign(user, fields, { pwd: newDoorPwd() });
  return result(ONBRIGHT_STATUS.UPDATE, 'update success', { pwd: user.pwd, remoteUser: lockUserView(user, sim.now()) });
}

export const onbrightRoutes: Route[] = [
  { path: '/oauth/token', methods: { POST: oauthToken } },
  { path: '/login/company', methods: { POST: loginCompany } },
  { path: '/consumer/open/registAliDev', methods: { POST: business(registAliDev) } },
  { path: '/consumer/open/device', methods: { POST: business(scanDevices), DELETE: business(deleteDevice) } },
  { path: '/consumer/open/obox', methods: { POST: business(addObox), GET: business(listObox, false), DELETE: business(deleteObox) } },
  { path: '/consumer/open/intelligentRemoteUser', methods: { POST: business(addLockUser), PUT: business(updateLockUser) } },
];
