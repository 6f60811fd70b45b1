// Quectel Developer Center, SaaS OpenAPI: AccessKey login and refresh, TSL
// export, device overview.
import { sha256Hex } from '../lib/crypto';
import type { SimCore } from './core';
import { DEMO } from './demo';
import { json, positiveInt, queryAndForm, type Answer, type Call, type Route } from './http';
import { isFresh, pageOf, quectelAnswer } from './quectel';
import type { Product, TslItem, TslSpec } from './state';

/**
 * Result codes, from the SaaS error table (saasDevelop-errorCode, "Product and
 * Device Management") and the pages of each call, except the two login ones
 * marked below.
 */
export const SAAS_CODES = {
  OK: 200,
  PARAM: 50005,
  PRODUCT_KEY_EMPTY: 50006,
  /** DeviceID, ProductKey or DeviceKey is empty. */
  DEVICE_KEY_EMPTY: 50007,
  DEVICE_OFFLINE: 61002,
  PRODUCT_UNKNOWN: 70017,
  /** Transparent-transmission devices cannot take TSL data. */
  NOT_TSL: 70063,
  OUT_OF_RANGE: 70090,
  NOT_IN_ENUM: 70091,
  TEXT_TOO_LONG: 70092,
  /** The TSL model cannot make out the data (e.g. an identifier it does not have). */
  TSL_UNKNOWN: 70094,
  DEVICE_UNKNOWN: 70130,
  /** Downlink TSL data is not JSON. */
  TSL_NOT_JSON: 71027,
  /** A value of the wrong type for its TSL data type. */
  TSL_VALUE: 71036,
  READ_ONLY: 71038,
  /** Downlink TSL data is JSON but not in the documented list form. */
  TSL_FORMAT: 71047,
  /** From the project's vendor notes (the AccessKey login page is empty): the AccessKey does not exist. */
  ACCESS_KEY_UNKNOWN: 90047,
  /**
   * Chosen: the password (signature over the username) does not verify. No
   * published table has a code for a failed AccessKey login (the SaaS table's
   * 5144 and 5420 belong to its end-user section).
   */
  BAD_PASSWORD: 90048,
  TOKEN_UNKNOWN: 91001,
  TOKEN_INCORRECT: 91004,
} as const;

const ACCESS_KEYS: Record<string, string> = { [DEMO.quectelSaas.accessKey]: DEMO.quectelSaas.accessSecret };
/** Within 30 minutes of its creation or last refresh, a refresh hands back the same token. */
const SAME_TOKEN_WINDOW_MS = 30 * 60_000;

/** The login and refresh endpoints answer failures as the document's example does: code, msg and error, no data. */
const authFailure = (code: number, msg: string): Answer => json({ msg, code, error: msg });
const paramError = (name: string): Answer => quectelAnswer(SAAS_CODES.PARAM, `param check error: ${name}`);

function tokenAnswer(token: string, expiresIn: number): Answer {
  return json({ code: 200, msg: 'OK', access_token: token, token_type: 'jwt', expires_in: expiresIn, scope: '' });
}

function accessKeyLogin(call: Call, sim: SimCore): Answer {
  sim.counters.logins['quectel-saas']++;
  const p = queryAndForm(call);
  if (p.grant_type !== 'password') return authFailure(SAAS_CODES.PARAM, 'param check error: grant_type');
  if (!p.username) return authFailure(SAAS_CODES.PARAM, 'param check error: username');
  if (!p.password) return authFailure(SAAS_CODES.PARAM, 'param check error: password');
  // The username arrives URI-encoded once; decoded, it is key=value pairs in any order.
  const fields = new URLSearchParams(p.username);
  const expectFields: Record<string, RegExp> = {
    ver: /^1$/, auth_mode: /^accessKey$/, sign_method: /^sha256$/, access_key: /^\S+$/, timestamp: /^\d{1,16}$/,
  };
  for (const [name, pattern] of Object.entries(expectFields)) {
    if (!pattern.test(fields.get(name) ?? '')) return authFailure(SAAS_CODES.PARAM, `param check error: username.${name}`);
  }
  const accessKey = fields.get('access_key') as string;
  const secret = ACCESS_KEYS[accessKey];
  if (!secret) return authFailure(SAAS_CODES.ACCESS_KEY_UNKNOWN, "AccessKey didn't exists");
  // A skewed login is refused like a wrong signature, not with the App API's 5145: only the Date header tells them apart.
  if (!isFresh(fields.get('timestamp') as string, sim.now())) return authFailure(SAAS_CODES.BAD_PASSWORD, 'AccessKey authentication failed');
  if (p.password !== sha256Hex(p.username + secret)) return authFailure(SAAS_CODES.BAD_PASSWORD, 'AccessKey authentication failed');

  const record = sim.issueToken('quectel-saas', 'saas', accessKey, sim.options.lifetimes.quectelSaas);
  return tokenAnswer(record.token, sim.secondsLeft(record));
}

function refreshToken(call: Call, sim: SimCore): Answer {
  sim.counters.refreshes['quectel-saas']++;
  const p = queryAndForm(call);
  if (p.grant_type !== 'refresh_token') return authFailure(SAAS_CODES.PARAM, 'param check error: grant_type');
  if (!p.refresh_token) return authFailure(SAAS_CODES.PARAM, 'param check error: refresh_token');
  const check = sim.checkToken(p.refresh_token, 'quectel-saas', ['saas']);
  if (!check.ok) {
    return check.problem === 'expired'
      ? authFailure(SAAS_CODES.TOKEN_INCORRECT, 'token incorrect')
      : authFailure(SAAS_CODES.TOKEN_UNKNOWN, 'token does not exist');
  }
  const old = check.record;
  if (sim.now() - old.lastRefreshAt < SAME_TOKEN_WINDOW_MS) return tokenAnswer(old.token, sim.secondsLeft(old));
  // A new token; the old one stays valid until its own expiry.
  const record = sim.issueToken('quectel-saas', 'saas', old.subject, sim.options.lifetimes.quectelSaas);
  return tokenAnswer(record.token, sim.secondsLeft(record));
}

/** The Authorization header must hold a live token as login gave it: missing/unknown 91001, expired or malformed 91004. */
function authorize(call: Call, sim: SimCore): Answer | undefined {
  const header = call.headers.authorization;
  if (!header) return quectelAnswer(SAAS_CODES.TOKEN_UNKNOWN, 'token does not exist');
  if (!header.startsWith('QJWT ')) return quectelAnswer(SAAS_CODES.TOKEN_INCORRECT, 'token incorrect');
  const check = sim.checkToken(header, 'quectel-saas', ['saas']);
  if (check.ok) return undefined;
  return check.problem === 'expired'
    ? quectelAnswer(SAAS_CODES.TOKEN_INCORRECT, 'token incorrect')
    : quectelAnswer(SAAS_CODES.TOKEN_UNKNOWN, 'token does not exist');
}

/** The product named by the productKey query parameter, or the refusal. */
function productOf(call: Call, sim: SimCore): Product | Answer {
  const productKey = call.query.productKey;
  if (!productKey) return quectelAnswer(SAAS_CODES.PRODUCT_KEY_EMPTY, 'The productID or productKey is empty.');
  return sim.state.products.get(productKey) ?? quectelAnswer(SAAS_CODES.PRODUCT_UNKNOWN, 'Product does not exist.');
}

const isAnswer = (x: Product | Answer): x is Answer => 'status' in x && 'body' in x;

function tslFile(call: Call, sim: SimCore): Answer {
  const refusal = authorize(call, sim);
  if (refusal) return refusal;
  const language = call.query.language ?? 'CN';
  if (language !== 'CN' && language !== 'EN') return paramError('language');
  const product = productOf(call, sim);
  if (isAnswer(product)) return product;

  const spec = (s: TslSpec): Record<string, unknown> => ({ ...s, ...(s.name ? { name: s.name[language] } : {}) });
  const item = (t: TslItem): Record<string, unknown> => ({
    ...t,
    name: t.name[language],
    ...(t.specs ? { specs: t.specs.map(spec) } : {}),
  });
  const ofType = (type: TslItem['type']): Record<string, unknown>[] => product.tsl.filter((t) => t.type === type).map(item);
  return json({
    code: 200,
    msg: 'OK',
    data: {
      profile: { tslVersion: product.tslVersion, productKey: product.productKey, version: product.version },
      properties: ofType('PROPERTY'),
      events: ofType('EVENT'),
      services: ofType('SERVICE'),
    },
  });
}

function deviceOverview(call: Call, sim: SimCore): Answer {
  const refusal = authorize(call, sim);
  if (refusal) return refusal;
  const q = call.query;
  const product = productOf(call, sim);
  if (isAnswer(product)) return product;
  if (q.deviceStatus !== undefined && q.deviceStatus !== '0' && q.deviceStatus !== '1') return paramError('deviceStatus');
  const pageNum = positiveInt(q.pageNum, 1_000_000) ?? 1;
  if (Number.isNaN(pageNum)) return paramError('pageNum');
  const pageSize = positiveInt(q.pageSize, 1000) ?? 10;
  if (Number.isNaN(pageSize)) return paramError('pageSize');

  const matching = product.devices.filter((d) =>
    (!q.deviceKey || d.deviceKey === q.deviceKey)
    && (q.deviceStatus === undefined || d.deviceStatus === Number(q.deviceStatus)));
  return json({
    code: 200,
    msg: 'OK',
    data: pageOf(matching, pageNum, pageSize),
    pageNum,
    pageSize,
    pages: Math.ceil(matching.length / pageSize),
    total: matching.length,
  });
}

/** The account's products, a page at a time, as the document's example shows them. */
function productList(call: Call, sim: SimCore): Answer {
  const refusal = authorize(call, sim);
  if (refusal) return refusal;
  const q = call.query;
  const pageNum = positiveInt(q.pageNum, 1_000_000) ?? 1;
  if (Number.isNaN(pageNum)) return paramError('pageNum');
  const pageSize = positiveInt(q.pageSize, 1000) ?? 10;
  if (Number.isNaN(pageSize)) return paramError('pageSize');
  const matching = [...sim.state.products.values()].filter((p) => !q.productKey || p.productKey === q.productKey);
  const data = pageOf(matching, pageNum, pageSize).map((p) => ({
    accessType: 0, connectPlatform: 0, dataFmt: 3, netWay: '2', productKey: p.productKey, productName: p.name.CN,
  }));
  return json({ code: 200, msg: '', data, pageNum, pageSize, pages: Math.ceil(matching.length / pageSize), total: matching.length });
}

export const quectelSaasRoutes: Route[] = [
  { path: '/v2/quecproductmgr/r3/openapi/products', methods: { GET: productList } },
  { path: '/v2/quecauth/accessKeyAuthrize/accessKeyLogin', methods: { GET: accessKeyLogin, POST: accessKeyLogin } },
  { path: '/v2/quecauth/accessKeyAuthrize/refreshToken', methods: { GET: refreshToken, POST: refreshToken } },
  { path: '/v2/quectsl/openapi/product/export/tslFile', methods: { GET: tslFile } },
  { path: '/v2/devicemgr/r3/openapi/product/device/overview', methods: { GET: deviceOverview } },
];
