// Quectel Developer Center, SaaS OpenAPI: AccessKey login, then the token as the Authorization header.
import { quectelSaasCredentials } from '../crypto';
import { ErrorCodes, OpenApiError } from '../errors';
import type { AuthMode } from '../operations';
import type { TokenSet } from '../session';
import type { HttpAnswer, PreparedRequest, QuectelSaasAccount } from '../types';
import { isQuectelTimestampRejection, isQuectelTooFrequent, quectelStopSignal, readQuectel, SAAS_TOO_FREQUENT } from './quectel';
import { quectelComposites } from './quectel-devices';
import { shown } from './platform';
import { httpRetryAfterMs, num, REST_RAW_CALLS, sendSigned, str, type PlatformAdapter, type PlatformContext, type ReadAnswer } from './platform';

/** The session's own requests: the AccessKey login and its refresh. */
const LOGIN = { method: 'GET', path: '/v2/quecauth/accessKeyAuthrize/accessKeyLogin' } as const;
const REFRESH = { method: 'GET', path: '/v2/quecauth/accessKeyAuthrize/refreshToken' } as const;
/** 91001 token does not exist, 91004 token incorrect. */
const TOKEN_CODES = new Set([91001, 91004]);
/** The document advises a refresh every hour, whatever expires_in says. */
const MAX_TOKEN_AGE_MS = 60 * 60_000;

export function quectelSaasAdapter(ctx: PlatformContext<QuectelSaasAccount>): PlatformAdapter {
  const { config, clock } = ctx;
  const creds = config.credentials;
  let lastPassword: string | undefined;

  function tokenSet(answer: ReadAnswer, path: string): TokenSet {
    const accessToken = str(answer.raw.access_token);
    if (!accessToken) throw new OpenApiError(ErrorCodes.BAD_RESPONSE, 'the login answer holds no access token', { platform: 'quectel-saas', path });
    const now = clock.now();
    const lifetimeSec = num(answer.raw.expires_in) ?? num(answer.raw.expire_in) ?? 7200;
    return { accessToken, expiresAt: now + lifetimeSec * 1000, obtainedAt: now };
  }

  const adapter: PlatformAdapter = {
    platform: 'quectel-saas',
    raw: REST_RAW_CALLS,
    composites: quectelComposites('quectel-saas'),
    needsToken: (auth: AuthMode) => auth === 'token',

    sign: (req: PreparedRequest, auth: AuthMode, token?: TokenSet) =>
      auth === 'token' ? { ...req, headers: { ...req.headers, Authorization: token?.accessToken ?? '' } } : req,

    read: (answer: HttpAnswer, req: PreparedRequest) => readQuectel(answer, 'quectel-saas', req.path),

    isTooFrequent: (err) => isQuectelTooFrequent(err, SAAS_TOO_FREQUENT),
    retryAfterMs: httpRetryAfterMs,
    isTokenRejected: (err) => TOKEN_CODES.has(Number(err.code)) || err.httpStatus === 401,
    isTimestampRejected: isQuectelTimestampRejection,

    async login(): Promise<TokenSet> {
      const answer = await sendSigned(ctx, adapter, () => {
        const { username, password } = quectelSaasCredentials(creds.accessKey, creds.accessSecret, clock.now());
        // A login in itself for ten minutes: never shown, should the vendor repeat it in a refusal.
        lastPassword = password;
        return { ...LOGIN, query: { grant_type: 'password', username, password }, headers: {} };
      });
      return tokenSet(answer, LOGIN.path);
    },

    async refresh(current: TokenSet): Promise<TokenSet> {
      const answer = await sendSigned(ctx, adapter, () => ({
        ...REFRESH,
        query: { refresh_token: current.accessToken, grant_type: 'refresh_token' },
        headers: {},
      }));
      return tokenSet(answer, REFRESH.path);
    },

    renewAt: (t: TokenSet) => Math.min(t.expiresAt - Math.min(5 * 60_000, (t.expiresAt - t.obtainedAt) / 10), t.obtainedAt + MAX_TOKEN_AGE_MS),

    secrets: () => [creds.accessSecret, ...(lastPassword ? [lastPassword] : [])],
    user: () => creds.accessKey,
    connectedAs: () => Promise.resolve({ user: shown(creds.accessKey) }),
    stopSignal: quectelStopSignal,
  };
  return adapter;
}
