// Talks to the simulator over real HTTP, building requests with lib/crypto
// the way a client would.
import { request as httpRequest } from 'node:http';
import {
  desDecrypt, desEncrypt, novastarSign, onbrightBasicAuth, quectelEncryptPassword, quectelLoginSignature,
  quectelSaasCredentials, quectelSmsSignature, randomString,
} from '../../lib/crypto';
import { DEMO, type Simulator } from '../../simulator';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The body parsed as JSON (throws when it is not). */
  json: Record<string, unknown>;
}

export interface Req {
  method?: string;
  query?: Record<string, string | number>;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as it is. */
  body?: unknown;
}

/** One HTTP exchange; rejects on transport errors (the error keeps its code, e.g. ECONNRESET). */
export function send(baseUrl: string, path: string, req: Req = {}): Promise<Reply> {
  const url = new URL(baseUrl + path);
  for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = { ...req.headers };
  let payload: string | undefined;
  if (req.body !== undefined) {
    payload = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
    // Node frames a DELETE body only when told its length.
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const r = httpRequest(url, { method: req.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('aborted', () => reject(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({
          status: res.statusCode ?? 0,
          headers: out,
          text,
          get json() {
            return JSON.parse(text) as Record<string, unknown>;
          },
        });
      });
    });
    r.on('error', reject);
    r.end(payload);
  });
}

export const APP = DEMO.quectelApp;

// ---- Quectel App ----

export function smsQuery(opts: { phone?: string; codeType?: number; ts?: number; secret?: string; userDomain?: string } = {}): Record<string, string> {
  const phone = opts.phone ?? APP.phone;
  const codeType = String(opts.codeType ?? 3);
  const random = randomString(16);
  const ts = String(opts.ts ?? Date.now());
  const signature = quectelSmsSignature({ phone, codeType, random, ts, userDomainSecret: opts.secret ?? APP.userDomainSecret });
  return { codeType, internationalCode: '86', phone, random, ts, userDomain: opts.userDomain ?? APP.userDomain, signature };
}

export function loginQuery(opts: { phone?: string; password?: string; secret?: string } = {}): Record<string, string> {
  const random = randomString(16);
  const pwd = quectelEncryptPassword(opts.password ?? APP.password, random);
  const phone = opts.phone ?? APP.phone;
  const signature = quectelLoginSignature({ internationalCode: '86', phone, pwd, random, userDomainSecret: opts.secret ?? APP.userDomainSecret });
  return { internationalCode: '86', phone, pwd, random, userDomain: APP.userDomain, signature };
}

export interface AppPair { accessToken: { token: string; expirationTime: number }; refreshToken: { token: string; expirationTime: number } }

export async function appLogin(sim: Simulator): Promise<AppPair> {
  const r = await send(sim.url, '/v2/enduser/enduserapi/phonePwdLogin', { method: 'POST', query: loginQuery() });
  if (r.json.code !== 200) throw new Error(`login failed: ${r.text}`);
  return r.json.data as AppPair;
}

// ---- Quectel SaaS ----

export function saasLoginQuery(opts: { accessKey?: string; secret?: string; timestamp?: number } = {}): Record<string, string> {
  const { username, password } = quectelSaasCredentials(opts.accessKey ?? DEMO.quectelSaas.accessKey, opts.secret ?? DEMO.quectelSaas.accessSecret, opts.timestamp ?? Date.now());
  return { grant_type: 'password', username, password };
}

export async function saasLogin(sim: Simulator): Promise<string> {
  const r = await send(sim.url, '/v2/quecauth/accessKeyAuthrize/accessKeyLogin', { query: saasLoginQuery() });
  if (r.json.code !== 200) throw new Error(`login failed: ${r.text}`);
  return r.json.access_token as string;
}

// ---- On-Bright ----

export const BASIC = onbrightBasicAuth(DEMO.onbright.clientId, DEMO.onbright.clientSecret);

export async function onbrightLogin(sim: Simulator): Promise<string> {
  const one = await send(sim.url, '/oauth/token', { method: 'POST', query: { grant_type: 'client_credentials' }, headers: { Authorization: BASIC } });
  const two = await send(sim.url, '/login/company', {
    method: 'POST', query: { accessToken: one.json.access_token as string, uniqueKey: DEMO.onbright.uniqueKey }, headers: { Authorization: BASIC },
  });
  if (typeof two.json.access_token !== 'string') throw new Error(`login failed: ${two.text}`);
  return two.json.access_token;
}

export function onbrightCall(sim: Simulator, method: string, path: string, token: string, body?: unknown): Promise<Reply> {
  return send(sim.url, path, { method, query: { access_token: token, uniqueKey: DEMO.onbright.uniqueKey }, body });
}

// ---- NovaStar ----

export function novastarEnvelope(body: unknown, encrypt: boolean, opts: { pId?: string; secretKey?: string; timeStamp?: string } = {}): Record<string, unknown> {
  const pId = opts.pId ?? DEMO.novastar.pId;
  const secretKey = opts.secretKey ?? DEMO.novastar.secretKey;
  const timeStamp = opts.timeStamp ?? String(Date.now());
  if (!encrypt) return { body, sign: novastarSign({ encrypt: false, timeStamp, pId }), pId, timeStamp };
  const cipher = desEncrypt(JSON.stringify(body), secretKey);
  return { body: cipher, sign: novastarSign({ encrypt: true, body: cipher, timeStamp, pId, secretKey }), pId, timeStamp };
}

export interface NovaReply {
  reply: Reply;
  status: unknown;
  /** Whether the sign covers the answer's own timeStamp. */
  signOk: boolean;
  body: unknown;
  /** The timeStamp the request was sent with. */
  sentTimeStamp: string;
  /** Whether the answer's sign is the one over `timeStamp`. */
  signCovers(timeStamp: string): boolean;
}

/** One call; checks the answer's sign and decrypts its body as a client must. */
export async function novastar(sim: Simulator, action: string, body: unknown = {}, encrypt = sim.novastarEncrypt): Promise<NovaReply> {
  const envelope = novastarEnvelope(body, encrypt);
  const reply = await send(sim.novastarUrl, `/${action}`, { method: 'POST', body: envelope });
  const a = reply.json;
  const { pId, secretKey } = DEMO.novastar;
  const signCovers = (timeStamp: string) => a.sign === novastarSign({ encrypt, body: String(a.body), timeStamp, pId, secretKey });
  let plain: unknown = a.body;
  if (encrypt && typeof a.body === 'string' && a.body !== '') plain = desDecrypt(a.body, secretKey);
  if (typeof plain === 'string' && plain !== '') {
    try {
      plain = JSON.parse(plain);
    } catch {
      // left as text: the caller checks
    }
  }
  return { reply, status: a.status, signOk: signCovers(String(a.timeStamp)), body: plain, sentTimeStamp: String(envelope.timeStamp), signCovers };
}
