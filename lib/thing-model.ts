// A Quectel product's thing model (TSL): what properties and services its
// devices have, their types and limits. Used to check values before a control
// call is sent, to write them the way the vendor reads them (numbers and
// booleans as text, structures as lists of one-key objects), and to give
// values read back their real types.
import { invalidInput } from './errors';
import { isPlainObject, kindOf } from './validate';

export type TslType = 'BOOL' | 'INT' | 'FLOAT' | 'DOUBLE' | 'ENUM' | 'TEXT' | 'RAW' | 'DATE' | 'STRUCT' | 'ARRAY';

export interface TslField {
  id?: number;
  code: string;
  dataType: TslType;
  /** The vendor's name for it, and its unit, for people (the editor's picker). */
  name?: string;
  unit?: string;
  /** R read-only, W write-only, RW both (properties only). */
  subType?: string;
  min?: number;
  max?: number;
  /** TEXT and RAW: most characters. */
  length?: number;
  /** ENUM and BOOL: the allowed values, as text. */
  values?: string[];
  /** STRUCT: its fields. */
  fields?: TslField[];
  /** ARRAY: its item type and most items. */
  item?: TslField;
  size?: number;
}

export interface ThingModel {
  properties: Map<string, TslField>;
  /** Property codes by their numeric id (history answers name properties by id). */
  byId: Map<number, TslField>;
  /** Service code → its input parameters. */
  services: Map<string, Map<string, TslField>>;
}

/** Most nesting of structures and arrays a value may have. */
const MAX_VALUE_DEPTH = 8;

const TYPES = new Set<string>(['BOOL', 'INT', 'FLOAT', 'DOUBLE', 'ENUM', 'TEXT', 'RAW', 'DATE', 'STRUCT', 'ARRAY']);

function num(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** One field as the vendor describes it: specs is an object (limits), a list (enum values, struct fields), or a list holding one limits object. */
function readField(raw: unknown): TslField | undefined {
  if (!isPlainObject(raw) || typeof raw.code !== 'string') return undefined;
  const dataType = typeof raw.dataType === 'string' ? raw.dataType.toUpperCase() : '';
  if (!TYPES.has(dataType)) return undefined;
  const field: TslField = { code: raw.code, dataType: dataType as TslType };
  if (num(raw.id) !== undefined) field.id = num(raw.id);
  if (typeof raw.subType === 'string') field.subType = raw.subType;
  if (typeof raw.name === 'string' && raw.name !== '') field.name = raw.name;
  const specs = raw.specs;
  const limits = Array.isArray(specs) && specs.length === 1 && isPlainObject(specs[0]) && !('value' in specs[0]) && !('code' in specs[0]) ? specs[0] : specs;
  if (isPlainObject(limits) && typeof limits.unit === 'string' && limits.unit !== '') field.unit = limits.unit;
  if (dataType === 'STRUCT' && Array.isArray(specs)) {
    field.fields = specs.map(readField).filter((f): f is TslField => f !== undefined);
  } else if ((dataType === 'ENUM' || dataType === 'BOOL') && Array.isArray(specs)) {
    field.values = specs.filter(isPlainObject).map((s) => String(s.value));
  } else if (dataType === 'ARRAY' && isPlainObject(limits)) {
    field.size = num(limits.size);
    const itemType = typeof limits.dataType === 'string' ? limits.dataType.toUpperCase() : '';
    if (itemType === 'STRUCT' && Array.isArray(limits.specs)) {
      field.item = { code: '0', dataType: 'STRUCT', fields: limits.specs.map(readField).filter((f): f is TslField => f !== undefined) };
    } else if (TYPES.has(itemType)) {
      field.item = readField({ code: '0', dataType: itemType, specs: limits.specs }) ?? { code: '0', dataType: itemType as TslType };
    }
  } else if (isPlainObject(limits)) {
    field.min = num(limits.min);
    field.max = num(limits.max);
    field.length = num(limits.length);
  }
  return field;
}

/** Reads the thing model of the App's productTSL or the SaaS TSL export: {properties, services, …}. */
export function readThingModel(data: unknown): ThingModel {
  const model: ThingModel = { properties: new Map(), byId: new Map(), services: new Map() };
  const root = isPlainObject(data) ? data : {};
  for (const raw of Array.isArray(root.properties) ? root.properties : []) {
    const field = readField(raw);
    if (!field) continue;
    model.properties.set(field.code, field);
    if (field.id !== undefined) model.byId.set(field.id, field);
  }
  for (const raw of Array.isArray(root.services) ? root.services : []) {
    if (!isPlainObject(raw) || typeof raw.code !== 'string') continue;
    const inputs = new Map<string, TslField>();
    for (const input of Array.isArray(raw.inputData) ? raw.inputData : []) {
      const field = readField(input);
      if (field) inputs.set(field.code, field);
    }
    model.services.set(raw.code, inputs);
  }
  return model;
}

/** Checks a value against its field; `name` is what an error names (data.brightness, data.params.level). */
export function checkValue(field: TslField, value: unknown, name: string, depth = 0): void {
  if (depth > MAX_VALUE_DEPTH) throw invalidInput(name, 'tooDeep', { limit: MAX_VALUE_DEPTH });
  const range = () => {
    const n = Number(value);
    if ((field.min !== undefined && n < field.min) || (field.max !== undefined && n > field.max)) {
      throw invalidInput(name, 'range', { min: field.min ?? '-∞', max: field.max ?? '∞' });
    }
  };
  const numeric = (integer: boolean) => {
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
      throw invalidInput(name, 'type', { expected: integer ? 'an integer' : 'a number' });
    }
  };
  switch (field.dataType) {
    case 'BOOL':
      if (typeof value !== 'boolean' && value !== 'true' && value !== 'false') throw invalidInput(name, 'type', { expected: 'true or false' });
      return;
    case 'INT':
    case 'DATE':
      numeric(true);
      return range();
    case 'FLOAT':
    case 'DOUBLE':
      numeric(false);
      return range();
    case 'ENUM':
      if ((typeof value !== 'number' && typeof value !== 'string') || (field.values && !field.values.includes(String(value)))) {
        throw invalidInput(name, 'enum', { values: (field.values ?? []).join(', ') });
      }
      return;
    case 'TEXT':
    case 'RAW':
      if (typeof value !== 'string') throw invalidInput(name, 'type', { expected: `a string, not ${kindOf(value)}` });
      if (field.length !== undefined && value.length > field.length) throw invalidInput(name, 'tooLong', { limit: `${field.length} characters` });
      return;
    case 'STRUCT': {
      if (!isPlainObject(value)) throw invalidInput(name, 'type', { expected: `an object, not ${kindOf(value)}` });
      const fields = new Map((field.fields ?? []).map((f) => [f.code, f]));
      for (const [key, item] of Object.entries(value)) {
        const inner = fields.get(key);
        if (!inner) throw invalidInput(`${name}.${key}`, 'unknownCode', { values: [...fields.keys()].join(', ') });
        checkValue(inner, item, `${name}.${key}`, depth + 1);
      }
      return;
    }
    case 'ARRAY':
      if (!Array.isArray(value)) throw invalidInput(name, 'type', { expected: `an array, not ${kindOf(value)}` });
      if (field.size !== undefined && value.length > field.size) throw invalidInput(name, 'tooMany', { limit: field.size });
      if (field.item) value.forEach((item, i) => checkValue(field.item!, item, `${name}[${i}]`, depth + 1));
      return;
  }
}

/**
 * A value the way the vendor reads it inside a control call's data text:
 * numbers and booleans as text, a structure as a list of one-key objects, an
 * array as a list of {"0": item}. Works without a thing model, from the
 * value's own shape.
 */
export function encodeValue(value: unknown, depth = 0): unknown {
  if (depth > MAX_VALUE_DEPTH) throw invalidInput('data', 'tooDeep', { limit: MAX_VALUE_DEPTH });
  if (Array.isArray(value)) return value.map((item) => ({ 0: encodeValue(item, depth + 1) }));
  if (isPlainObject(value)) return Object.entries(value).map(([key, item]) => ({ [key]: encodeValue(item, depth + 1) }));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value;
}

/** A value read back (text, or lists of one-key objects) with its model's type: numbers, booleans, objects and arrays. */
export function decodeValue(dataType: string | undefined, value: unknown, field?: TslField, depth = 0): unknown {
  if (depth > MAX_VALUE_DEPTH) return value;
  const type = (dataType ?? field?.dataType ?? '').toUpperCase();
  switch (type) {
    case 'BOOL':
      return value === true || value === 'true' ? true : value === false || value === 'false' ? false : value;
    case 'INT':
    case 'FLOAT':
    case 'DOUBLE':
    case 'DATE':
    case 'ENUM': {
      if (typeof value !== 'string' || value.trim() === '') return value;
      const n = Number(value);
      return Number.isFinite(n) ? n : value;
    }
    case 'STRUCT': {
      const entries = listOfPairs(value);
      if (!entries) return value;
      const fields = new Map((field?.fields ?? []).map((f) => [f.code, f]));
      const byId = new Map((field?.fields ?? []).filter((f) => f.id !== undefined).map((f) => [String(f.id), f]));
      const out: Record<string, unknown> = {};
      for (const [key, item] of entries) {
        const inner = fields.get(key) ?? byId.get(key);
        out[inner?.code ?? key] = decodeValue(undefined, item, inner, depth + 1);
      }
      return out;
    }
    case 'ARRAY': {
      const entries = listOfPairs(value);
      return entries ? entries.map(([, item]) => decodeValue(undefined, item, field?.item, depth + 1)) : value;
    }
    default:
      return value;
  }
}

/** [{k: v}, …] (or its JSON text) as [k, v] pairs; {k: v, …} too. */
function listOfPairs(value: unknown): [string, unknown][] | undefined {
  let list = value;
  if (typeof list === 'string') {
    try {
      list = JSON.parse(list);
    } catch {
      return undefined;
    }
  }
  if (isPlainObject(list)) return Object.entries(list);
  if (!Array.isArray(list)) return undefined;
  const pairs: [string, unknown][] = [];
  for (const item of list) {
    if (isPlainObject(item) && 'id' in item && 'value' in item) pairs.push([String(item.id), item.value]);
    else if (isPlainObject(item)) pairs.push(...Object.entries(item));
  }
  return pairs;
}
