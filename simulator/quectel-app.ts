// Quectel Developer Center, App (end-user) OpenAPI: SMS code, register,
// phone login, token refresh, bound devices.
import { randomInt } from 'node:crypto';
import { quectelDecryptPassword, quectelLoginSignature, quectelSmsSignature, sha256Hex } from '../lib/crypto';
import type { SimCore } from './core';
import { DEMO } from './demo';
import { jsonObjectBody, positiveInt, textField, type Answer, type Call, type Route } from './http';
import {
  checkService, checkWrite, deliver, isFresh, isProblem, pageOf, parseKv, parseService, quectelAnswer, renderTsl, shadowOf, TIMESTAMP_CODE,
  type DeviceProblem, type Problem,
} from './quectel';
import { chinaTime, type AppDevice, type TokenRecord } from './state';

/**
 * Result codes, from the App API error table (appDevelop-errorCode) and the
 * pages of each call. PARAM is the fallback for a parameter that neither has
 * a "please input …" nor a "format" code of its own (see PARAM_CODES).
 */
export const APP_CODES = {
  OK: 200,
  /**
   * App table: "data exception", the table's general code for input it cannot
   * take. Chosen for malformed parameters that have no code of their own (a bad
   * JSON body, page numbers, codeType, random …).
   */
  PARAM: 5103,
  /** App table and the phone login page: the mobile number is registered. */
  ALREADY_REGISTERED: 5002,
  /** App table and the phone login page: the mobile number is not registered. */
  NO_USER: 5004,
  /** App table and the email login page: the email address is not registered. */
  NO_EMAIL_USER: 5031,
  /** App table: the user domain does not exist. */
  UNKNOWN_DOMAIN: 5015,
  TOKEN_INVALID: 5032,
  SMS_CODE_WRONG: 5037,
  /** App table: permission denied (a device or product that is not the user's). */
  NO_PERMISSION: 5041,
  /** App table: the device is not bound (to this user). */
  NOT_BOUND: 5052,
  TOKEN_MISSING: 5106,
  /** App table: failed to decrypt the password. */
  DECRYPT: 5353,
  REFRESH_MISSING: 5115,
  TIMESTAMP: TIMESTAMP_CODE,
  /** Wrong password; the message says how many attempts are left. */
  WRONG_PASSWORD: 5146,
  /** App table: TSL query failed (productTSL of an unknown product). */
  TSL_FAILED: 5193,
  /** After five wrong passwords in a row the account is locked (until reset()). */
  LOCKED: 5325,
  SIGNATURE: 5420,
  /** App table: query type missing (getDeviceBusinessAttributes with codeList but no type). */
  QUERY_TYPE_MISSING: 5471,
} as const;

/** "Please input …" codes of the App table, by parameter name. */
const MISSING_CODES: Record<string, number> = {
  phone: 5021, pwd: 5022, userDomain: 5023, email: 5026, smsCode: 5029, token: 5106, internationalCode: 5116,
  ts: 5145, signature: 5550, pk: 5066, productKey: 5066, dk: 5067, deviceKey: 5067, type: 5070, dataFormat: 5072,
  data: 5074, deviceList: 5311, cacheTime: 5328, startTimestamp: 5107, endTimestamp: 5108,
};

/** "Incorrect format" / "out of range" codes of the App table, by parameter name. */
const INVALID_CODES: Record<string, number> = {
  phone: 5019, email: 5040, pwd: 5056, ts: 5145, type: 5071, dataFormat: 5073, data: 5075, deviceList: 5312,
  cacheTime: 5329, isCache: 5330, isCover: 5331, startTimestamp: 5109, endTimestamp: 5110, pk: 5339, dk: 5361,
};

/** Wrong email password with 1, 2, 3, 4 attempts left: the email login page's own codes. */
const EMAIL_ATTEMPTS_LEFT = [0, 5583, 5584, 5585, 5586];

const MAX_LOGIN_FAILURES = 5;
/** SMS codes live 5 minutes and are used up by a successful registration. */
const SMS_CODE_LIFETIME_MS = 5 * 60_000;
const PHONE = /^\d{5,20}$/;
const COUNTRY = /^\d{1,4}$/;

const USER_DOMAINS: Record<string, string> = { [DEMO.quectelApp.userDomain]: DEMO.quectelApp.userDomainSecret };

const ok = (data: unknown = null): Answer => quectelAnswer(APP_CODES.OK, '', data);
const MISSING = 'is missing';
/** A refusal of one parameter, with the table's code for it when it has one. */
const paramError = (name: string, problem = MISSING): Answer =>
  quectelAnswer((problem === MISSING ? MISSING_CODES[name] : INVALID_CODES[name]) ?? APP_CODES.PARAM, `参数错误: ${name} ${problem}`);
const unknownDomain = (): Answer => quectelAnswer(APP_CODES.UNKNOWN_DOMAIN, '用户域不存在');

function firstMissing(params: Record<string, string | undefined>, names: readonly string[]): string | undefined {
  return names.find((name) => !params[name]);
}

function sendPhoneSmsCode(call: Call, sim: SimCore): Answer {
  const q = call.query;
  const missing = firstMissing(q, ['codeType', 'phone', 'random', 'ts', 'userDomain', 'signature']);
  if (missing) return paramError(missing);
  if (!/^[1-5]$/.test(q.codeType)) return paramError('codeType', 'must be 1 to 5');
  if (!PHONE.test(q.phone)) return paramError('phone', 'is not a phone number');
  if (q.internationalCode !== undefined && !COUNTRY.test(q.internationalCode)) return paramError('internationalCode', 'is not a country code');
  if (q.random.length !== 16) return paramError('random', 'must be 16 characters');
  if (!/^\d{1,16}$/.test(q.ts)) return paramError('ts', 'is not a millisecond timestamp');
  const secret = USER_DOMAINS[q.userDomain];
  if (!secret) return unknownDomain();
  if (!isFresh(q.ts, sim.now())) return quectelAnswer(APP_CODES.TIMESTAMP, '时间戳无效');
  const expected = quectelSmsSignature({ phone: q.phone, codeType: q.codeType, random: q.random, ts: q.ts, userDomainSecret: secret });
  if (q.signature !== expected) return quectelAnswer(APP_CODES.SIGNATURE, '签名验证失败');

  const code = sim.options.fixedSmsCode ? DEMO.smsCode : String(randomInt(0, 1_000_000)).padStart(6, '0');
  const now = sim.now();
  const internationalCode = q.internationalCode ?? DEMO.quectelApp.internationalCode;
  sim.state.smsCodes.set(q.phone, { phone: q.phone, internationalCode, codeType: Number(q.codeType), code, sentAt: now, expiresAt: now + SMS_CODE_LIFETIME_MS });
  // The console stands in for the phone.
  sim.log(`SMS to +${internationalCode} ${q.phone} (codeType ${q.codeType}): ${code}`);
  return ok();
}

function isAgreementList(value: unknown): boolean {
  return Array.isArray(value) && value.length <= 10 && value.every((item) =>
    item !== null && typeof item === 'object' && [1, 2].includes((item as Record<string, unknown>).protocolType as number)
    && typeof (item as Record<string, unknown>).privacyVersion === 'string');
}

function phonePwdRegister(call: Call, sim: SimCore): Answer {
  const parsed = jsonObjectBody(call);
  if (!parsed.ok) return paramError('body', parsed.reason);
  const body = parsed.value;
  const required = ['phone', 'random', 'pwd', 'smsCode', 'userDomain'] as const;
  const missing = required.find((name) => !textField(body, name));
  if (missing) return paramError(missing);
  const [phone, random, pwd, smsCode, userDomain] = required.map((name) => textField(body, name) as string);
  const givenCountry = textField(body, 'internationalCode');
  if (!PHONE.test(phone)) return paramError('phone', 'is not a phone number');
  if (givenCountry !== undefined && !COUNTRY.test(givenCountry)) return paramError('internationalCode', 'is not a country code');
  if (body.agreementList !== undefined && !isAgreementList(body.agreementList)) return paramError('agreementList', 'is not a list of agreements');
  if (!USER_DOMAINS[userDomain]) return unknownDomain();

  const internationalCode = givenCountry ?? DEMO.quectelApp.internationalCode;
  const sms = sim.state.smsCodes.get(phone);
  const codeOk = sms && sms.codeType === 3 && sms.code === smsCode && sms.internationalCode === internationalCode && sms.expiresAt > sim.now();
  if (!codeOk) return quectelAnswer(APP_CODES.SMS_CODE_WRONG, '短信验证码验证失败');
  if (sim.state.users.has(phone)) return quectelAnswer(APP_CODES.ALREADY_REGISTERED, '手机号已注册');

  let password: string;
  try {
    password = quectelDecryptPassword(pwd, random);
  } catch {
    return quectelAnswer(APP_CODES.DECRYPT, '密码解密失败');
  }
  if (password.length < 6 || password.length > 64) return paramError('pwd', 'must be 6 to 64 characters');

  sim.state.smsCodes.delete(phone);
  const uid = `C${131362 + sim.state.users.size}`;
  sim.state.users.set(phone, { uid, phone, internationalCode, userDomain, password, userName: `Qu${uid}`, failedLogins: 0 });
  return ok({ uid });
}

function tokenPair(sim: SimCore, uid: string): { accessToken: { token: string; expirationTime: number }; refreshToken: { token: string; expirationTime: number } } {
  const { lifetimes } = sim.options;
  const seconds = (r: TokenRecord): number => Math.floor(r.expiresAt / 1000);
  const access = sim.issueToken('quectel-app', 'access', uid, lifetimes.quectelAppAccess);
  const refresh = sim.issueToken('quectel-app', 'refresh', uid, lifetimes.quectelAppRefresh);
  return {
    accessToken: { token: access.token, expirationTime: seconds(access) },
    refreshToken: { token: refresh.token, expirationTime: seconds(refresh) },
  };
}

function phonePwdLogin(call: Call, sim: SimCore): Answer {
  sim.counters.logins['quectel-app']++;
  const q = call.query;
  const missing = firstMissing(q, ['phone', 'pwd', 'random', 'userDomain', 'signature']);
  if (missing) return paramError(missing);
  if (q.internationalCode !== undefined && !COUNTRY.test(q.internationalCode)) return paramError('internationalCode', 'is not a country code');
  const secret = USER_DOMAINS[q.userDomain];
  if (!secret) return unknownDomain();
  // The signature covers internationalCode as sent (empty when left out) and the encrypted pwd.
  const expected = quectelLoginSignature({ internationalCode: q.internationalCode ?? '', phone: q.phone, pwd: q.pwd, random: q.random, userDomainSecret: secret });
  if (q.signature !== expected) return quectelAnswer(APP_CODES.SIGNATURE, '签名验证失败');
  let password: string;
  try {
    password = quectelDecryptPassword(q.pwd, q.random);
  } catch {
    return quectelAnswer(APP_CODES.DECRYPT, '密码解密失败');
  }

  const user = sim.state.users.get(q.phone);
  const internationalCode = q.internationalCode ?? DEMO.quectelApp.internationalCode;
  if (!user || user.internationalCode !== internationalCode || user.userDomain !== q.userDomain) {
    return quectelAnswer(APP_CODES.NO_USER, '用户不存在');
  }
  if (user.failedLogins >= MAX_LOGIN_FAILURES) return quectelAnswer(APP_CODES.LOCKED, '登录失败次数过多，账号已锁定');
  if (password !== user.password) {
    user.failedLogins++;
    const left = MAX_LOGIN_FAILURES - user.failedLogins;
    return left > 0
      ? quectelAnswer(APP_CODES.WRONG_PASSWORD, `密码错误，还可尝试 ${left} 次`)
      : quectelAnswer(APP_CODES.LOCKED, '登录失败次数过多，账号已锁定');
  }
  user.failedLogins = 0;
  return ok(tokenPair(sim, user.uid));
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Email and password login. Like the phone login, the parameters travel in
 * the query of a POST, the password AES-encrypted with the random; the
 * signature is SHA-256 over email, encrypted pwd, random and the user domain
 * secret (no internationalCode here). Wrong passwords count toward the same
 * lock as the phone login, answered with this page's own "n attempts left" codes.
 */
function emailPwdLogin(call: Call, sim: SimCore): Answer {
  sim.counters.logins['quectel-app']++;
  const q = call.query;
  const missing = firstMissing(q, ['email', 'pwd', 'userDomain', 'signature', 'random']);
  if (missing) return paramError(missing);
  if (!EMAIL.test(q.email)) return paramError('email', 'is not an email address');
  if (q.mcc !== undefined && !/^\d{1,4}$/.test(q.mcc)) return paramError('mcc', 'is not a number');
  const secret = USER_DOMAINS[q.userDomain];
  if (!secret) return unknownDomain();
  if (q.signature !== sha256Hex(`${q.email}${q.pwd}${q.random}${secret}`)) return quectelAnswer(APP_CODES.SIGNATURE, '签名验证失败');
  let password: string;
  try {
    password = quectelDecryptPassword(q.pwd, q.random);
  } catch {
    return quectelAnswer(APP_CODES.DECRYPT, '密码解密失败');
  }
  const email = q.email.toLowerCase();
  const user = [...sim.state.users.values()].find((u) => u.email?.toLowerCase() === email && u.userDomain === q.userDomain);
  if (!user) return quectelAnswer(APP_CODES.NO_EMAIL_USER, '邮箱未注册');
  if (user.failedLogins >= MAX_LOGIN_FAILURES) return quectelAnswer(APP_CODES.LOCKED, '登录失败次数过多，账号已锁定');
  if (password !== user.password) {
    user.failedLogins++;
    const left = MAX_LOGIN_FAILURES - user.failedLogins;
    return left > 0
      ? quectelAnswer(EMAIL_ATTEMPTS_LEFT[left], `邮箱或密码错误，还可尝试 ${left} 次`)
      : quectelAnswer(APP_CODES.LOCKED, '登录失败次数过多，账号已锁定');
  }
  user.failedLogins = 0;
  return ok(tokenPair(sim, user.uid));
}

function refreshToken(call: Call, sim: SimCore): Answer {
  sim.counters.refreshes['quectel-app']++;
  const token = call.query.refreshToken;
  if (!token) return quectelAnswer(APP_CODES.REFRESH_MISSING, 'refreshToken 不能为空');
  const check = sim.checkToken(token, 'quectel-app', ['refresh']);
  if (!check.ok) return quectelAnswer(APP_CODES.TOKEN_INVALID, 'token 验证失败');
  // A refresh token is good for one refresh; the old access token lives on until it expires.
  check.record.revoked = true;
  return ok(tokenPair(sim, check.record.subject));
}

/** PageHelper's PageInfo, which the document's device list is. */
export function pageInfo<T>(all: readonly T[], pageNum: number, pageSize: number): Record<string, unknown> {
  const list = pageOf(all, pageNum, pageSize);
  const total = all.length;
  const pages = Math.ceil(total / pageSize);
  const startRow = list.length ? (pageNum - 1) * pageSize + 1 : 0;
  const navigatePages = 8;
  let first = Math.max(1, pageNum - navigatePages / 2);
  const last = Math.min(pages, first + navigatePages - 1);
  first = Math.max(1, last - navigatePages + 1);
  const navigatepageNums: number[] = [];
  for (let n = first; n <= last; n++) navigatepageNums.push(n);
  return {
    total,
    list,
    pageNum,
    pageSize,
    size: list.length,
    startRow,
    endRow: list.length ? startRow + list.length - 1 : 0,
    pages,
    prePage: pageNum > 1 ? pageNum - 1 : 0,
    nextPage: pageNum < pages ? pageNum + 1 : 0,
    isFirstPage: pageNum === 1,
    isLastPage: pageNum === pages || pages === 0,
    hasPreviousPage: pageNum > 1,
    hasNextPage: pageNum < pages,
    navigatePages,
    navigatepageNums,
    navigateFirstPage: navigatepageNums[0] ?? 0,
    navigateLastPage: navigatepageNums[navigatepageNums.length - 1] ?? 0,
  };
}

function userDeviceList(call: Call, sim: SimCore): Answer {
  const token = call.headers.authorization;
  if (!token) return quectelAnswer(APP_CODES.TOKEN_MISSING, 'token 不能为空');
  const check = sim.checkToken(token, 'quectel-app', ['access']);
  if (!check.ok) return quectelAnswer(APP_CODES.TOKEN_INVALID, 'token 验证失败');

  const q = call.query;
  const page = positiveInt(q.page, 1_000_000) ?? 1;
  if (Number.isNaN(page)) return paramError('page', 'must be a positive integer');
  const pageSize = positiveInt(q.pageSize, 1000) ?? 10;
  if (Number.isNaN(pageSize)) return paramError('pageSize', 'must be 1 to 1000');
  const pks = q.pkList ? q.pkList.split(',').map((pk) => pk.trim()).filter(Boolean) : [];
  const matching = sim.state.devices.filter((d: AppDevice) =>
    d.uid === check.record.subject
    && (pks.length === 0 || pks.includes(d.productKey))
    && (!q.dk || d.deviceKey === q.dk)
    && (!q.deviceName || d.deviceName.includes(q.deviceName)));
  return ok(pageInfo(matching, page, pageSize));
}

// ---- Devices: control, thing model values and history ----

/** The uid of the user whose access token the Authorization header holds, or the refusal. */
export function appUser(call: Call, sim: SimCore): string | Answer {
  const token = call.headers.authorization;
  if (!token) return quectelAnswer(APP_CODES.TOKEN_MISSING, 'token 不能为空');
  const check = sim.checkToken(token, 'quectel-app', ['access']);
  if (!check.ok) return quectelAnswer(APP_CODES.TOKEN_INVALID, 'token 验证失败');
  return check.record.subject;
}

const ownedDevice = (sim: SimCore, uid: string, productKey: string, deviceKey: string): AppDevice | undefined =>
  sim.state.devices.find((d) => d.uid === uid && d.productKey === productKey && d.deviceKey === deviceKey);

/** How a device problem reads in a batchControlDevice failure. */
const PROBLEM_TEXT: Record<DeviceProblem, string> = {
  'no-device': '设备未绑定或无权限',
  offline: '设备离线',
  'unknown-code': '物模型中没有该标识符',
  'wrong-type': '物模型数据类型错误',
  'out-of-range': '数值超出范围或步长',
  'not-in-enum': '枚举值不存在',
  'too-long': '文本长度超出限制',
  'read-only': '只读属性不能下发',
  'not-service': '该标识符不是服务',
};

/** A body field that must be one of some integers when given: the number, undefined when absent, NaN when wrong. */
function oneOf(body: Record<string, unknown>, name: string, allowed: readonly number[]): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return allowed.includes(n) ? n : NaN;
}

/**
 * Batch control: one data string to a list of the user's devices, as
 * passthrough (type 1, hex or text), property values (type 2, the same JSON
 * forms as the SaaS writeData) or a service call (type 3). Each device
 * succeeds with a ticket or fails with a message.
 */
function batchControlDevice(call: Call, sim: SimCore): Answer {
  const uid = appUser(call, sim);
  if (typeof uid !== 'string') return uid;
  const parsed = jsonObjectBody(call);
  if (!parsed.ok) return paramError('body', parsed.reason);
  const body = parsed.value;
  if (body.type === undefined || body.type === null || body.type === '') return paramError('type');
  const type = oneOf(body, 'type', [1, 2, 3]);
  if (Number.isNaN(type)) return paramError('type', 'must be 1, 2 or 3');
  if (typeof body.data !== 'string' || body.data === '') return paramError('data');
  if (body.data.length > 4096) return paramError('data', 'is longer than 4096');
  let dataFormat: number | undefined;
  if (type === 1) {
    if (body.dataFormat === undefined || body.dataFormat === null || body.dataFormat === '') return paramError('dataFormat');
    dataFormat = oneOf(body, 'dataFormat', [1, 2]);
    if (Number.isNaN(dataFormat)) return paramError('dataFormat', 'must be 1 (hex) or 2 (text)');
    if (dataFormat === 1 && !/^(?:[0-9a-fA-F]{2})+$/.test(body.data)) return paramError('data', 'is not hex');
  }
  const list = body.deviceList;
  if (!Array.isArray(list) || list.length === 0) return paramError('deviceList');
  if (list.length > 100) return paramError('deviceList', 'holds more than 100 devices');
  const pairs = list.map((d) => (typeof d === 'object' && d !== null ? d as Record<string, unknown> : {}));
  if (pairs.some((d) => typeof d.productKey !== 'string' || d.productKey === '')) return paramError('productKey');
  if (pairs.some((d) => typeof d.deviceKey !== 'string' || d.deviceKey === '')) return paramError('deviceKey');
  const isCache = oneOf(body, 'isCache', [1, 2]);
  if (Number.isNaN(isCache)) return paramError('isCache', 'must be 1 or 2');
  const isCover = oneOf(body, 'isCover', [1, 2]);
  if (Number.isNaN(isCover)) return paramError('isCover', 'must be 1 or 2');
  let cacheTime: number | undefined;
  if (isCache === 1) {
    if (body.cacheTime === undefined || body.cacheTime === null || body.cacheTime === '' || body.cacheTime === 0) return paramError('cacheTime');
    cacheTime = Number(body.cacheTime);
    if (!Number.isInteger(cacheTime) || cacheTime < 1 || cacheTime > 7_776_000) return paramError('cacheTime', 'must be 1 to 7776000 seconds');
  }
  const qos = oneOf(body, 'qos', [0, 1]);
  if (Number.isNaN(qos)) return paramError('qos', 'must be 0 or 1');
  const delivery = { isCache: isCache === 1, isCover: isCover === 1, cacheTimeSeconds: cacheTime ?? 0 };

  // The command, checked per device against that device's own product model.
  const commandFor = (productKey: string): Parameters<typeof deliver>[2] | Problem | string => {
    if (type === 1) {
      const raw = (dataFormat === 1 ? Buffer.from(body.data as string, 'hex') : Buffer.from(body.data as string, 'utf8')).toString('base64');
      return { kind: 'raw', kv: {}, raw };
    }
    const product = sim.state.appProducts.get(productKey);
    if (!product) return { problem: 'no-device', detail: PROBLEM_TEXT['no-device'] };
    if (type === 2) {
      const kv = parseKv(body.data as string);
      if (typeof kv === 'string') return '物模型数据格式错误';
      const checked = checkWrite(product, kv);
      return isProblem(checked) ? checked : { kind: 'property', kv: checked };
    }
    const svc = parseService(body.data as string);
    if (typeof svc === 'string') return '物模型数据格式错误';
    const checked = checkService(product, svc.service, svc.inputs);
    return isProblem(checked) ? checked : { kind: 'service', service: svc.service, kv: checked };
  };

  const successList: unknown[] = [];
  const failureList: unknown[] = [];
  for (const d of pairs) {
    const productKey = d.productKey as string;
    const deviceKey = d.deviceKey as string;
    const echo = {
      productKey, deviceKey,
      ...(typeof d.gatewayProductKey === 'string' ? { gatewayProductKey: d.gatewayProductKey } : {}),
      ...(typeof d.gatewayDeviceKey === 'string' ? { gatewayDeviceKey: d.gatewayDeviceKey } : {}),
    };
    const shadow = ownedDevice(sim, uid, productKey, deviceKey) ? shadowOf(sim, productKey, deviceKey) : undefined;
    if (!shadow) {
      failureList.push({ data: echo, msg: PROBLEM_TEXT['no-device'] });
      continue;
    }
    const command = commandFor(productKey);
    if (typeof command === 'string') {
      failureList.push({ data: echo, msg: command });
      continue;
    }
    const result = isProblem(command) ? command : deliver(sim, shadow, command, delivery);
    if (isProblem(result)) failureList.push({ data: echo, msg: `${PROBLEM_TEXT[result.problem]}: ${result.detail}` });
    else successList.push({ data: echo, ticket: result });
  }
  return ok({ successList, failureList });
}

/** The user's device named by pk and dk in the query, or the refusal (not bound: 5052). */
function boundDevice(call: Call, sim: SimCore, uid: string): AppDevice | Answer {
  const { pk, dk } = call.query;
  if (!pk) return paramError('pk');
  if (!dk) return paramError('dk');
  return ownedDevice(sim, uid, pk, dk) ?? quectelAnswer(APP_CODES.NOT_BOUND, '设备未绑定');
}

const isAnswer = (x: object): x is Answer => 'status' in x && 'body' in x;

const valueText = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** The device's thing model values (type 2), module facts (type 1) and location (type 3; none is reported). */
function getDeviceBusinessAttributes(call: Call, sim: SimCore): Answer {
  const uid = appUser(call, sim);
  if (typeof uid !== 'string') return uid;
  const device = boundDevice(call, sim, uid);
  if (isAnswer(device)) return device;
  const q = call.query;
  if (q.codeList && !q.type) return quectelAnswer(APP_CODES.QUERY_TYPE_MISSING, '请输入属性标识符的查询类型');
  const types = (q.type ?? '1,2,3').split(',').map((t) => t.trim()).filter(Boolean);
  if (types.length === 0 || !types.every((t) => ['1', '2', '3'].includes(t))) return paramError('type', 'must be 1, 2 or 3, comma-separated');
  const codes = q.codeList ? q.codeList.split(',').map((c) => c.trim()).filter(Boolean) : [];
  const shadow = shadowOf(sim, device.productKey, device.deviceKey);
  const product = sim.state.appProducts.get(device.productKey);
  const data: Record<string, unknown> = {};
  if (types.includes('2')) {
    data.customizeTslInfo = (product?.tsl ?? [])
      .filter((t) => t.type === 'PROPERTY' && (codes.length === 0 || codes.includes(t.code)))
      .map((t) => ({
        abId: t.id, dataType: t.dataType, name: t.name.CN, resourceCode: t.code, resourceValce: valueText(shadow?.values[t.code]),
        subType: t.subType, type: t.type,
      }));
  }
  if (types.includes('1')) {
    data.deviceData = {
      battery: typeof shadow?.values.battery === 'number' ? shadow.values.battery : null, cellId: null, comProtocolVer: null, dataProtocolVer: '1.3.0',
      deviceKey: device.deviceKey, iccid: null, lac: null, locator: 'NONE;LBS;', mcc: null, mcuVersion: null, memoryFree: null, mnc: null,
      phoneNum: null, productKey: device.productKey, rsrp: null, rsrq: null, sdkVersion: null, signalStrength: Number(device.signalStrength),
      sim: null, snr: null, type: 'EC800M', version: 'EC800MCNGAR06A01M08', voltage: null,
    };
  }
  if (types.includes('3')) data.deviceLocateInfo = null;
  return ok(data);
}

/** Integer query parameter (a millisecond timestamp): undefined when absent, NaN when malformed. */
function timestampParam(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  return /^\d{1,16}$/.test(value) ? Number(value) : NaN;
}

/** One property's values over a time range, newest first, as a PageInfo. */
function getPropertyDataList(call: Call, sim: SimCore): Answer {
  const uid = appUser(call, sim);
  if (typeof uid !== 'string') return uid;
  const q = call.query;
  const device = boundDevice(call, sim, uid);
  if (isAnswer(device)) return device;
  if (!q.attributeCode) return paramError('attributeCode');
  const start = timestampParam(q.startTimestamp);
  if (start === undefined) return paramError('startTimestamp');
  if (Number.isNaN(start)) return paramError('startTimestamp', 'is not a millisecond timestamp');
  const end = timestampParam(q.endTimestamp);
  if (end === undefined) return paramError('endTimestamp');
  if (Number.isNaN(end)) return paramError('endTimestamp', 'is not a millisecond timestamp');
  if (start > end) return quectelAnswer(5223, '开始时间不能晚于结束时间');
  const page = positiveInt(q.page, 1_000_000) ?? 1;
  if (Number.isNaN(page)) return paramError('page', 'must be a positive integer');
  const pageSize = positiveInt(q.pageSize, 1000) ?? 10;
  if (Number.isNaN(pageSize)) return paramError('pageSize', 'must be 1 to 1000');
  const shadow = shadowOf(sim, device.productKey, device.deviceKey);
  const rows = (shadow?.history ?? [])
    .filter((e) => e.direction === 1 && e.kind === 'property' && q.attributeCode in e.kv && e.at >= start && e.at <= end)
    .reverse()
    .map((e) => ({
      createTime: chinaTime(e.at), createTimeStr: chinaTime(e.at), createTimeTs: e.at, deviceKey: device.deviceKey, productKey: device.productKey,
      propertyCode: q.attributeCode, propertyValue: e.kv[q.attributeCode], tsCreateTime: e.at,
    }));
  return ok(pageInfo(rows, page, pageSize));
}

/** The thing model of a product the user has a device of. */
function productTSL(call: Call, sim: SimCore): Answer {
  const uid = appUser(call, sim);
  if (typeof uid !== 'string') return uid;
  const pk = call.query.pk;
  if (!pk) return paramError('pk');
  const product = sim.state.appProducts.get(pk);
  if (!product) return quectelAnswer(APP_CODES.TSL_FAILED, '物模型查询失败');
  if (!sim.state.devices.some((d) => d.uid === uid && d.productKey === pk)) return quectelAnswer(APP_CODES.NO_PERMISSION, '没有权限');
  return ok(renderTsl(product, 'CN'));
}

/** One bound device's details, online state and connection times included. */
function deviceInfo(call: Call, sim: SimCore): Answer {
  const uid = appUser(call, sim);
  if (typeof uid !== 'string') return uid;
  const q = call.query;
  if (q.shareCode) return quectelAnswer(5137, '分享码无效');
  if (!q.pk || !q.dk) return quectelAnswer(5140, '请输入 pk、dk 或分享码');
  const device = boundDevice(call, sim, uid);
  if (isAnswer(device)) return device;
  const shadow = shadowOf(sim, device.productKey, device.deviceKey);
  const lastConn = shadow?.lastConnTime ?? 0;
  const lastOffline = shadow?.lastOfflineTime ?? 0;
  const { uid: owner, ...rest } = device;
  return ok({
    ...rest,
    uid: owner,
    activeTime: chinaTime(device.deviceCreateTimeTs as number),
    activeTimeTs: device.deviceCreateTimeTs,
    lastConnTime: chinaTime(lastConn),
    lastConnTimeTs: lastConn,
    lastOfflineTime: lastOffline ? chinaTime(lastOffline) : null,
    lastOfflineTimeTs: lastOffline || null,
    onlineStatus: shadow?.online ? 1 : 0,
    deviceStatus: shadow?.online ? '在线' : '离线',
    bindingType: 3,
    capabilitiesBitmask: 1,
    upgradeStatus: 0,
    userConfirmStatus: 0,
  });
}

export const quectelAppRoutes: Route[] = [
  { path: '/v2/sms/enduserapi/v2/sendPhoneSmsCode', methods: { POST: sendPhoneSmsCode } },
  { path: '/v2/enduser/enduserapi/v2/phonePwdRegister', methods: { POST: phonePwdRegister } },
  { path: '/v2/enduser/enduserapi/emailPwdLogin', methods: { POST: emailPwdLogin } },
  { path: '/v2/enduser/enduserapi/phonePwdLogin', methods: { POST: phonePwdLogin } },
  { path: '/v2/enduser/enduserapi/refreshToken', methods: { PUT: refreshToken } },
  { path: '/v2/binding/enduserapi/userDeviceList', methods: { GET: userDeviceList } },
  { path: '/v2/binding/enduserapi/batchControlDevice', methods: { POST: batchControlDevice } },
  { path: '/v2/binding/enduserapi/getDeviceBusinessAttributes', methods: { GET: getDeviceBusinessAttributes } },
  { path: '/v2/binding/enduserapi/productTSL', methods: { GET: productTSL } },
  { path: '/v2/binding/enduserapi/deviceInfo', methods: { GET: deviceInfo } },
  { path: '/v2/quecdatastorage/enduserapi/getPropertyDataList', methods: { GET: getPropertyDataList } },
];
