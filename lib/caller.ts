// What a call made of other calls (lib/platforms) needs of the client: to
// check parameters, make catalogue calls and read every page. An interface of
// its own, so the platforms never import the client that imports them.
import type { CallMeta, CallResult, Platform } from './types';

export interface PagingLimits {
  /** Most items gathered (default 100,000). */
  maxItems?: number;
  /** Most pages requested (default 100). */
  maxPages?: number;
  /** Most milliseconds spent on all pages together (default 2 minutes). */
  maxMs?: number;
}

export interface PagedResult {
  items: unknown[];
  total: number | undefined;
  pages: number;
  meta: CallMeta;
  /** Set when paging stopped at a limit before the last page. */
  truncated?: 'maxItems' | 'maxPages' | 'maxMs';
}

export interface Caller {
  readonly platform: Platform;
  /** Calls a catalogue operation; its parameters are checked first. */
  call(operationId: string, params?: unknown): Promise<CallResult>;
  /** Every page of a paged operation, within limits. */
  callAllPages(operationId: string, params?: unknown, limits?: PagingLimits): Promise<PagedResult>;
  /** A catalogue operation's parameters as they would be sent, or INVALID_INPUT; nothing is sent. */
  check(operationId: string, params?: unknown): Record<string, unknown>;
}
