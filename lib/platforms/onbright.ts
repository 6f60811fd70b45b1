// On-Bright OBOX cloud: OAuth2 client credentials, then a company login with
// the uniqueKey; every call carries ?access_token=…&uniqueKey=….
import { onbrightBasicAuth } from '../crypto';
import { ErrorCodes, OpenApiError } from '../errors';
import type { AuthMode } from '../operations';
import type { TokenSet } from '../session';
import type { HttpAnswer, OnbrightAccount, PreparedRequest } from '../types';
import { shown } from './platform';
import { httpRetryAfterMs, isHttpTooFrequent, num, parseJsonObject, REST_RAW_CALLS, sendSigned, str, vendorError, type PlatformAdapter, type PlatformContext, type ReadAnswer } from './platform';

export const ONBRIGHT_DEFAULT_BASE_URL = 'https://alicloud.on-bright.com';
/** The session's own requests: the OAuth2 client login, then the company login with the uniqueKey. */
const CLIENT_LOGIN = { method: 'POST', path: '/oauth/token' } as const;
const COMPANY_LOGIN = { method: 'POST', path: '/login/company' } as const;
/** status 200 select, 201 add, 204 delete, 205 update. */
const SUCCESS = new Set([200, 201, 204, 205]);

export function onbrightAdapter(ctx: PlatformContext<OnbrightAccount>): PlatformAdapter {
  const { config, clock } = ctx;
  const creds = config.credentials;
  const basic = () => onbrightBasicAuth(creds.clientId, creds.clientSecret);
  /** The first login's token lives only between the two steps, but may be echoed in an error. */
  let clientToken: string | undefined;

  function read(answer: HttpAnswer, req: PreparedRequest): ReadAnswer {
    const path = req.path;
    // An HTTP 204 has no body by definition: a success with nothing to say. Any other empty
    // answer proves nothing (an OBOX "added" by an empty 200 may not exist) and is BAD_RESPONSE.
    if (answer.status === 204 && answer.text.trim() === '') return { data: null, code: answer.status, message: '', raw: {} };
    const body = parseJsonObject(answer, 'onbright', path);
    // The OAuth layer answers {error, error_description} with an HTTP error status.
    if (typeof body.error === 'string') {
      const code = answer.status >= 400 ? answer.status : body.error;
      throw vendorError(code, [body.error, body.error_description].filter(Boolean).join(': '), answer, 'onbright', path);
    }
    // The login steps answer plain OAuth token objects.
    if (typeof body.access_token === 'string') return { data: null, code: answer.status, message: '', raw: body };
    const status = num(body.status);
    const message = str(body.message) ?? '';
    if (status !== undefined && SUCCESS.has(status) && answer.status < 400) return { data: body.data ?? null, code: status, message, raw: body };
    throw vendorError(status ?? `HTTP_${answer.status}`, message, answer, 'onbright', path);
  }

  const adapter: PlatformAdapter = {
    platform: 'onbright',
    raw: REST_RAW_CALLS,
    needsToken: (auth: AuthMode) => auth === 'token',

    sign(req: PreparedRequest, auth: AuthMode, token?: TokenSet): PreparedRequest {
      if (auth !== 'token') return req;
      return {
        ...req,
        query: { ...req.query, access_token: token?.accessToken ?? '', uniqueKey: creds.uniqueKey },
        headers: { ...req.headers, Authorization: basic() },
      };
    },

    read,
    isTooFrequent: isHttpTooFrequent,
    retryAfterMs: httpRetryAfterMs,
    isTokenRejected: (err) => Number(err.code) === 401 || err.httpStatus === 401,
    isTimestampRejected: () => false,

    async login(): Promise<TokenSet> {
      const one = await sendSigned(ctx, adapter, () => ({
        ...CLIENT_LOGIN, query: { grant_type: 'client_credentials' }, headers: { Authorization: basic() },
      }));
      clientToken = str(one.raw.access_token);
      const two = await sendSigned(ctx, adapter, () => ({
        ...COMPANY_LOGIN, query: { accessToken: clientToken ?? '', uniqueKey: creds.uniqueKey }, headers: { Authorization: basic() },
      }));
      const accessToken = str(two.raw.access_token);
      if (!accessToken) throw new OpenApiError(ErrorCodes.BAD_RESPONSE, 'the company login answer holds no access token', { platform: 'onbright', path: COMPANY_LOGIN.path });
      const now = clock.now();
      return { accessToken, expiresAt: now + (num(two.raw.expires_in) ?? 3600) * 1000, obtainedAt: now, refreshToken: str(two.raw.refresh_token) };
    },

    // No refresh endpoint is documented: log in again an hour (or a tenth of the lifetime) ahead.
    renewAt: (t: TokenSet) => t.expiresAt - Math.min(60 * 60_000, (t.expiresAt - t.obtainedAt) / 10),

    user: () => creds.clientId,
    connectedAs: () => Promise.resolve({ user: shown(creds.clientId) }),
    secrets: () => [creds.clientSecret, creds.uniqueKey, clientToken, basic().slice('Basic '.length)].filter((s): s is string => !!s),
  };
  return adapter;
}
