// Where an editor's picker finds the values an account offers for a parameter:
// the catalogue call per platform, and which fields of its answer's items are
// the value and its label. Only the first page is read: a picker is a hint.
import type { PickerList } from './operations';
import type { Platform } from './types';

export interface PickerSource {
  operation: string;
  /** Dotted path to the items in the call's data ('' when the data is the list). */
  items: string;
  /** The item's field that is the value; several fields make one value joined by '/' (productKey/deviceKey). */
  value: string | readonly string[];
  /** Dotted path within an item (NovaStar keeps names under general.name). */
  label: string;
  /** Parameters of the call besides those the editor passes on. */
  params?: Record<string, unknown>;
}

export const PICKERS: Readonly<Record<PickerList, Partial<Record<Platform, PickerSource>>>> = {
  products: {
    'quectel-saas': { operation: 'quectel-saas.listProducts', items: '', value: 'productKey', label: 'productName', params: { pageSize: 200 } },
    // An App user sees products only through the devices bound to them.
    'quectel-app': { operation: 'quectel-app.listDevices', items: 'list', value: 'productKey', label: 'productName', params: { pageSize: 200 } },
  },
  // A device named with its product, where a node takes devices of several products (quectel-events on an App account).
  productDevices: {
    'quectel-app': { operation: 'quectel-app.listDevices', items: 'list', value: ['productKey', 'deviceKey'], label: 'deviceName', params: { pageSize: 200 } },
  },
  devices: {
    'quectel-app': { operation: 'quectel-app.listDevices', items: 'list', value: 'deviceKey', label: 'deviceName', params: { pageSize: 200 } },
    'quectel-saas': { operation: 'quectel-saas.listDevices', items: '', value: 'deviceKey', label: 'deviceName', params: { pageSize: 200 } },
  },
  screens: { novastar: { operation: 'novastar.listScreens', items: 'screens', value: 'screenId', label: 'name' } },
  presets: { novastar: { operation: 'novastar.listPresets', items: 'presets', value: 'presetId', label: 'name' } },
  layers: { novastar: { operation: 'novastar.listLayers', items: 'screenLayers', value: 'layerId', label: 'general.name' } },
  inputs: { novastar: { operation: 'novastar.listInputs', items: 'inputs', value: 'inputId', label: 'general.name' } },
  // The message subscription's rules and queues, at most 100 a page.
  subscriptions: { 'quectel-saas': { operation: 'quectel-saas.listSubscriptions', items: '', value: 'subscribeId', label: 'subscribeName', params: { pageSize: 100 } } },
  queues: { 'quectel-saas': { operation: 'quectel-saas.listQueues', items: '', value: 'id', label: 'queueName', params: { pageSize: 100 } } },
  // The background list is the answer's body itself.
  backgrounds: { novastar: { operation: 'novastar.listBackgrounds', items: '', value: 'bkgId', label: 'general.name' } },
};

/** Most items a picker offers. */
export const MAX_PICKED = 200;

/** The value at a dotted path ('' is the value itself). */
function dig(data: unknown, path: string): unknown {
  let at: unknown = data;
  for (const key of path ? path.split('.') : []) at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
  return at;
}

/** The distinct values (with labels) of a picker's answer, at most MAX_PICKED. */
export function pickedItems(source: PickerSource, data: unknown): { value: string; label: string }[] {
  const list = dig(data, source.items);
  const out = new Map<string, string>();
  for (const item of Array.isArray(list) ? list : []) {
    if (item === null || typeof item !== 'object') continue;
    const record = item as Record<string, unknown>;
    const fields = typeof source.value === 'string' ? [source.value] : source.value;
    const parts = fields.map((field) => record[field]);
    if (parts.some((part) => typeof part !== 'string' && typeof part !== 'number')) continue;
    const value = parts.join('/');
    if (out.has(value)) continue;
    const label = dig(record, source.label);
    out.set(String(value), typeof label === 'string' || typeof label === 'number' ? String(label) : '');
    if (out.size >= MAX_PICKED) break;
  }
  return [...out].map(([value, label]) => ({ value, label }));
}
