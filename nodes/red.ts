// The small part of Node-RED's API these nodes use, typed here so the nodes
// compile without Node-RED's own (incomplete) type packages.
import type { EventEmitter } from 'node:events';
import type { OpenApiClient } from '../lib/client';
import type { AppChannels } from './app-channels';
import type { OpenApiError } from '../lib/errors';
import type { SessionEvent } from '../lib/session';
import type { Platform } from '../lib/types';

export interface NodeMessage {
  _msgid?: string;
  payload?: unknown;
  [key: string]: unknown;
}

export interface StatusOptions {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export interface Node extends EventEmitter {
  id: string;
  type: string;
  name?: string;
  credentials?: Record<string, string | undefined>;
  status(status: StatusOptions | Record<string, never>): void;
  error(err: unknown, msg?: NodeMessage): void;
  warn(message: unknown): void;
  log(message: unknown): void;
  send(msg: NodeMessage | NodeMessage[]): void;
  on(event: 'input', handler: (msg: NodeMessage, send: (msg: NodeMessage | (NodeMessage | null)[]) => void, done: (err?: Error) => void) => void): this;
  on(event: 'close', handler: (removed: boolean, done: () => void) => void): this;
}

export interface NodeAPI {
  nodes: {
    createNode(node: object, config: object): void;
    registerType(type: string, constructor: (this: Node, config: Record<string, unknown>) => void, opts?: { credentials?: Record<string, { type: 'text' | 'password' }> }): void;
    getNode(id: string): Node | null;
    getCredentials(id: string): Record<string, string | undefined> | undefined;
  };
  util: {
    evaluateNodeProperty(value: unknown, type: string, node: Node, msg: NodeMessage | undefined, callback?: (err: Error | null, result: unknown) => void): unknown;
    cloneMessage<T extends NodeMessage>(msg: T): T;
    generateId(): string;
  };
  httpAdmin: {
    post(path: string, ...handlers: ((req: AdminRequest, res: AdminResponse, next?: () => void) => void)[]): void;
  };
  settings: Record<string, unknown>;
  log: { warn(message: string): void };
  auth: { needsPermission(permission: string): (req: AdminRequest, res: AdminResponse, next?: () => void) => void };
  _(key: string, substitutions?: Record<string, unknown>): string;
}

export interface AdminRequest {
  body?: unknown;
  headers?: Record<string, string | string[] | undefined>;
}

export interface AdminResponse {
  status(code: number): AdminResponse;
  json(body: unknown): void;
}

export interface AccountNode extends Node {
  platform: Platform;
  /** The checked base URL calls go to (the platform's default when the setting is empty). */
  baseUrl?: string;
  /** Undefined when the settings are unusable; `configError` then says why. */
  client?: OpenApiClient;
  configError?: OpenApiError;
  /** Quectel App accounts with a known App WebSocket: the account's shared channel. */
  appChannels?: AppChannels;
  /** Follows the session's logins (for status); returns the function that stops following. */
  watch(listener: (event: SessionEvent) => void): () => void;
}
