// Where an editor's picker finds the values an account offers for a parameter:
// the catalogue call per platform, and which fields of its answer's items are
// the value and its label. Only the first page is read: a picker is a hint.
import type { PickerList } from './operations';
import type { Platform } from './types';
import { readThingModel, type TslField } from './thing-model';

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
  /** The call's parameters the editor holds under another name (the App's `pk` is the form's `productKey`). */
  from?: Record<string, string>;
  /** The answer is a thing model: its properties and services are the items (see modelItems). */
  model?: true;
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
  // A product's thing model, for the control and state nodes' property pickers.
  model: {
    'quectel-app': { operation: 'quectel-app.exportTsl', items: '', value: '', label: '', from: { pk: 'productKey' }, model: true },
    'quectel-saas': { operation: 'quectel-saas.exportTsl', items: '', value: '', label: '', model: true },
  },
};

/** A property, or a service's input, as the editor's thing-model picker shows it and picks its widget. */
export interface ModelItem {
  value: string;
  label: string;
  kind: 'property' | 'service';
  dataType: string;
  subType?: string;
  unit?: string;
  min?: number;
  max?: number;
  length?: number;
  values?: string[];
  /** A service's inputs. */
  inputs?: ModelItem[];
}

function modelItem(field: TslField, kind: ModelItem['kind']): ModelItem {
  const { code, name, dataType, subType, unit, min, max, length, values } = field;
  const item: ModelItem = { value: code, label: name ?? '', kind, dataType };
  for (const [key, v] of Object.entries({ subType, unit, min, max, length, values })) if (v !== undefined) (item as unknown as Record<string, unknown>)[key] = v;
  return item;
}

/** The properties (then the services, with their inputs) of a thing model, at most MAX_PICKED. */
export function modelItems(data: unknown): ModelItem[] {
  const model = readThingModel(data);
  const root = data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  const serviceNames = new Map<string, string>();
  for (const raw of Array.isArray(root.services) ? root.services : []) {
    const r = raw as Record<string, unknown>;
    if (r && typeof r.code === 'string' && typeof r.name === 'string') serviceNames.set(r.code, r.name);
  }
  const out = [...model.properties.values()].map((f) => modelItem(f, 'property'));
  for (const [code, inputs] of model.services) {
    out.push({ value: code, label: serviceNames.get(code) ?? '', kind: 'service', dataType: 'STRUCT', inputs: [...inputs.values()].map((f) => modelItem(f, 'service')) });
  }
  return out.slice(0, MAX_PICKED);
}

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
