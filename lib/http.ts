// One axios instance per account: base URL, timeout, keep-alive, no absolute
// URLs (a path from a message can never reach another host), size limits.
// Safe calls are retried; a request that may have reached the vendor is not.
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import { ErrorCodes, OpenApiError } from './errors';
import type { Clock } from './clock';
import type { HttpAnswer, Platform, PreparedRequest } from './types';

export interface TransportOptions {
  platform: Platform;
  baseUrl: string;
  timeout: number;
  clock: Clock;
  /** Largest answer accepted, in bytes. */
  maxAnswerBytes?: number;
  /** Retries of a safe call after the first attempt. */
  retries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

const TRANSPORT_CODES = new Set(['ETIMEDOUT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
/** Failures after which a read may simply be sent again. */
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN']);

/** Encodes a query the way the vendors' examples do: every key and value percent-encoded. */
export function encodeQuery(query: Record<string, string>): string {
  const parts: string[] = [];
  for (const key of Object.keys(query)) parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(query[key])}`);
  return parts.join('&');
}

/** Asked before each attempt of a call (pacing); such calls are not retried here after a 429: the caller slows down and repeats. */
export interface SendGate {
  before(deadline?: AbortSignal): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** Why a request was stopped before its answer was complete. */
type StopReason = 'closed' | 'timeout' | 'deadline';

/**
 * One request's own signal: aborted when the account closes, when the call's
 * deadline passes, or after `ms` in all. axios's own timeout only limits idle
 * gaps between bytes, so a server dripping its answer could hold a call forever.
 */
function requestSignal(closed: AbortSignal, deadline: AbortSignal | undefined, ms: number) {
  const controller = new AbortController();
  let reason: StopReason | undefined;
  const stop = (why: StopReason) => () => {
    reason ??= why;
    controller.abort();
  };
  const onClose = stop('closed');
  const onDeadline = stop('deadline');
  const timer = setTimeout(stop('timeout'), ms);
  closed.addEventListener('abort', onClose, { once: true });
  deadline?.addEventListener('abort', onDeadline, { once: true });
  if (closed.aborted) onClose();
  else if (deadline?.aborted) onDeadline();
  return {
    signal: controller.signal,
    reason: () => reason,
    dispose() {
      clearTimeout(timer);
      closed.removeEventListener('abort', onClose);
      deadline?.removeEventListener('abort', onDeadline);
    },
  };
}

export class Transport {
  private readonly axios: AxiosInstance;
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly controller = new AbortController();

  constructor(private readonly opts: TransportOptions) {
    // Every call in flight listens on the one signal and stops listening when it ends: more
    // than ten at once is normal use, not the leak Node would warn about in the user's log.
    setMaxListeners(0, this.controller.signal);
    this.agents = {
      http: new http.Agent({ keepAlive: true, maxSockets: 64 }),
      https: new https.Agent({ keepAlive: true, maxSockets: 64 }),
    };
    this.axios = axios.create({
      baseURL: opts.baseUrl,
      allowAbsoluteUrls: false,
      httpAgent: this.agents.http,
      httpsAgent: this.agents.https,
      maxContentLength: opts.maxAnswerBytes ?? 10 * 1024 * 1024,
      maxBodyLength: 2 * 1024 * 1024,
      maxRedirects: 0,
      proxy: false,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      transitional: { clarifyTimeoutError: true, silentJSONParsing: true, forcedJSONParsing: false },
    });
  }

  /**
   * Sends one request; `safe` calls (reads that create nothing, see
   * isRepeatable) are retried on 5xx, 429 and dropped connections. Each attempt may take the account's timeout in all; `deadline`,
   * when given, ends the whole call (retries and their pauses included).
   */
  async send(req: PreparedRequest, safe: boolean, deadline?: AbortSignal, gate?: SendGate): Promise<HttpAnswer & { attempts: number }> {
    const retries = this.opts.retries ?? 2;
    for (let attempt = 1; ; attempt++) {
      let answer: HttpAnswer | undefined;
      let failure: OpenApiError | undefined;
      await gate?.before(deadline);
      try {
        answer = await this.once(req, deadline);
      } catch (err) {
        failure = err as OpenApiError;
      }
      const retryable = failure
        // A refused connection never reached the vendor: even a creating call may be repeated.
        ? (safe && RETRYABLE_CODES.has(String(failure.code))) || failure.code === 'ECONNREFUSED'
        : safe && (answer!.status >= 500 || (answer!.status === 429 && !gate));
      if (!retryable || attempt > retries || this.controller.signal.aborted || deadline?.aborted) {
        if (failure) throw failure;
        return { ...answer!, attempts: attempt };
      }
      const base = this.opts.retryBaseMs ?? 200;
      const delay = Math.min(this.opts.retryMaxMs ?? 2000, base * 2 ** (attempt - 1));
      const pause = requestSignal(this.controller.signal, deadline, delay);
      await sleep(delay / 2 + Math.random() * (delay / 2), pause.signal);
      pause.dispose();
    }
  }

  private async once(req: PreparedRequest, deadline: AbortSignal | undefined): Promise<HttpAnswer> {
    const query = encodeQuery(req.query);
    const stop = requestSignal(this.controller.signal, deadline, this.opts.timeout);
    try {
      const res = await this.axios.request<string>({
        method: req.method,
        url: query ? `${req.path}?${query}` : req.path,
        headers: { Accept: 'application/json', ...(req.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...req.headers },
        data: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal: stop.signal,
      });
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(res.headers)) if (typeof value === 'string') headers[key.toLowerCase()] = value;
      this.opts.clock.observe(headers.date);
      return { status: res.status, headers, text: typeof res.data === 'string' ? res.data : '' };
    } catch (err) {
      throw this.transportError(err, req, stop.reason());
    } finally {
      stop.dispose();
    }
  }

  /** Maps an axios failure to a transport code; never carries the URL (its query may hold a token). */
  private transportError(err: unknown, req: PreparedRequest, stopped: StopReason | undefined): OpenApiError {
    const details = { platform: this.opts.platform, path: req.path };
    if (stopped === 'closed' || (!stopped && this.controller.signal.aborted)) {
      return new OpenApiError(ErrorCodes.ECANCELED, 'the account was closed before the call finished', details);
    }
    if (stopped) {
      return new OpenApiError(ErrorCodes.ETIMEDOUT, `no complete answer within the timeout of ${this.opts.timeout} ms`, { ...details, retryable: true });
    }
    if (axios.isCancel(err)) return new OpenApiError(ErrorCodes.ECANCELED, 'the call was cancelled', details);
    if (isAxiosError(err)) {
      const cause = (err.cause ?? {}) as { code?: string };
      const code = [err.code, cause.code].find((c) => c && TRANSPORT_CODES.has(c));
      if (code === 'ETIMEDOUT' || code === 'ECONNABORTED') {
        return new OpenApiError(ErrorCodes.ETIMEDOUT, `no complete answer within the timeout of ${this.opts.timeout} ms`, { ...details, retryable: true });
      }
      if (code) return new OpenApiError(code, `connection failed (${code})`, { ...details, retryable: true });
      if (err.code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test(err.message)) {
        return new OpenApiError(ErrorCodes.BAD_RESPONSE, 'the answer is larger than allowed', details);
      }
      if (/^HPE_/.test(cause.code ?? err.code ?? '')) {
        return new OpenApiError(ErrorCodes.BAD_RESPONSE, 'the answer is not HTTP', details);
      }
      if (/aborted|socket hang up/i.test(err.message)) {
        return new OpenApiError(ErrorCodes.ECONNRESET, 'the connection was closed before the answer was complete', { ...details, retryable: true });
      }
      return new OpenApiError(err.code ?? ErrorCodes.BAD_RESPONSE, `request failed: ${err.code ?? 'unknown error'}`, details);
    }
    return new OpenApiError(ErrorCodes.BAD_RESPONSE, 'request failed', details);
  }

  /** Cancels every request in flight and frees the sockets. */
  close(): void {
    this.controller.abort();
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
