// Quectel Developer Center, App (end-user) OpenAPI.
import { quectelEmailLoginSignature, quectelEncryptPassword, quectelLoginSignature, quectelSmsSignature, randomString } from '../crypto';
import { ErrorCodes, OpenApiError, redactError, redactText } from '../errors';
import type { AuthMode } from '../operations';
import type { TokenSet } from '../session';
import type { HttpAnswer, PreparedRequest, QuectelAppAccount } from '../types';
import { isQuectelTimestampRejection, isQuectelTooFrequent, quectelStopSignal, readQuectel, APP_TOO_FREQUENT } from './quectel';
import { quectelComposites } from './quectel-devices';
import { sceneComposites } from './quectel-scenes';
import { shown, type Connected } from './platform';
import { httpRetryAfterMs, num, REST_RAW_CALLS, sendSigned, str, type PlatformAdapter, type PlatformContext, type ReadAnswer } from './platform';

/** The session's own requests: logging in with phone or email and password, and renewing with the refresh token. */
const LOGIN = { method: 'POST', path: '/v2/enduser/enduserapi/phonePwdLogin' } as const;
const EMAIL_LOGIN = { method: 'POST', path: '/v2/enduser/enduserapi/emailPwdLogin' } as const;
const REFRESH = { method: 'PUT', path: '/v2/enduser/enduserapi/refreshToken' } as const;
/** 5032 token verification failed, 5106 token missing. */
const TOKEN_CODES = new Set([5032, 5106]);
/** The family pages' "family mode is not turned on". */
const FAMILY_MODE_OFF = 5635;
/** How many of the values below are remembered: those of the last 32 logins or registrations. */
const MAX_SENT = 96;

/**
 * The values of a login or registration that reveal the password: `pwd` is
 * the password encrypted with a key made from `random`, so the two together
 * give it back. The login's `signature` covers both and, with no timestamp in
 * it, never goes stale: it is kept out too. (The SMS call's random and
 * signature reveal nothing and carry a timestamp; they are not listed.)
 */
function revealing(req: PreparedRequest): string[] {
  const fields = (req.body ?? {}) as Record<string, unknown>;
  const from = (source: Record<string, unknown>) =>
    typeof source.pwd === 'string' ? [source.pwd, source.random, source.signature].filter((v): v is string => typeof v === 'string' && v !== '') : [];
  return [...from(req.query), ...from(fields)];
}

export function quectelAppAdapter(ctx: PlatformContext<QuectelAppAccount>): PlatformAdapter {
  const { config, clock } = ctx;
  const creds = config.credentials;
  const userDomain = config.userDomain ?? '';
  const internationalCode = config.internationalCode || '86';
  const byEmail = config.loginBy === 'email';
  /** Recent revealing values sent, for secrets(): a vendor or a proxy may echo a request in its error text. */
  const sent: string[] = [];

  function remember(req: PreparedRequest): PreparedRequest {
    sent.push(...revealing(req));
    if (sent.length > MAX_SENT) sent.splice(0, sent.length - MAX_SENT);
    return req;
  }

  /** Reads a login or refresh answer: data.accessToken and data.refreshToken, expiry in epoch seconds. */
  function tokenSet(answer: ReadAnswer, path: string): TokenSet {
    const data = (answer.data ?? {}) as Record<string, Record<string, unknown> | undefined>;
    const accessToken = str(data.accessToken?.token);
    const expiresSec = num(data.accessToken?.expirationTime);
    if (!accessToken || expiresSec === undefined) {
      throw new OpenApiError(ErrorCodes.BAD_RESPONSE, 'the login answer holds no access token', { platform: 'quectel-app', path });
    }
    const refreshSec = num(data.refreshToken?.expirationTime);
    return {
      accessToken,
      expiresAt: expiresSec * 1000,
      obtainedAt: clock.now(),
      refreshToken: str(data.refreshToken?.token),
      refreshExpiresAt: refreshSec === undefined ? undefined : refreshSec * 1000,
    };
  }

  const adapter: PlatformAdapter = {
    platform: 'quectel-app',
    raw: REST_RAW_CALLS,
    composites: { ...quectelComposites('quectel-app'), ...sceneComposites },

    /** A family's fid left out: the user's current family, as the vendor names it. */
    async beforeSend(caller, op, values) {
      const wanted = op.params.filter((p) => p.platformDefault === 'currentFamily' && values[p.name] === undefined);
      if (wanted.length === 0) return;
      let data: unknown;
      try {
        ({ data } = await caller.call('quectel-app.currentFamily', {}));
      } catch (err) {
        // No family mode in this user domain: the call goes without a family (a scene is then the user's own).
        if (err instanceof OpenApiError && err.code === FAMILY_MODE_OFF) return;
        throw err;
      }
      const fid = str((data as Record<string, unknown> | null | undefined)?.fid);
      if (!fid) throw new OpenApiError(ErrorCodes.BAD_RESPONSE, 'the current family has no fid', { platform: 'quectel-app', path: op.path });
      for (const p of wanted) values[p.name] = fid;
    },

    needsToken: (auth: AuthMode) => auth === 'token',

    sign(req: PreparedRequest, auth: AuthMode, token?: TokenSet): PreparedRequest {
      switch (auth) {
        case 'sms-signature': {
          const random = randomString(16);
          const ts = String(clock.now());
          const q = req.query;
          const signature = quectelSmsSignature({ phone: q.phone, codeType: q.codeType, random, ts, userDomainSecret: creds.userDomainSecret });
          return { ...req, query: { ...q, random, ts, userDomain, signature } };
        }
        case 'register': {
          const body = req.body as Record<string, unknown>;
          const random = randomString(16);
          return remember({ ...req, body: { ...body, random, pwd: quectelEncryptPassword(String(body.pwd), random), userDomain } });
        }
        case 'token':
          return { ...req, headers: { ...req.headers, Authorization: token?.accessToken ?? '' } };
        default:
          return req;
      }
    },

    // The request's own revealing values are scrubbed here, however many calls are in flight:
    // the error (kept by the session after a failed login) and the message never hold them.
    read(answer: HttpAnswer, req: PreparedRequest): ReadAnswer {
      const values = revealing(req);
      try {
        const read = readQuectel(answer, 'quectel-app', req.path);
        return values.length ? { ...read, message: redactText(read.message, values) } : read;
      } catch (err) {
        throw err instanceof OpenApiError ? redactError(err, values) : err;
      }
    },

    isTooFrequent: (err) => isQuectelTooFrequent(err, APP_TOO_FREQUENT),
    retryAfterMs: httpRetryAfterMs,
    isTokenRejected: (err) => TOKEN_CODES.has(Number(err.code)) || err.httpStatus === 401,
    isTimestampRejected: isQuectelTimestampRejection,

    async login(): Promise<TokenSet> {
      const answer = await sendSigned(ctx, adapter, () => {
        const random = randomString(16);
        const pwd = quectelEncryptPassword(creds.password, random);
        const userDomainSecret = creds.userDomainSecret;
        if (byEmail) {
          const email = creds.email ?? '';
          const signature = quectelEmailLoginSignature({ email, pwd, random, userDomainSecret });
          return remember({ ...EMAIL_LOGIN, query: { email, pwd, random, userDomain, signature }, headers: {} });
        }
        const phone = creds.phone ?? '';
        const signature = quectelLoginSignature({ internationalCode, phone, pwd, random, userDomainSecret });
        return remember({ ...LOGIN, query: { internationalCode, phone, pwd, random, userDomain, signature }, headers: {} });
      });
      return tokenSet(answer, byEmail ? EMAIL_LOGIN.path : LOGIN.path);
    },

    async refresh(current: TokenSet): Promise<TokenSet> {
      if (!current.refreshToken) throw new OpenApiError(5115, 'no refresh token');
      const answer = await sendSigned(ctx, adapter, () => ({ ...REFRESH, query: { refreshToken: current.refreshToken! }, headers: {} }));
      return tokenSet(answer, REFRESH.path);
    },

    /** Five minutes ahead, or a tenth of the lifetime for short-lived tokens. */
    renewAt: (t: TokenSet) => t.expiresAt - Math.min(5 * 60_000, (t.expiresAt - t.obtainedAt) / 10),

    secrets: () => [creds.password, creds.userDomainSecret, ...sent],
    user: () => (byEmail ? `${userDomain} ${creds.email ?? ''}` : `${userDomain} +${internationalCode} ${creds.phone ?? ''}`),
    async connectedAs(caller) {
      const out: Connected = { user: byEmail ? maskEmail(shown(creds.email)) : `+${internationalCode} ${maskPhone(shown(creds.phone))}` };
      // Page 1 with one device: the answer holds the total.
      const total = Number(((await caller.call('quectel-app.listDevices', { page: 1, pageSize: 1 }).catch(() => undefined))?.raw?.data as { total?: unknown } | undefined)?.total);
      if (Number.isInteger(total) && total >= 0) out.devices = total;
      return out;
    },
    stopSignal: quectelStopSignal,
  };
  return adapter;
}

/** An email address as Test connection shows it: a***@example.com. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at > 0 ? `${email[0]}***${email.slice(at)}` : '***';
}

/** A phone number as Test connection shows it: 138****0000. */
export function maskPhone(phone: string): string {
  const digits = phone.trim();
  if (digits.length <= 4) return '*'.repeat(digits.length);
  const keep = digits.length >= 11 ? 3 : Math.min(3, digits.length - 4);
  return digits.slice(0, keep) + '*'.repeat(digits.length - keep - 4) + digits.slice(-4);
}
