// Which account a call is counted against, and how each vendor refuses a call
// beyond the account's rate (the limit itself: rate-limit.ts).
import type { SimCore } from './core';
import { DEMO } from './demo';
import { nginxPage, type Answer, type Call } from './http';
import { quectelAnswer } from './quectel';
import { SAAS_TOO_FREQUENT, SAAS_TOO_FREQUENT_TEXT, type ApiPlatform } from './rate-limit';

const NOVASTAR_ROOT = '/open/api';

/** Whose call this is, when it carries a live token (or NovaStar's known pId): platform and subject. */
export function accountOf(call: Call, sim: SimCore): { platform: ApiPlatform; subject: string } | undefined {
  if (call.path.startsWith(`${NOVASTAR_ROOT}/`)) {
    try {
      const env = JSON.parse(call.rawBody) as { pId?: unknown };
      return env && env.pId === DEMO.novastar.pId ? { platform: 'novastar', subject: env.pId } : undefined;
    } catch {
      return undefined;
    }
  }
  if (call.path.startsWith('/v2/')) {
    const check = sim.checkToken(call.headers.authorization, 'quectel-app', ['access']);
    if (check.ok) return { platform: 'quectel-app', subject: check.record.subject };
    const saas = sim.checkToken(call.headers.authorization, 'quectel-saas', ['saas']);
    return saas.ok ? { platform: 'quectel-saas', subject: saas.record.subject } : undefined;
  }
  if (call.path.startsWith('/consumer/')) {
    const check = sim.checkToken(call.query.access_token, 'onbright', ['company']);
    return check.ok ? { platform: 'onbright', subject: check.record.subject } : undefined;
  }
  return undefined;
}

/**
 * The refusal of a call beyond the limit. Quectel SaaS answers in its own
 * envelope (HTTP 200, code 61007) with no hint of when to come back; the App
 * API and On-Bright sit behind nginx's limit_req, which answers 429 (here with
 * Retry-After in seconds); NovaStar documents no busy status, so 429 as well.
 */
export function tooFrequent(platform: ApiPlatform, retryAfterS: number): Answer {
  if (platform === 'quectel-saas') return quectelAnswer(SAAS_TOO_FREQUENT, SAAS_TOO_FREQUENT_TEXT);
  const page = nginxPage(429, 'Too Many Requests');
  return { ...page, headers: { 'Retry-After': String(retryAfterS) } };
}
