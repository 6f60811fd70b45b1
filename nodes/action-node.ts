// The one factory every action node is built with: a node is its catalogue
// entries plus its editor. Per message: settings, overridden by msg.payload,
// checked, sent through the account's shared client; the answer goes to
// msg.payload, failures to done(err) for a Catch node.
import { ErrorCodes, OpenApiError, invalidInput } from '../lib/errors';
import { getOperation, type ParamSpec } from '../lib/operations';
import type { CallResult } from '../lib/types';
import { DEFAULT_MAX_PAGES, type PagedResult } from '../lib/client';
import { checkMessageValue, isPlainObject, kindOf } from '../lib/validate';
import fs from 'node:fs';
import path from 'node:path';
import { Failure, failureLine, hint, localize, lookUp, text } from './i18n';
import type { AccountNode, Node, NodeAPI, NodeMessage, StatusOptions } from './red';
import type { ActionNodeSpec } from './specs';
import { migrateSettings, migrationsOf } from './migrations';
import { CHOICE_TYPE, CREDENTIAL_TYPE, credentialName, DEFAULT_TYPES, settingName } from './settings';

type Done = (err?: Error) => void;
type Send = (msg: NodeMessage | (NodeMessage | null)[]) => void;

/** How one parameter's setting is read: fixed at deploy, or from the message or context. */
interface Setting {
  name: string;
  value: unknown;
  type: string;
  /** Set when a fixed value could not be read (bad JSON): every message then fails with it. */
  error?: OpenApiError;
}

const PER_MESSAGE_TYPES = new Set(['msg', 'flow', 'global']);

/** A payload that only starts the call (an inject node's timestamp, nothing): parameters then come from the settings. */
function isTrigger(payload: unknown): boolean {
  return payload === undefined || payload === null || payload === '' || typeof payload === 'number' || typeof payload === 'boolean';
}

const nodeCatalogues = new Map<string, Record<string, unknown>>();

/** A text of a node's own English catalogue (locales/en-US/<type>.json beside the compiled node), or ''. */
function nodeLabel(type: string, key: string): string {
  let cat = nodeCatalogues.get(type);
  if (!cat) {
    try {
      cat = JSON.parse(fs.readFileSync(path.join(__dirname, 'locales', 'en-US', `${type}.json`), 'utf8')) as Record<string, unknown>;
    } catch {
      cat = {};
    }
    nodeCatalogues.set(type, cat);
  }
  return lookUp(cat, key);
}

export function registerActionNode(RED: NodeAPI, spec: ActionNodeSpec): void {
  const operationNames = Object.keys(spec.operations);
  // Every parameter any of the node's operations can take, once.
  const params = new Map<string, ParamSpec>();
  for (const byPlatform of Object.values(spec.operations)) {
    for (const id of Object.values(byPlatform)) for (const p of getOperation(id)!.params) params.set(p.name, p);
  }
  // A parameter the catalogue marks secret (a password) may be kept in the node's credentials.
  const credentials: Record<string, { type: 'password' }> = {};
  for (const p of params.values()) if (p.secret) credentials[credentialName(p.name)] = { type: 'password' };

  function ActionNode(this: Node, saved: Record<string, unknown>) {
    RED.nodes.createNode(this, saved);
    // Handlers below are closures, not methods: name the node once.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const node = this;
    const { settings: config, newer } = migrateSettings(migrationsOf(spec.type), saved);
    if (newer) node.warn(`settings saved by a newer version (${String(saved.settingsVersion)}) of this node; some may not be understood`);
    const account = (typeof config.account === 'string' ? RED.nodes.getNode(config.account) : null) as AccountNode | null;
    const inFlight = new Set<Promise<void>>();
    let shown = '';
    /** The outcome of the last call, shown again once a login is over. */
    let outcome: StatusOptions = {};

    function status(s: StatusOptions, isOutcome = true): void {
      if (isOutcome) outcome = s;
      const key = `${s.fill}|${s.shape}|${s.text}`;
      if (key === shown) return; // status travels to every open editor: send changes only
      shown = key;
      node.status(s);
    }
    /** A red ring: the error's code and what to check, or what to do when logins are stopped. */
    function failed(error: OpenApiError, what = hint(RED, error)): void {
      const code = String(error.code);
      const shown = error.reason === 'loginsStopped'
        ? text(RED, 'status.loginsStopped', 'logins stopped: check credentials')
        : error.reason === 'refusalsUnreadable'
          ? text(RED, 'status.refusalsUnreadable', 'logins stopped: refusal count unreadable')
          : what
          ? text(RED, 'status.failedHint', `${code}: ${what}`, { code, hint: what })
          : text(RED, 'status.failed', code, { code });
      status({ fill: 'red', shape: 'ring', text: shown });
    }

    const settings: Setting[] = [];
    for (const [name, p] of params) {
      const prop = settingName(name);
      const value = config[prop];
      const type = typeof config[`${prop}Type`] === 'string' && config[`${prop}Type`] !== '' ? String(config[`${prop}Type`]) : DEFAULT_TYPES[p.type];
      if (type === CREDENTIAL_TYPE) {
        const secret = p.secret ? node.credentials?.[credentialName(name)] : undefined;
        if (secret) settings.push({ name, type: 'str', value: secret });
        continue;
      }
      if (value === undefined || value === '') continue;
      // A choice is one of the catalogue's values, kept as text: the parameter check converts it.
      if (PER_MESSAGE_TYPES.has(type) || type === CHOICE_TYPE) {
        settings.push({ name, value, type });
        continue;
      }
      try {
        settings.push({ name, type, value: RED.util.evaluateNodeProperty(value, type, node, undefined) });
      } catch {
        settings.push({ name, type, value: undefined, error: localize(RED, invalidInput(name, 'type', { expected: `valid ${type === 'json' ? 'JSON' : type}` })) });
      }
    }

    // Pages read at most when reading every page; a setting that is not 1 to 10,000 falls back to the default.
    const pagesSetting = Number(config.maxPages);
    const maxPages = Number.isInteger(pagesSetting) && pagesSetting >= 1 && pagesSetting <= 10_000 ? pagesSetting : DEFAULT_MAX_PAGES;

    let unwatch = () => {};
    if (!account) {
      status({ fill: 'red', shape: 'ring', text: text(RED, 'errors.noAccount', 'no account selected') });
    } else if (!account.client && account.configError) {
      // An account that cannot call (no credentials, a bad setting): shown at deploy, not first at the first message.
      status({ fill: 'red', shape: 'ring', text: account.configError.message });
    } else {
      unwatch = account.watch((event) => {
        if (event.type === 'login-start') status({ fill: 'yellow', shape: 'ring', text: text(RED, 'status.loggingIn', 'logging in') }, false);
        else if (event.type === 'login-ok') status(outcome);
        else if (event.type === 'store') {
          if (event.shared) status(outcome);
          else status({ fill: 'yellow', shape: 'ring', text: text(RED, 'status.storeUnreachable', "token store: Redis unreachable, using this instance's own token") }, false);
        } else failed(event.error);
      });
    }

    /** A bad input names the field as the form labels it, beside the parameter's own name: `screenId (Screen ID)`. */
    function labelled(error: OpenApiError): OpenApiError {
      const parameter = error.parameter;
      if (error.code !== ErrorCodes.INVALID_INPUT || !parameter || !params.has(parameter)) return error;
      const key = `${spec.type}.label.${settingName(parameter)}`;
      const found = RED._(`@iot-openapi/node-red-nodes/${spec.type}:${key}`);
      // The runtime's language where its catalogue has the node's texts, else the English file shipped beside the node.
      const label = (typeof found === 'string' && found !== '' && !found.endsWith(key) ? found : nodeLabel(spec.type, key)).trim();
      const at = error.message.indexOf(parameter);
      if (label && label !== parameter && at !== -1 && !error.message.includes(`${parameter} (`)) {
        error.message = `${error.message.slice(0, at + parameter.length)} (${label})${error.message.slice(at + parameter.length)}`;
      }
      return error;
    }

    async function readSetting(s: Setting, msg: NodeMessage): Promise<unknown> {
      if (s.error) throw s.error;
      if (!PER_MESSAGE_TYPES.has(s.type)) return s.value;
      return new Promise((resolve, reject) => {
        RED.util.evaluateNodeProperty(s.value, s.type, node, msg, (err, result) => (err ? reject(invalidInput(s.name, 'type', { expected: 'a readable property' })) : resolve(result)));
      });
    }

    /** The parameters: settings first, then the fields of msg.payload of the same name. */
    async function parameters(msg: NodeMessage): Promise<Record<string, unknown>> {
      const out: Record<string, unknown> = {};
      for (const s of settings) {
        const value = await readSetting(s, msg);
        if (value !== undefined && value !== '') out[s.name] = value;
      }
      const payload = msg.payload;
      if (isPlainObject(payload)) {
        for (const name of params.keys()) if (Object.prototype.hasOwnProperty.call(payload, name)) out[name] = payload[name];
      } else if (!isTrigger(payload)) {
        throw invalidInput('payload', 'type', { expected: `an object with the parameters, not ${kindOf(payload)}` });
      }
      return out;
    }

    async function call(client: NonNullable<AccountNode['client']>, msg: NodeMessage): Promise<{ result: CallResult | PagedResult; each: boolean }> {
      if (spec.raw) {
        const method = msg.method ?? config.method ?? 'GET';
        if (typeof method !== 'string') throw invalidInput('method', 'type', { expected: `a string, not ${kindOf(method)}` });
        const path = msg.path ?? config.path;
        const payload = msg.payload;
        const trigger = isTrigger(payload);
        // JSON text (from an http or file node) or a Buffer would otherwise be dropped silently and the call sent without its body.
        if (!trigger && !isPlainObject(payload) && !Array.isArray(payload)) {
          throw invalidInput('payload', 'type', { expected: `an object or an array, not ${kindOf(payload)}` });
        }
        const body = trigger ? undefined : payload;
        return { result: await client.request({ method, path: path as string, query: msg.query, body }), each: false };
      }
      // Only a node with several operations lets the message choose one.
      const operation = operationNames.length > 1 ? msg.operation ?? config.operation ?? operationNames[0] : operationNames[0];
      if (typeof operation !== 'string' || !operationNames.includes(operation)) {
        throw invalidInput('operation', 'enum', { values: operationNames.join(', ') });
      }
      const opId = spec.operations[operation][client.platform];
      if (!opId) throw invalidInput('account', 'enum', { values: Object.keys(spec.operations[operation]).join(', ') });
      const values = await parameters(msg);
      const output = config.output ?? 'page';
      // A list node's other operations (a product's detail, a new device) answer in one message.
      if (spec.paged && getOperation(opId)?.paging && (output === 'all' || output === 'each')) {
        return { result: await client.callAllPages(opId, values, { maxPages }), each: output === 'each' };
      }
      return { result: await client.call(opId, values), each: false };
    }

    /**
     * What a stranger's message holds is checked before anything reads it. A
     * payload too deep or unreadable is taken off the message: Node-RED's own
     * copy of it for a Catch node would overflow the stack and stop the process.
     */
    function checkMessage(msg: NodeMessage): void {
      for (const name of ['payload', 'query'] as const) {
        try {
          checkMessageValue(name, msg[name]);
        } catch (err) {
          delete msg[name];
          throw err;
        }
      }
    }

    async function handle(msg: NodeMessage, send: Send, done: Done): Promise<void> {
      const client = account?.client;
      try {
        checkMessage(msg);
        if (!account) throw new OpenApiError(ErrorCodes.INVALID_INPUT, text(RED, 'errors.noAccount', 'no account selected'), { parameter: 'account' });
        if (!client) throw account.configError ?? new OpenApiError(ErrorCodes.INVALID_INPUT, 'account settings are not usable', { parameter: 'account' });
        const { result, each } = await call(client, msg);
        if ('items' in result) {
          const count = result.items.length;
          if (result.truncated) {
            const limit = result.truncated === 'maxPages' ? `maxPages ${maxPages}` : result.truncated;
            status({ fill: 'yellow', shape: 'dot', text: text(RED, 'status.truncated', `${count} items (stopped at ${limit})`, { count, limit }) });
            node.warn(text(RED, 'status.truncated', `${count} items (stopped at ${limit})`, { count, limit }));
          } else {
            status({ fill: 'green', shape: 'dot', text: text(RED, 'status.items', `${count} items`, { count }) });
          }
          if (each) {
            const parts = { id: RED.util.generateId(), type: 'array', count, len: 1 };
            result.items.forEach((item, index) => {
              const out = RED.util.cloneMessage(msg);
              out.payload = item;
              out.openapi = { ...result.meta, truncated: result.truncated };
              out.parts = { ...parts, index };
              send(out);
            });
          } else {
            msg.payload = result.items;
            msg.openapi = { ...result.meta, total: result.total, truncated: result.truncated };
            send(msg);
          }
        } else {
          status({ fill: 'green', shape: 'dot', text: text(RED, 'status.ok', 'ok') });
          msg.payload = result.data;
          msg.openapi = result.meta;
          if (result.device) msg.device = result.device;
          send(msg);
        }
        done();
      } catch (err) {
        const error = err instanceof OpenApiError ? labelled(localize(RED, err)) : new OpenApiError(ErrorCodes.BAD_RESPONSE, String((err as Error)?.message ?? err));
        error.platform ??= account?.platform;
        const what = hint(RED, error);
        msg.openapi = { platform: account?.platform, code: error.code, message: error.message, path: error.path, httpStatus: error.httpStatus, ...(what ? { hint: what } : {}) };
        // A control call some devices refused: which ones, for the Catch node.
        if (error.payload !== undefined) msg.payload = error.payload;
        failed(error, what);
        // One line in the debug sidebar and the log, msg.error.code for a Catch node (see Failure).
        done(new Failure(failureLine(error.code, error.message, what), error.code) as unknown as Error);
      }
    }

    // Watch mode: the node's read operation every `interval` seconds, a message only when the answer changed.
    let watcher: NodeJS.Timeout | undefined;
    /** The node is closing: a poll still under way ends without a word. */
    let stopped = false;
    if (spec.watch && account && (config.watch === true || config.watch === 'true')) watcher = startWatching(spec.watch, account);

    function startWatching(w: NonNullable<ActionNodeSpec['watch']>, watched: AccountNode): NodeJS.Timeout | undefined {
      const operation = typeof config.operation === 'string' && config.operation !== '' ? config.operation : operationNames[0];
      const seconds = config.interval === undefined || config.interval === '' ? w.defaultSeconds : Number(config.interval);
      const refuse = (error: OpenApiError) => {
        failed(localize(RED, error));
        node.warn(error.message);
        return undefined;
      };
      if (!w.operations.includes(operation)) return refuse(invalidInput('operation', 'enum', { values: w.operations.join(', ') }));
      if (!Number.isFinite(seconds) || seconds < w.minSeconds || seconds > 86_400) return refuse(invalidInput('interval', 'range', { min: w.minSeconds, max: 86_400 }));
      let previous: string | undefined;
      let previousData: unknown = null;
      let busy = false;
      let lastFailure = '';
      const poll = async () => {
        // A slow answer is not overtaken by the next poll.
        if (busy || stopped) return;
        // An account that cannot make a client shows why (the account node has logged it).
        if (!watched.client) {
          const error = watched.configError ?? new OpenApiError(ErrorCodes.INVALID_INPUT, text(RED, 'errors.accountUnusable', "the account's settings are not usable"), { parameter: 'account' });
          const code = String(error.code);
          status({ fill: 'red', shape: 'ring', text: text(RED, 'status.failedHint', `${code}: ${error.message}`, { code, hint: error.message }) });
          return;
        }
        busy = true;
        const msg: NodeMessage = { _msgid: RED.util.generateId(), topic: operation };
        try {
          const { result } = await call(watched.client, msg);
          // The flow stopped while the answer was on its way: nothing is sent or shown.
          if (stopped) return;
          const data = 'items' in result ? result.items : result.data;
          const seen = JSON.stringify(data);
          lastFailure = '';
          status({ fill: 'green', shape: 'dot', text: text(RED, 'status.watching', `watching every ${seconds} s`, { seconds }) });
          if (seen === previous) return;
          if (w.changes && isPlainObject(data)) {
            // Only the values that changed, and what they were.
            const before = isPlainObject(previousData) ? previousData : {};
            const changed = Object.keys(data).filter((code) => JSON.stringify(data[code]) !== JSON.stringify(before[code]));
            if (changed.length === 0) {
              // A value gone from the answer is no news.
              previous = seen;
              previousData = data;
              return;
            }
            msg.payload = Object.fromEntries(changed.map((code) => [code, data[code]]));
            msg.previous = Object.fromEntries(changed.filter((code) => code in before).map((code) => [code, before[code]]));
          } else {
            msg.payload = data;
            msg.previous = previousData;
          }
          msg.openapi = result.meta;
          if ('device' in result && result.device) {
            msg.device = result.device;
            msg.topic = `${String(result.device.productKey)}/${String(result.device.deviceKey)}`;
          }
          previous = seen;
          previousData = data;
          node.send(msg);
        } catch (err) {
          // A poll cut short by the flow stopping is no failure.
          if (stopped) return;
          const error = err instanceof OpenApiError ? localize(RED, err) : new OpenApiError(ErrorCodes.BAD_RESPONSE, String((err as Error)?.message ?? err));
          const what = hint(RED, error);
          failed(error, what);
          // Once per new failure, not every few seconds while it lasts.
          if (String(error.code) !== lastFailure) {
            lastFailure = String(error.code);
            node.error(new Failure(failureLine(error.code, error.message, what), error.code), msg);
          }
        } finally {
          busy = false;
        }
      };
      void poll();
      return setInterval(() => void poll(), seconds * 1000);
    }

    node.on('input', (msg, send, done) => {
      const job = handle(msg, send, done).finally(() => inFlight.delete(job));
      inFlight.add(job);
    });

    node.on('close', (_removed, done) => {
      stopped = true;
      unwatch();
      clearInterval(watcher);
      // Every message in flight ends (sent or failed) before the node is gone.
      void Promise.allSettled([...inFlight]).then(() => done());
    });
  }

  RED.nodes.registerType(spec.type, ActionNode, Object.keys(credentials).length ? { credentials } : undefined);
}
