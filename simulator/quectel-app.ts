// Quectel Developer Center, App (end-user) OpenAPI: SMS code, register,
// phone login, token refresh, bound devices.
import { randomInt } from 'node:crypto';
import { quectelDecryptPassword, quectelLoginSignature, quectelSmsSignature } from '../lib/crypto';
import type { SimCore } from './core';
import { DEMO } from './demo';
import { jsonObjectBody, positiveInt, textField, type Answer, type Call, type Route } from './http';
import { isFresh, pageOf, quectelAnswer, TIMESTAMP_CODE } from './quectel';
import type { AppDevice, TokenRecord } from './state';

/**
 * Result codes. 5032, 5037, 5106, 5115, 5145, 5146, 5325, 5420 are the
 * vendor's; the documents are silent on the others, which are our choice.
 */
export const APP_CODES = {
  OK: 200,
  /** Chosen: a required parameter is missing or malformed, or the JSON body is bad. */
  PARAM: 5002,
  /** Chosen: phone already registered. */
  ALREADY_REGISTERED: 5009,
  /** Chosen: no such user (login). */
  NO_USER: 5010,
  /** Chosen: userDomain unknown. */
  UNKNOWN_DOMAIN: 5016,
  TOKEN_INVALID: 5032,
  SMS_CODE_WRONG: 5037,
  TOKEN_MISSING: 5106,
  REFRESH_MISSING: 5115,
  TIMESTAMP: TIMESTAMP_CODE,
  /** Wrong password; the message says how many attempts are left. */
  WRONG_PASSWORD: 5146,
  /** After five wrong passwords in a row the account is locked (until reset()). */
  LOCKED: 5325,
  SIGNATURE: 5420,
} as const;

const MAX_LOGIN_FAILURES = 5;
/** SMS codes live 5 minutes and are used up by a successful registration. */
const SMS_CODE_LIFETIME_MS = 5 * 60_000;
const PHONE = /^\d{5,20}$/;
const COUNTRY = /^\d{1,4}$/;

const USER_DOMAINS: Record<string, string> = { [DEMO.quectelApp.userDomain]: DEMO.quectelApp.userDomainSecret };

const ok = (data: unknown = null): Answer => quectelAnswer(APP_CODES.OK, '', data);
const paramError = (name: string, problem = 'is missing or invalid'): Answer => quectelAnswer(APP_CODES.PARAM, `参数错误: ${name} ${problem}`);
const unknownDomain = (): Answer => quectelAnswer(APP_CODES.UNKNOWN_DOMAIN, '用户域不存在');

function firstMissing(params: Record<string, string | undefined>, names: readonly string[]): string | undefined {
  return names.find((name) => !params[name]);
}

function sendPhoneSmsCode(call: Call, sim: SimCore): Answer {
  const q = call.query;
  const missing = firstMissing(q, ['codeType', 'phone', 'random', 'ts', 'userDomain', 'signature']);
  if (missing) return paramError(missing);
  if (!/^[1-5]$/.test(q.codeType)) return paramError('codeType', 'must be 1 to 5');
  if (!PHONE.test(q.phone)) return paramError('phone');
  if (q.internationalCode !== undefined && !COUNTRY.test(q.internationalCode)) return paramError('internationalCode');
  if (q.random.length !== 16) return paramError('random', 'must be 16 characters');
  if (!/^\d{1,16}$/.test(q.ts)) return paramError('ts');
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
  if (!PHONE.test(phone)) return paramError('phone');
  if (givenCountry !== undefined && !COUNTRY.test(givenCountry)) return paramError('internationalCode');
  if (body.agreementList !== undefined && !isAgreementList(body.agreementList)) return paramError('agreementList');
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
    return paramError('pwd', 'cannot be decrypted');
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
  if (q.internationalCode !== undefined && !COUNTRY.test(q.internationalCode)) return paramError('internationalCode');
  const secret = USER_DOMAINS[q.userDomain];
  if (!secret) return unknownDomain();
  // The signature covers internationalCode as sent (empty when left out) and the encrypted pwd.
  const expected = quectelLoginSignature({ internationalCode: q.internationalCode ?? '', phone: q.phone, pwd: q.pwd, random: q.random, userDomainSecret: secret });
  if (q.signature !== expected) return quectelAnswer(APP_CODES.SIGNATURE, '签名验证失败');
  let password: string;
  try {
    password = quectelDecryptPassword(q.pwd, q.random);
  } catch {
    return paramError('pwd', 'cannot be decrypted');
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
function pageInfo<T>(all: readonly T[], pageNum: number, pageSize: number): Record<string, unknown> {
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
  if (Number.isNaN(page)) return paramError('page');
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

export const quectelAppRoutes: Route[] = [
  { path: '/v2/sms/enduserapi/v2/sendPhoneSmsCode', methods: { POST: sendPhoneSmsCode } },
  { path: '/v2/enduser/enduserapi/v2/phonePwdRegister', methods: { POST: phonePwdRegister } },
  { path: '/v2/enduser/enduserapi/phonePwdLogin', methods: { POST: phonePwdLogin } },
  { path: '/v2/enduser/enduserapi/refreshToken', methods: { PUT: refreshToken } },
  { path: '/v2/binding/enduserapi/userDeviceList', methods: { GET: userDeviceList } },
];
