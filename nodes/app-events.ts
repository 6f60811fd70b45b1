// quectel-events with a Quectel App account: the devices' messages pushed
// over the App WebSocket, through the account's one shared channel
// (nodes/app-channels.ts). Every device of the user by default (read with the
// device list, then followed as the channel reports bindings), or the chosen
// ones; the chosen message types. One message per device message: topic
// `<productKey>/<deviceKey>/<type>` as with SaaS, the payload the message's
// data with its property values typed from the thing model where it can be
// read, msg.event the whole message.
import type { AppChannelTls } from './app-channels';
import { Failure } from './i18n';
import type { AccountNode, Node, NodeMessage, StatusOptions } from './red';
import {
  APP_CHANNEL_CODES, APP_CHANNEL_TYPES, type AppBindingNotice, type AppChannelLease, type AppChannelMessage, type AppChannelStatus, type AppChannelType, type AppDevice,
} from '../lib/platforms/quectel-app-channel';
import { ThingModels } from '../lib/platforms/quectel-devices';
import { decodeValue, type ThingModel } from '../lib/thing-model';
import { isPlainObject } from '../lib/validate';

/** The thing model call of App accounts. */
const MODEL_CALL = 'quectel-app.exportTsl';
/** Messages waiting for their thing model at most; beyond this newer ones are dropped (and counted in the status). */
export const MAX_WAITING = 1000;
/** How long to wait before reading the device list again after it failed. */
export const LIST_RETRY_MS = 30_000;
const DEVICE_KEY = /^[A-Za-z0-9_.:-]{1,64}$/;

export type Texts = (key: string, fallback: string, vars?: Record<string, unknown>) => string;

/** The `devices` setting: an array of {productKey, deviceKey} (or `productKey/deviceKey` texts); undefined when it is not one. */
export function readDevices(setting: unknown): AppDevice[] | undefined {
  if (setting === undefined || setting === null || setting === '') return [];
  const list: unknown = typeof setting === 'string' ? setting.split(/[\s,]+/).filter(Boolean) : setting;
  if (!Array.isArray(list)) return undefined;
  const out: AppDevice[] = [];
  const seen = new Set<string>();
  for (const item of list as unknown[]) {
    const pair: unknown = typeof item === 'string' ? { productKey: item.split('/')[0], deviceKey: item.split('/').slice(1).join('/') } : item;
    if (!isPlainObject(pair) || typeof pair.productKey !== 'string' || typeof pair.deviceKey !== 'string') return undefined;
    if (!DEVICE_KEY.test(pair.productKey) || !DEVICE_KEY.test(pair.deviceKey)) return undefined;
    const id = `${pair.productKey}/${pair.deviceKey}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ productKey: pair.productKey, deviceKey: pair.deviceKey });
  }
  return out;
}

/** The `types` setting: App types (any case, comma- or space-separated); empty = all of them; undefined when one is unknown. */
export function readTypes(setting: unknown): AppChannelType[] | undefined {
  const given = Array.isArray(setting) ? setting.map(String) : typeof setting === 'string' ? setting.split(/[\s,]+/).filter(Boolean) : [];
  const types = given.map((t) => t.trim().toUpperCase());
  if (types.some((t) => !(APP_CHANNEL_TYPES as readonly string[]).includes(t))) return undefined;
  return types.length ? [...new Set(types)] as AppChannelType[] : [...APP_CHANNEL_TYPES];
}

/** The message's data with its property values typed from the thing model (`kv` of a property report or event). */
export function typedData(message: AppChannelMessage, model: ThingModel | undefined): Record<string, unknown> {
  const data = isPlainObject(message.data) ? { ...message.data } : {};
  if (model && isPlainObject(data.kv)) {
    const kv: Record<string, unknown> = {};
    for (const [code, value] of Object.entries(data.kv)) {
      const field = model.properties.get(code);
      kv[code] = field ? decodeValue(undefined, value, field) : value;
    }
    data.kv = kv;
  }
  return data;
}

export interface AppEventsContext {
  node: Node;
  account: AccountNode;
  config: Record<string, unknown>;
  tls: AppChannelTls;
  text: Texts;
  status: (s: StatusOptions) => void;
  stopWith: (code: string, message: string) => void;
}

/** Starts the App side of the node; what it returns stops it (on the node's close). */
export function startAppEvents(ctx: AppEventsContext): (() => void) | undefined {
  const { node, account, config, text, status, stopWith } = ctx;
  const chosen = readDevices(config.devices);
  if (!chosen) return void stopWith('INVALID_INPUT', text('errors.badDevices', 'devices: a list of {productKey, deviceKey}'));
  const types = readTypes(config.types);
  if (!types) return void stopWith('INVALID_INPUT', text('errors.badTypes', `types: of ${APP_CHANNEL_TYPES.join(', ')}`, { types: APP_CHANNEL_TYPES.join(', ') }));
  if (account.configError) return void stopWith(String(account.configError.code), account.configError.message);
  const client = account.client;
  const channels = account.appChannels;
  if (!client || !channels) return void stopWith('INVALID_INPUT', text('errors.noWsUrl', "no App WebSocket: the account's host has no known one, set the account's App WebSocket URL"));

  const all = chosen.length === 0;
  /** The devices followed, by `productKey/deviceKey`. */
  const devices = new Map<string, AppDevice>(chosen.map((d) => [`${d.productKey}/${d.deviceKey}`, d]));
  const refused = new Map<string, number>();
  const models = new ThingModels('pk');
  let dropped = 0;
  let channelDropped = 0;
  let closed = false;
  let state: AppChannelStatus = { state: 'idle' };
  let countdown: NodeJS.Timeout | undefined;
  let listTimer: NodeJS.Timeout | undefined;
  let listing = false;
  /** Messages handed on in the order they came, each after its thing model was looked up. */
  let waiting = 0;
  let chain: Promise<void> = Promise.resolve();

  function suffix(): string {
    const parts: string[] = [];
    if (refused.size) parts.push(text('status.devicesRefused', `${refused.size} refused`, { count: refused.size }));
    const lost = dropped + channelDropped;
    if (lost) parts.push(text('status.dropped', `${lost} dropped`, { count: lost }));
    return parts.length ? ` (${parts.join(', ')})` : '';
  }

  function show(): void {
    clearInterval(countdown);
    countdown = undefined;
    if (closed) return;
    switch (state.state) {
      case 'online':
        return status({ fill: refused.size || dropped + channelDropped ? 'yellow' : 'green', shape: 'dot', text: `${text('status.connected', 'connected')}${suffix()}` });
      case 'connecting':
        return status({ fill: 'yellow', shape: 'ring', text: text('status.connecting', 'connecting') });
      case 'waiting': {
        const until = Date.now() + (state.retryInMs ?? 0);
        const tokenRefused = state.code === APP_CHANNEL_CODES.TOKEN_INVALID;
        const reason = tokenRefused ? text('status.tokenRefused', 'token refused') : state.reason ?? '';
        const tick = (): void => {
          const seconds = Math.max(1, Math.ceil((until - Date.now()) / 1000));
          status(reason
            ? { fill: tokenRefused ? 'red' : 'yellow', shape: 'ring', text: text('status.refusedRetry', `${reason} (again in ${seconds} s)`, { reason, seconds }) }
            : { fill: 'yellow', shape: 'ring', text: text('status.reconnecting', `reconnecting in ${seconds} s`, { seconds }) });
        };
        tick();
        countdown = setInterval(tick, 1000);
        return;
      }
      default:
        return undefined;
    }
  }

  function deliver(message: AppChannelMessage, model: ThingModel | undefined): void {
    const msg: NodeMessage = {
      topic: `${message.productKey}/${message.deviceKey}/${message.type}`,
      payload: typedData(message, model),
      event: message,
    };
    node.send(msg);
  }

  function onMessage(message: AppChannelMessage): void {
    if (closed) return;
    if (waiting >= MAX_WAITING) {
      // Each waiting message holds only its own frame: the newest is the one left out, and counted.
      dropped++;
      show();
      return;
    }
    waiting++;
    const model = isPlainObject(message.data) && isPlainObject(message.data.kv)
      ? models.get(client!, MODEL_CALL, message.productKey).catch(() => undefined)
      : Promise.resolve(undefined);
    chain = chain.then(async () => {
      const found = await model;
      waiting--;
      if (closed) return;
      try {
        deliver(message, found);
      } catch (err) {
        node.error(err);
      }
    });
  }

  function onDeviceRefused(device: AppDevice, code: number, vendorMessage: string): void {
    const id = `${device.productKey}/${device.deviceKey}`;
    if (refused.get(id) === code) return;
    refused.set(id, code);
    const line = text('errors.deviceRefused', `${code}: ${id} refused by the App channel: ${vendorMessage}`, { code, device: id, message: vendorMessage });
    node.error(new Failure(line, String(code)), { topic: id, payload: { productKey: device.productKey, deviceKey: device.deviceKey, code, message: vendorMessage } });
    show();
  }

  function follow(): void {
    lease?.update({ devices: [...devices.values()] });
  }

  function onBinding(notice: AppBindingNotice): void {
    if (!all) return;
    const id = `${notice.productKey}/${notice.deviceKey}`;
    if (notice.data?.value === 1) {
      devices.set(id, { productKey: notice.productKey, deviceKey: notice.deviceKey });
      refused.delete(id);
    } else {
      devices.delete(id);
      refused.delete(id);
    }
    follow();
    show();
  }

  /** Every device of the user, every page of the list; tried again later when it fails. */
  async function readList(): Promise<void> {
    if (!all || listing || closed) return;
    listing = true;
    clearTimeout(listTimer);
    listTimer = undefined;
    try {
      const result = await client!.callAllPages('quectel-app.listDevices', { pageSize: 100 });
      if (closed) return;
      devices.clear();
      for (const item of result.items) {
        const d = item as { productKey?: unknown; deviceKey?: unknown };
        if (typeof d.productKey === 'string' && typeof d.deviceKey === 'string') devices.set(`${d.productKey}/${d.deviceKey}`, { productKey: d.productKey, deviceKey: d.deviceKey });
      }
      follow();
    } catch (err) {
      if (closed) return;
      const e = err as { code?: unknown; message?: unknown };
      node.warn(text('errors.listFailed', `cannot read the account's devices (${String(e.code)}: ${String(e.message)}); trying again in ${LIST_RETRY_MS / 1000} s`, {
        code: String(e.code), message: String(e.message), seconds: LIST_RETRY_MS / 1000,
      }));
      listTimer = setTimeout(() => void readList(), LIST_RETRY_MS);
    } finally {
      listing = false;
    }
  }

  /** Set while the channel is away, so that the list is read again once it is back. */
  let away = false;
  let lease: AppChannelLease | undefined;
  lease = channels.acquire({
    devices: [...devices.values()],
    types,
    onMessage,
    onDeviceRefused,
    onBinding,
    onStatus: (s) => {
      state = s;
      // Bindings made while the channel was away are not pushed: the list is read again after each reconnect.
      if (s.state === 'waiting') away = true;
      if (s.state === 'online' && away) {
        away = false;
        void readList();
      }
      show();
    },
    onDropped: (total) => {
      channelDropped = total;
      show();
    },
  }, ctx.tls);
  void readList();

  return () => {
    closed = true;
    clearInterval(countdown);
    clearTimeout(listTimer);
    lease?.release();
    lease = undefined;
  };
}
