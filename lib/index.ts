// The signed-request library: usable from plain Node, without Node-RED.
export { OpenApiClient, type ClientOptions, type PagedResult } from './client';
export { DEFAULT_BASE_URLS } from './platforms';
export { OpenApiError, ErrorCodes, redactText } from './errors';
export { OPERATIONS, getOperation, type Operation, type ParamSpec } from './operations';
export type { SessionEvent, TokenSet } from './session';
export * from './types';
export * as crypto from './crypto';
