// The Quectel SaaS message subscription, seen from the consumer's side, with
// no Node-RED in it: where to connect, how to log in, how to read a message,
// which message was seen already, how long to wait before trying again. The
// quectel-events node puts these together with rhea; the benchmark and the
// tests use them too.
import crypto from 'node:crypto';
import { quectelSaasCredentials } from '../lib/crypto';
import { knownHost } from '../lib/platforms';
import { checkMessageValue, MAX_MESSAGE_DEPTH } from '../lib/validate';

/** The largest message body handed to a flow: the vendor's messages are a few kilobytes. */
export const MAX_EVENT_BYTES = 1024 * 1024;

/** The AMQPS URL of the account's region, from its API host; undefined for any other host (the user gives the URL). */
export function defaultAmqpUrl(baseUrl: string | undefined): string | undefined {
  return knownHost('quectel-saas', baseUrl)?.amqpUrl;
}

export interface AmqpTarget {
  host: string;
  port: number;
  /** The open frame's hostname: `vhost:<name>` when the URL has a path, as RabbitMQ reads it. */
  vhost?: string;
}

/** An amqps:// URL taken apart; undefined when it is not one (TLS only: the vendor takes no plain AMQP). */
export function parseAmqpUrl(url: string): AmqpTarget | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'amqps:' || !parsed.hostname || parsed.username || parsed.password) return undefined;
  const port = parsed.port ? Number(parsed.port) : 5671;
  const path = decodeURIComponent(parsed.pathname.replace(/^\/+/, ''));
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port, ...(path ? { vhost: path } : {}) };
}

/**
 * The SASL PLAIN login: the same rule as the SaaS HTTP login. Username
 * `ver=1&auth_mode=accessKey&sign_method=sha256&access_key=<AccessKey>&timestamp=<ms>`,
 * password sha256hex(username + AccessSecret). A fresh timestamp for every
 * connection: the vendor refuses one more than 10 minutes off.
 */
export function amqpLogin(accessKey: string, accessSecret: string, now = Date.now()): { username: string; password: string } {
  return quectelSaasCredentials(accessKey, accessSecret, now);
}

/** The text of a message body: a data section (bytes), a string, or an AMQP value that is an object already. */
export function bodyText(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  if (body && typeof body === 'object') {
    const section = body as { typecode?: number; content?: unknown; multiple?: boolean };
    if (section.typecode === 0x75 && Buffer.isBuffer(section.content)) return section.content.toString('utf8');
    if (section.typecode === 0x75 && section.multiple && Array.isArray(section.content)) {
      return Buffer.concat(section.content.filter((c): c is Buffer => Buffer.isBuffer(c))).toString('utf8');
    }
  }
  return undefined;
}

export interface QuectelEvent {
  productKey: string;
  deviceKey: string;
  type: string;
  subtype?: string;
  ticket?: string;
  [field: string]: unknown;
}

/** A message's JSON object, or why it cannot be read. */
export function parseEvent(body: unknown): { event: QuectelEvent } | { problem: string } {
  const text = bodyText(body);
  let value: unknown = body;
  if (text !== undefined) {
    if (Buffer.byteLength(text) > MAX_EVENT_BYTES) return { problem: `the message body is larger than ${MAX_EVENT_BYTES} bytes` };
    try {
      value = JSON.parse(text);
    } catch {
      return { problem: 'the message body is not JSON' };
    }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { problem: text === undefined ? 'the message body is neither text nor bytes' : 'the message body is not a JSON object' };
  try {
    // Nested deeper than a flow can copy, it would stop the process in Node-RED's own clone.
    checkMessageValue('payload', value);
  } catch {
    return { problem: `the message body is nested deeper than ${MAX_MESSAGE_DEPTH} levels` };
  }
  const event = value as QuectelEvent;
  if (typeof event.type !== 'string') return { problem: 'the message has no type' };
  return { event };
}

/** Comma- or space-separated values, trimmed, empty ones left out. */
export function listOf(setting: unknown): string[] {
  return typeof setting === 'string' ? setting.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean) : [];
}

export interface EventFilter {
  productKeys: string[];
  deviceKeys: string[];
  types: string[];
}

/** Whether an event passes the node's filters (an empty filter passes everything; types are compared without case). */
export function passes(filter: EventFilter, event: QuectelEvent): boolean {
  if (filter.productKeys.length && !filter.productKeys.includes(String(event.productKey))) return false;
  if (filter.deviceKeys.length && !filter.deviceKeys.includes(String(event.deviceKey))) return false;
  if (filter.types.length && !filter.types.some((t) => t.toUpperCase() === String(event.type).toUpperCase())) return false;
  return true;
}

/** Bytes of a message id's SHA-256 kept to recognise it: 128 bits, so two ids never meet by chance. */
export const ID_HASH_BYTES = 16;

/** Node's one-shot hash (20.12 and later): no Hash object per message. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash;
/** Base64url characters that hold ID_HASH_BYTES bytes. */
const ID_HASH_CHARS = Math.ceil((ID_HASH_BYTES * 8) / 6);

/** A fixed-size stand-in for a message id of any length: the start of its SHA-256 in base64url (22 characters, 128 bits and more). */
export function idHash(id: string): string {
  const digest = oneShot ? oneShot('sha256', id, 'base64url') : crypto.createHash('sha256').update(id).digest('base64url');
  return digest.slice(0, ID_HASH_CHARS);
}

/**
 * The ids of messages already handed on, the latest `limit` of them: a message
 * delivered again after a reconnect (the broker never saw the accept) is
 * recognised and only accepted. Ids are kept as fixed-size hashes, so what
 * the set holds is bounded by its count alone, however long the tickets a
 * broker sends.
 */
export class RecentIds {
  private readonly hashes = new Set<string>();
  /** The last id hashed and its hash: a check followed by an add of the same id hashes once. */
  private lastId = '';
  private lastHash = '';

  constructor(private readonly limit = 10_000) {}

  private hash(id: string): string {
    if (id !== this.lastId || !this.lastHash) {
      this.lastId = id;
      this.lastHash = idHash(id);
    }
    return this.lastHash;
  }

  has(id: string): boolean {
    return this.hashes.has(this.hash(id));
  }

  add(id: string): void {
    const hash = this.hash(id);
    if (this.hashes.has(hash)) return;
    this.hashes.add(hash);
    if (this.hashes.size > this.limit) this.hashes.delete(this.hashes.values().next().value as string);
  }

  get size(): number {
    return this.hashes.size;
  }

  /** What is kept, oldest first: the hashes, never the ids. */
  stored(): IterableIterator<string> {
    return this.hashes.values();
  }
}

/** The id that tells one message from another: the vendor's ticket, else the AMQP message id. */
export function messageId(event: QuectelEvent, amqpMessageId: unknown): string | undefined {
  if (typeof event.ticket === 'string' && event.ticket) return `t:${event.ticket}`;
  if (typeof amqpMessageId === 'string' || typeof amqpMessageId === 'number') return `m:${String(amqpMessageId)}`;
  if (Buffer.isBuffer(amqpMessageId)) return `m:${amqpMessageId.toString('hex')}`;
  return undefined;
}

/**
 * The node's clock for connecting, settable (tests shorten it; a flow never
 * sees it). A link must stay attached for `stableMs` before the reconnect
 * wait starts again from the first step: a broker that attaches and detaches
 * at once (a resource limit, another client with the same container id) is
 * then met with longer and longer waits, not a reconnect every second. The
 * connection, TLS, SASL, open and attach together get `connectTimeoutMs`:
 * a peer that accepts the socket and says nothing is given up on.
 */
export const EVENTS_TIMING = {
  stableMs: 30_000,
  connectTimeoutMs: 30_000,
  firstBackoffMs: 1000,
  capBackoffMs: 60_000,
};

/**
 * Waits before reconnecting: doubling from `firstMs` up to `capMs`, each wait
 * drawn between half and all of that ("equal jitter"), so that many flows
 * that lost the broker together do not come back together.
 */
export class Backoff {
  private attempts = 0;

  constructor(readonly firstMs = 1000, readonly capMs = 60_000, private readonly random: () => number = Math.random) {}

  next(): number {
    const ceiling = Math.min(this.capMs, this.firstMs * 2 ** Math.min(this.attempts, 30));
    this.attempts++;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  /** The longest wait at once: after a refusal that trying again soon cannot change (a wrong secret). */
  atCap(): number {
    this.attempts = Math.max(this.attempts, Math.ceil(Math.log2(this.capMs / this.firstMs)) + 1);
    return Math.round(this.capMs / 2 + (this.random() * this.capMs) / 2);
  }

  reset(): void {
    this.attempts = 0;
  }
}
