// Fault injection: what the next requests should suffer. Rules are taken in
// the order they were added; a rule without a path matches every request.
import type { TokenPlatform } from './state';

/** `drip`: a valid answer, one byte every 400 ms (a server that never lets an idle timeout fire). */
export type MalformKind = 'html' | 'empty' | 'invalid-json' | 'truncated' | 'drop' | 'drip';
export type PathMatch = string | RegExp;
/** How a NovaStar processor signs its answers: see SimulatorFaults.novastarAnswerSign. */
export type NovastarAnswerSign = 'own-time' | 'request-time' | 'empty';

export interface SimulatorFaults {
  /** Every issued token (refresh tokens too) of the platform, or of all, becomes invalid. */
  expireAllTokens(platform?: TokenPlatform): void;
  /** Answer the next `count` matching requests with an HTTP error (default 503, nginx's HTML page). */
  failNext(count: number, opts?: { status?: number; path?: PathMatch; body?: string }): void;
  /** Hold the next `count` matching requests for `ms` before handling them (count may be Infinity). */
  delayNext(count: number, ms: number, opts?: { path?: PathMatch }): void;
  /** Answer the next `count` matching requests with a broken answer. */
  malformNext(count: number, kind: MalformKind, opts?: { path?: PathMatch }): void;
  /**
   * Refuse the next `count` matching requests with a message that repeats the
   * request (its query as sent and decoded, and its body), as some gateways
   * and debug builds do. The answer is in the vendor's envelope: Quectel's
   * `{code, msg}` (code default 5002), NovaStar's `{status, msg}` (default 1),
   * On-Bright's `{status, message}` (default 414). Code 200 makes it a success
   * that still echoes the request.
   */
  echoRequestNext(count: number, opts?: { path?: PathMatch; code?: number }): void;
  /** The next `count` signed NovaStar answers carry a wrong sign (over neither the request's timeStamp nor the answer's). */
  novastarBadSignNext(count: number): void;
  /** The next `count` signed NovaStar answers carry a body that decrypts to text that is not JSON (the sign is right). */
  novastarBadBodyNext(count: number): void;
  /** Write NovaStar's status under the key "status " (trailing space), as some firmware does. */
  novastarStatusWithSpace: boolean;
  /** Write a NovaStar answer's content under "data" instead of "body", as some of the document's examples do. */
  novastarDataKey: boolean;
  /**
   * How NovaStar answers are signed, since the document leaves it open and
   * processors differ. 'own-time' (default): over the processor's own time,
   * written as the answer's timeStamp. 'request-time': over the request's
   * timeStamp, the answer still carrying its own. 'empty': as in the vendor's
   * examples, "sign": "" and no timeStamp.
   */
  novastarAnswerSign: NovastarAnswerSign;
  /** How far the processor's own clock (the timeStamp of its answers) is from the server's; processors' clocks are often wrong. */
  novastarClockSkewMs: number;
  /** The server's clock = real time + this offset: timestamp checks, token lifetimes and the Date header follow it. */
  clockOffsetMs: number;
}

export type AnswerFault =
  | { kind: 'fail'; status: number; body?: string }
  | { kind: 'malform'; malform: MalformKind }
  | { kind: 'echo'; code?: number };

interface Rule {
  remaining: number;
  path?: PathMatch;
  fault: AnswerFault | { kind: 'delay'; ms: number };
}

function checkCount(count: number): void {
  if (!(count === Infinity || (Number.isInteger(count) && count >= 0))) {
    throw new TypeError(`count must be a non-negative integer or Infinity, got ${count}`);
  }
}

/** A string matches the whole path or its end ("/obox" matches "/consumer/open/obox"); a RegExp is tested against the path. */
function matches(rule: Rule, path: string): boolean {
  if (rule.path === undefined) return true;
  if (typeof rule.path === 'string') return path === rule.path || path.endsWith(rule.path);
  rule.path.lastIndex = 0;
  return rule.path.test(path);
}

export class Faults implements SimulatorFaults {
  novastarStatusWithSpace = false;
  novastarDataKey = false;
  novastarAnswerSign: NovastarAnswerSign = 'own-time';
  novastarClockSkewMs = 0;
  clockOffsetMs = 0;
  private rules: Rule[] = [];
  private badSign = 0;
  private badBody = 0;

  constructor(private readonly expire: (platform?: TokenPlatform) => void) {}

  expireAllTokens(platform?: TokenPlatform): void {
    this.expire(platform);
  }

  failNext(count: number, opts: { status?: number; path?: PathMatch; body?: string } = {}): void {
    checkCount(count);
    const status = opts.status ?? 503;
    if (!Number.isInteger(status) || status < 100 || status > 599) throw new TypeError(`status must be an HTTP status, got ${status}`);
    this.rules.push({ remaining: count, path: opts.path, fault: { kind: 'fail', status, body: opts.body } });
  }

  delayNext(count: number, ms: number, opts: { path?: PathMatch } = {}): void {
    checkCount(count);
    if (!(Number.isFinite(ms) && ms >= 0)) throw new TypeError(`ms must be a non-negative number, got ${ms}`);
    this.rules.push({ remaining: count, path: opts.path, fault: { kind: 'delay', ms } });
  }

  malformNext(count: number, kind: MalformKind, opts: { path?: PathMatch } = {}): void {
    checkCount(count);
    if (!['html', 'empty', 'invalid-json', 'truncated', 'drop', 'drip'].includes(kind)) throw new TypeError(`unknown malform kind ${String(kind)}`);
    this.rules.push({ remaining: count, path: opts.path, fault: { kind: 'malform', malform: kind } });
  }

  echoRequestNext(count: number, opts: { path?: PathMatch; code?: number } = {}): void {
    checkCount(count);
    if (opts.code !== undefined && !Number.isInteger(opts.code)) throw new TypeError(`code must be an integer, got ${opts.code}`);
    this.rules.push({ remaining: count, path: opts.path, fault: { kind: 'echo', code: opts.code } });
  }

  novastarBadSignNext(count: number): void {
    checkCount(count);
    this.badSign += count;
  }

  novastarBadBodyNext(count: number): void {
    checkCount(count);
    this.badBody += count;
  }

  /** The delay for this request, if a delay rule matches (uses it up). */
  takeDelay(path: string): number | undefined {
    const rule = this.take(path, (r) => r.fault.kind === 'delay');
    return rule?.fault.kind === 'delay' ? rule.fault.ms : undefined;
  }

  /** The first matching fail, malform or echo rule (uses it up). */
  takeAnswerFault(path: string): AnswerFault | undefined {
    const rule = this.take(path, (r) => r.fault.kind !== 'delay');
    return rule && rule.fault.kind !== 'delay' ? rule.fault : undefined;
  }

  takeBadSign(): boolean {
    if (this.badSign <= 0) return false;
    this.badSign--;
    return true;
  }

  takeBadBody(): boolean {
    if (this.badBody <= 0) return false;
    this.badBody--;
    return true;
  }

  clear(): void {
    this.rules = [];
    this.badSign = 0;
    this.badBody = 0;
    this.novastarStatusWithSpace = false;
    this.novastarDataKey = false;
    this.novastarAnswerSign = 'own-time';
    this.novastarClockSkewMs = 0;
    this.clockOffsetMs = 0;
  }

  private take(path: string, wanted: (rule: Rule) => boolean): Rule | undefined {
    const rule = this.rules.find((r) => r.remaining > 0 && wanted(r) && matches(r, path));
    if (!rule) return undefined;
    rule.remaining--;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return rule;
  }
}
