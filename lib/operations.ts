// The catalogue: one entry per vendor call, and the operations made of such
// calls. It is the single source for parameter checks, for where each
// parameter goes, and for the editor's fields.
import { COUNTRY_CODE } from './accounts';
import type { HttpMethod, Platform } from './types';

export type ParamType = 'string' | 'integer' | 'boolean' | 'array' | 'object';

export interface ParamSpec {
  name: string;
  in: 'query' | 'body';
  type: ParamType;
  required?: boolean;
  /** Strings: length limits (default at most 1024 characters). */
  minLength?: number;
  maxLength?: number;
  pattern?: RegExp;
  /** Integers: inclusive range. */
  min?: number;
  max?: number;
  enum?: readonly (string | number)[];
  /**
   * Filled in by the platform before the call is sent when the caller leaves
   * it out: `currentFamily`, the fid of the Quectel App user's current family.
   */
  platformDefault?: 'currentFamily';
  /** Arrays: most items (default 1000). */
  maxItems?: number;
  /** Taken from the account's settings when the caller leaves it out. */
  accountDefault?: 'internationalCode';
  /** A password: its value is scrubbed from the call's errors and message, and a node may keep it as a credential. */
  secret?: boolean;
  /** What the value means, so an editor can offer the right field: epoch milliseconds are entered as a date. */
  format?: 'epoch-ms';
  /** The unit of a number, shown beside it. */
  unit?: 'ms' | 's';
  /** Where an editor can fetch the values the account offers for this parameter. */
  picker?: PickerList;
  /** Strings: a list of values separated by commas, which may also be given as an array of strings. */
  list?: boolean;
  /** Body parameters only: sent inside this object of the body (NovaStar's `window`, `source`, `general`, `audio`) rather than at its top. */
  group?: string;
}

/** Lists an editor can fill a parameter from, read from the live account. */
export type PickerList = 'products' | 'devices' | 'productDevices' | 'screens' | 'presets' | 'layers' | 'inputs' | 'backgrounds' | 'subscriptions' | 'queues' | 'model';

/**
 * How a call is authenticated. `token`: the session's access token;
 * `sms-signature`: Quectel's signed SMS request; `register`: Quectel's
 * encrypted-password body; `envelope`: NovaStar's signed body. (Logins are
 * the adapters' own requests, not catalogue calls.)
 */
export type AuthMode = 'token' | 'sms-signature' | 'register' | 'envelope';

export interface Paging {
  page: string;
  size: string;
  /** Where the items and the total are in the whole answer, as dotted paths. */
  items: string;
  total: string;
}

/** One request to the vendor. */
export interface VendorCall {
  id: string;
  platform: Platform;
  method: HttpMethod;
  path: string;
  auth: AuthMode;
  params: readonly ParamSpec[];
  /** Creates something on the vendor's side: never sent twice, whatever its method (see isRepeatable). */
  creates?: boolean;
  paging?: Paging;
  /** A write the platform checks before it is sent (NovaStar: ids against the processor's lists, a window against the screen). */
  checked?: boolean;
  /** Deletes something on the vendor's side: lists read before it are out of date (as after a `creates`). */
  removes?: boolean;
  calls?: undefined;
}

/**
 * An operation made of other catalogue calls, named by their part in it (the
 * thing model, the control call, the details…); its parameters are the
 * node's own. The platform's adapter runs it (lib/platforms).
 */
export interface CompositeOperation {
  id: string;
  platform: Platform;
  params: readonly ParamSpec[];
  calls: Readonly<Record<string, string>>;
  /** Changes something on the vendor's side. */
  writes?: boolean;
  paging?: undefined;
}

export type Operation = VendorCall | CompositeOperation;

export function isComposite(op: Operation): op is CompositeOperation {
  return op.calls !== undefined;
}

const str = (name: string, where: 'query' | 'body', extra: Partial<ParamSpec> = {}): ParamSpec => ({ name, in: where, type: 'string', ...extra });
const int = (name: string, where: 'query' | 'body', extra: Partial<ParamSpec> = {}): ParamSpec => ({ name, in: where, type: 'integer', ...extra });
const bool = (name: string, where: 'query' | 'body'): ParamSpec => ({ name, in: where, type: 'boolean' });
const req = { required: true } as const;

const PHONE = { pattern: /^\d{5,20}$/ };
const COUNTRY = { pattern: COUNTRY_CODE, accountDefault: 'internationalCode' } as const;
const MS_TIMESTAMP = { pattern: /^\d{10,13}$/, format: 'epoch-ms' } as const;
const PAGE = { min: 1, max: 1_000_000 };
const PAGE_SIZE = { min: 1, max: 1000 };
/** The subscription pages list at most 100 queues or rules a page. */
const RULE_PAGE_SIZE = { min: 1, max: 100 };
/** The App's lists are PageHelper pages: data.list and data.total. */
const APP_PAGING = { page: 'page', size: 'pageSize', items: 'data.list', total: 'data.total' } as const;
const FID = { maxLength: 64 } as const;
/** A scene's or an automation's family: the current one when left out, none when the user domain has no family mode. */
const FAMILY_OR_NONE = { ...FID, platformDefault: 'currentFamily' } as const;
const SCENE_ID = (where: 'query' | 'body'): ParamSpec => str('sceneId', where, { required: true, maxLength: 64 });
const RULE_ID = { min: 1, max: Number.MAX_SAFE_INTEGER };

/** A door-lock guest, as both adding and updating one describe it. */
const LOCK_GUEST: ParamSpec[] = [
  str('serialId', 'body', { ...req, maxLength: 64 }),
  str('nickName', 'body', { ...req, maxLength: 64 }),
  str('startTime', 'body', { ...req, ...MS_TIMESTAMP }),
  str('endTime', 'body', { ...req, ...MS_TIMESTAMP }),
  int('times', 'body', { ...req, min: 0, max: 9999 }),
  str('mobile', 'body', PHONE),
  int('isMax', 'body', { enum: [0, 1] }),
];

/** Devices one control call may name (the vendor caps its batches; the documents give no number). */
const MAX_DEVICES = 100;
/** Characters of a control call's data text: raw data is at most 4096, as the vendor documents. */
const RAW_TEXT = 4096;
const CONTROL_TEXT = 64 * 1024;
const CACHE_TIME = { min: 1, max: 7_776_000, unit: 's' } as const;
const QOS = { enum: [0, 1] } as const;
const SAAS_CONTROL_OPTIONS: ParamSpec[] = [
  { name: 'isCache', in: 'body', type: 'boolean' }, int('cacheTime', 'body', CACHE_TIME),
  { name: 'isCover', in: 'body', type: 'boolean' }, int('qos', 'body', QOS),
];

const SCREEN = int('screenId', 'body', { required: true, min: 0, max: 1000, picker: 'screens' });
const LAYER = int('layerId', 'body', { required: true, min: 0, max: 65_535, picker: 'layers' });

/**
 * A layer's window in screen pixels. The catalogue refuses what no screen can
 * hold (a processor's canvas is at most 65,535 pixels a side); whether it fits
 * this screen is checked against the size the processor reports (lib/platforms/novastar-known.ts).
 */
const WINDOW_MAX = 65_535;
function layerWindow(required: boolean): ParamSpec[] {
  const where = { required, group: 'window' } as const;
  return [
    int('x', 'body', { ...where, min: 0, max: WINDOW_MAX - 1 }),
    int('y', 'body', { ...where, min: 0, max: WINDOW_MAX - 1 }),
    int('width', 'body', { ...where, min: 1, max: WINDOW_MAX }),
    int('height', 'body', { ...where, min: 1, max: WINDOW_MAX }),
  ];
}

/**
 * What a layer shows. sourceType 0 none, 1 an input (its inputId and
 * interfaceType from the input list), and an IPC stream with inputId 255:
 * sourceType 255 on firmware before V1.9.9.0, 3 or 255 from V1.9.9.0. cropId
 * 255 is the whole picture.
 */
function layerSource(group?: string): ParamSpec[] {
  return [
    int('sourceType', 'body', { required: group === undefined, enum: [0, 1, 3, 255], ...(group ? { group } : {}) }),
    int('inputId', 'body', { min: 0, max: 255, picker: 'inputs', ...(group ? { group } : {}) }),
    int('interfaceType', 'body', { min: 0, max: 255, ...(group ? { group } : {}) }),
    int('cropId', 'body', { min: 0, max: 255, ...(group ? { group } : {}) }),
  ];
}

/** A NovaStar call: POST of the signed envelope; every call names the processor's deviceId (default 0). */
function novastar(name: string, path: string, params: ParamSpec[]): VendorCall {
  return { id: `novastar.${name}`, platform: 'novastar', method: 'POST', auth: 'envelope', path: `/${path}`, params: [int('deviceId', 'body', { min: 0, max: 1000 }), ...params] };
}

/** A NovaStar write: its ids and window are checked against the processor before it changes the wall. */
function novastarWrite(name: string, path: string, params: ParamSpec[]): VendorCall {
  return { ...novastar(name, path, params), checked: true };
}

const calls: VendorCall[] = [
  // ---- Quectel App (end-user) ----
  {
    id: 'quectel-app.sendSmsCode', platform: 'quectel-app', method: 'POST', auth: 'sms-signature',
    path: '/v2/sms/enduserapi/v2/sendPhoneSmsCode',
    params: [
      str('phone', 'query', { ...req, ...PHONE }),
      str('internationalCode', 'query', COUNTRY),
      int('codeType', 'query', { ...req, enum: [1, 2, 3, 4, 5] }),
    ],
  },
  {
    id: 'quectel-app.register', platform: 'quectel-app', method: 'POST', auth: 'register', creates: true,
    path: '/v2/enduser/enduserapi/v2/phonePwdRegister',
    params: [
      str('phone', 'body', { ...req, ...PHONE }),
      str('internationalCode', 'body', COUNTRY),
      str('pwd', 'body', { ...req, minLength: 6, maxLength: 64, secret: true }),
      str('smsCode', 'body', { ...req, pattern: /^[0-9A-Za-z]{4,10}$/ }),
      { name: 'agreementList', in: 'body', type: 'array', maxItems: 10 },
    ],
  },
  {
    id: 'quectel-app.listDevices', platform: 'quectel-app', method: 'GET', auth: 'token',
    path: '/v2/binding/enduserapi/userDeviceList',
    params: [
      str('pkList', 'query', { picker: 'products' }), str('dk', 'query', { picker: 'devices' }), str('deviceName', 'query'),
      int('page', 'query', PAGE), int('pageSize', 'query', PAGE_SIZE),
    ],
    paging: { page: 'page', size: 'pageSize', items: 'data.list', total: 'data.total' },
  },

  // ---- Quectel App home: families, rooms, their devices, the user's messages ----
  // A family's fid may be left out where the node takes it: the platform then uses the current family's.
  {
    id: 'quectel-app.listFamilies', platform: 'quectel-app', method: 'GET', auth: 'token',
    path: '/v2/family/enduserapi/getFamilyList',
    // role: 1 creator, 2 administrator, 3 member.
    params: [str('role', 'query', { pattern: /^[123](,[123]){0,2}$/, list: true }), int('page', 'query', PAGE), int('pageSize', 'query', PAGE_SIZE)],
    paging: APP_PAGING,
  },
  {
    id: 'quectel-app.currentFamily', platform: 'quectel-app', method: 'GET', auth: 'token',
    path: '/v2/family/enduserapi/getCurrentFamily',
    params: [str('fid', 'query', FID), str('currentCoordinates', 'query', { maxLength: 64 })],
  },
  {
    id: 'quectel-app.listRooms', platform: 'quectel-app', method: 'GET', auth: 'token',
    path: '/v2/family/enduserapi/getFamilyRoomList',
    params: [str('fid', 'query', { ...FID, platformDefault: 'currentFamily' }), int('page', 'query', PAGE), int('pageSize', 'query', PAGE_SIZE)],
    paging: APP_PAGING,
  },
  {
    id: 'quectel-app.listRoomDevices', platform: 'quectel-app', method: 'GET', auth: 'token',
    path: '/v2/family/enduserapi/getFamilyRoomDeviceList',
    params: [str('frid', 'query', { ...req, maxLength: 64 }), bool('isGroupDeviceShow', 'query'), int('page', 'query', PAGE), int('pageSize', 'query', PAGE_SIZE)],
    paging: APP_PAGING,
  },
  {
    id: 'quectel-app.listFamilyDevices', platform: 'quectel-app', method: 'GET', auth: 'token',
    path: '/v2/family/enduserapi/getFamilyDeviceList',
    params: [
      str('fid', 'query', { ...FID, platformDefault: 'currentFamily' }),
      str('deviceName', 'query', { maxLength: 64 }), str('pkList', 'query', { maxLength: 2048, list: true, picker: 'products' }),
      str('secondItemCode', 'query', { maxLength: 64 }),
      bool('isAddOwnerDevice', 'query'), bool('isAssociation', 'query'), bool('isGroupDeviceShow', 'query'),
      int('page', 'query', PAGE), int('pageSize', 'query', PAGE_SIZE),
    ],
    paging: APP_PAGING,
  },
  {
    id: 'quectel-app.listMessages', platform: 'quectel-app', method: 'GET', auth: 'token',
    path: '/v2/mobilepush/enduserapi/userMsgList',
    params: [
      str('pk', 'query', { maxLength: 64, picker: 'products' }), str('dk', 'query', { maxLength: 64, picker: 'devices' }),
      // 1 device notification, 2 alarm, 3 fault, 4 system message.
      int('msgType', 'query', { enum: [1, 2, 3, 4] }),
      bool('isRead', 'query'),
      // First labels 1 system, 2 smart, 3 device; second labels 1 privacy to 8 OTA.
      str('firstLabelList', 'query', { pattern: /^[123](,[123]){0,2}$/, list: true }),
      str('secondaryLabelList', 'query', { pattern: /^[1-8](,[1-8]){0,7}$/, list: true }),
      int('page', 'query', PAGE), int('pageSize', 'query', PAGE_SIZE),
    ],
    paging: APP_PAGING,
  },

  // ---- Quectel App scenes and automations; with family mode on they are a family's (fid), else the user's ----
  {
    id: 'quectel-app.listScenes', platform: 'quectel-app', method: 'GET', auth: 'token',
    path: '/v2/cep/enduserapi/selectSceneList',
    params: [str('fid', 'query', FAMILY_OR_NONE), str('sceneName', 'query', { maxLength: 64 }), int('page', 'query', PAGE), int('pageSize', 'query', PAGE_SIZE)],
    paging: APP_PAGING,
  },
  {
    id: 'quectel-app.sceneDetail', platform: 'quectel-app', method: 'GET', auth: 'token',
    path: '/v2/cep/enduserapi/selectSceneDetail',
    params: [SCENE_ID('query'), str('fid', 'query', FAMILY_OR_NONE)],
  },
  {
    id: 'quectel-app.sceneExecute', platform: 'quectel-app', method: 'POST', auth: 'token',
    path: '/v2/cep/enduserapi/sceneExecute',
    params: [SCENE_ID('body'), str('fid', 'body', FAMILY_OR_NONE)],
  },
  {
    id: 'quectel-app.listAutomations', platform: 'quectel-app', method: 'GET', auth: 'token',
    path: '/v2/cep/enduserapi/automation/list',
    // The vendor requires both page fields here.
    params: [str('fid', 'query', FAMILY_OR_NONE), int('page', 'query', { ...req, ...PAGE }), int('pageSize', 'query', { ...req, ...PAGE_SIZE })],
    paging: APP_PAGING,
  },
  {
    id: 'quectel-app.automationStatus', platform: 'quectel-app', method: 'POST', auth: 'token',
    path: '/v2/cep/enduserapi/automation/status',
    // The page puts the automation and its new status in the query, the family in the body.
    params: [int('automationId', 'query', { ...req, ...RULE_ID }), { name: 'status', in: 'query', type: 'boolean', required: true }, str('fid', 'body', FAMILY_OR_NONE)],
  },

  // ---- Quectel SaaS ----
  {
    id: 'quectel-saas.exportTsl', platform: 'quectel-saas', method: 'GET', auth: 'token',
    path: '/v2/quectsl/openapi/product/export/tslFile',
    params: [str('productKey', 'query', { ...req, maxLength: 64, picker: 'products' }), str('language', 'query', { enum: ['CN', 'EN'] })],
  },
  {
    id: 'quectel-saas.listProducts', platform: 'quectel-saas', method: 'GET', auth: 'token',
    path: '/v2/quecproductmgr/r3/openapi/products',
    params: [str('productKey', 'query', { maxLength: 64 }), int('pageNum', 'query', PAGE), int('pageSize', 'query', PAGE_SIZE)],
    paging: { page: 'pageNum', size: 'pageSize', items: 'data', total: 'total' },
  },
  {
    id: 'quectel-saas.listDevices', platform: 'quectel-saas', method: 'GET', auth: 'token',
    path: '/v2/devicemgr/r3/openapi/product/device/overview',
    params: [
      str('productKey', 'query', { ...req, maxLength: 64, picker: 'products' }), str('deviceKey', 'query', { maxLength: 64, picker: 'devices' }),
      int('deviceStatus', 'query', { enum: [0, 1] }),
      int('pageNum', 'query', PAGE), int('pageSize', 'query', PAGE_SIZE),
    ],
    paging: { page: 'pageNum', size: 'pageSize', items: 'data', total: 'total' },
  },
  {
    id: 'quectel-saas.productDetail', platform: 'quectel-saas', method: 'GET', auth: 'token',
    path: '/v2/quecproductmgr/r3/openapi/product/detail',
    params: [str('productKey', 'query', { ...req, maxLength: 64, picker: 'products' })],
  },
  {
    id: 'quectel-saas.createDevice', platform: 'quectel-saas', method: 'POST', auth: 'token', creates: true,
    path: '/v2/devicemgr/r3/openapi/device/create',
    params: [
      str('productKey', 'body', { ...req, maxLength: 64, picker: 'products' }),
      str('deviceKey', 'body', { ...req, pattern: /^[\w.:-]{1,64}$/ }),
      str('deviceName', 'body', { maxLength: 64 }),
      // 0 dynamic, 1 static, 2 X.509 (which needs the fingerprint); the vendor's default is 0.
      int('authMode', 'body', { enum: [0, 1, 2] }),
      str('sn', 'body', { maxLength: 64 }),
      str('fingerPrint', 'body', { maxLength: 256 }),
      str('psk', 'body', { maxLength: 256, secret: true }),
    ],
  },
  {
    id: 'quectel-saas.deviceResource', platform: 'quectel-saas', method: 'GET', auth: 'token',
    path: '/v2/deviceshadow/r2/openapi/device/resource',
    params: [str('productKey', 'query', { ...req, maxLength: 64, picker: 'products' }), str('deviceKey', 'query', { ...req, maxLength: 64, picker: 'devices' })],
  },
  {
    id: 'quectel-saas.deviceLocation', platform: 'quectel-saas', method: 'GET', auth: 'token',
    path: '/v2/deviceshadow/r1/openapi/device/getlocation',
    // The vendor also names a device by its numeric deviceId; the catalogue names every device by its two keys.
    params: [str('productKey', 'query', { ...req, maxLength: 64, picker: 'products' }), str('deviceKey', 'query', { ...req, maxLength: 64, picker: 'devices' })],
  },

  // ---- Quectel SaaS message subscription: the queues a consumer reads and the rules that fill them ----
  {
    id: 'quectel-saas.listQueues', platform: 'quectel-saas', method: 'POST', auth: 'token',
    path: '/v2/quecrule/r1/openapi/queue/list',
    params: [str('queueName', 'body', { maxLength: 128 }), int('status', 'body', { enum: [0, 1, 2] }), int('pageNum', 'body', PAGE), int('pageSize', 'body', RULE_PAGE_SIZE)],
    paging: { page: 'pageNum', size: 'pageSize', items: 'data', total: 'total' },
  },
  {
    id: 'quectel-saas.queueDetail', platform: 'quectel-saas', method: 'GET', auth: 'token',
    path: '/v2/quecrule/r1/openapi/queue/detail',
    params: [int('queueId', 'query', { ...req, ...RULE_ID, picker: 'queues' })],
  },
  {
    id: 'quectel-saas.listSubscriptions', platform: 'quectel-saas', method: 'POST', auth: 'token',
    path: '/v2/quecrule/r1/openapi/subscribe/list',
    params: [
      str('subscribeName', 'body', { maxLength: 128 }), str('queueName', 'body', { maxLength: 128 }), int('status', 'body', { enum: [0, 1] }),
      int('pageNum', 'body', PAGE), int('pageSize', 'body', RULE_PAGE_SIZE),
    ],
    paging: { page: 'pageNum', size: 'pageSize', items: 'data', total: 'total' },
  },
  ...(['detail', 'start', 'stop'] as const).map((name): VendorCall => ({
    id: `quectel-saas.${name === 'detail' ? 'subscriptionDetail' : `${name}Subscription`}`, platform: 'quectel-saas', method: name === 'detail' ? 'GET' : 'POST', auth: 'token',
    path: `/v2/quecrule/r1/openapi/subscribe/${name}`,
    params: [int('subscribeId', 'query', { ...req, ...RULE_ID, picker: 'subscriptions' })],
  })),

  // ---- Quectel devices: the vendor calls behind control, state and history ----
  {
    id: 'quectel-app.exportTsl', platform: 'quectel-app', method: 'GET', auth: 'token',
    path: '/v2/binding/enduserapi/productTSL',
    params: [str('pk', 'query', { ...req, maxLength: 64, picker: 'products' }), str('gatewayPk', 'query', { maxLength: 64 })],
  },
  {
    id: 'quectel-app.batchControl', platform: 'quectel-app', method: 'POST', auth: 'token',
    path: '/v2/binding/enduserapi/batchControlDevice',
    params: [
      str('data', 'body', { ...req, maxLength: CONTROL_TEXT }),
      { name: 'deviceList', in: 'body', type: 'array', required: true, maxItems: MAX_DEVICES },
      int('type', 'body', { ...req, enum: [1, 2, 3] }),
      int('dataFormat', 'body', { enum: [1, 2] }),
      int('isCache', 'body', { enum: [1, 2] }), int('cacheTime', 'body', CACHE_TIME), int('isCover', 'body', { enum: [1, 2] }), int('qos', 'body', QOS),
    ],
  },
  {
    id: 'quectel-app.readAttributes', platform: 'quectel-app', method: 'GET', auth: 'token',
    path: '/v2/binding/enduserapi/getDeviceBusinessAttributes',
    params: [str('pk', 'query', { ...req, maxLength: 64 }), str('dk', 'query', { ...req, maxLength: 64 }), str('codeList', 'query', { maxLength: 2048 }), str('type', 'query', { pattern: /^[123](,[123])*$/ })],
  },
  {
    id: 'quectel-app.deviceInfo', platform: 'quectel-app', method: 'GET', auth: 'token',
    path: '/v2/binding/enduserapi/deviceInfo',
    params: [str('pk', 'query', { ...req, maxLength: 64 }), str('dk', 'query', { ...req, maxLength: 64 })],
  },
  {
    id: 'quectel-app.propertyHistory', platform: 'quectel-app', method: 'GET', auth: 'token',
    path: '/v2/quecdatastorage/enduserapi/getPropertyDataList',
    params: [
      str('pk', 'query', { ...req, maxLength: 64 }), str('dk', 'query', { ...req, maxLength: 64 }), str('attributeCode', 'query', { ...req, maxLength: 64 }),
      str('startTimestamp', 'query', { ...req, ...MS_TIMESTAMP }), str('endTimestamp', 'query', { ...req, ...MS_TIMESTAMP }),
      int('page', 'query', PAGE), int('pageSize', 'query', PAGE_SIZE),
    ],
    paging: { page: 'page', size: 'pageSize', items: 'data.list', total: 'data.total' },
  },
  ...(['writeData', 'sendServiceData', 'readData'] as const).map((name): VendorCall => ({
    id: `quectel-saas.${name}`, platform: 'quectel-saas', method: 'POST', auth: 'token',
    path: `/v2/deviceshadow/r3/openapi/dm/${name}`,
    params: [
      str('productKey', 'body', { ...req, maxLength: 64 }),
      { name: 'devices', in: 'body', type: 'array', required: true, maxItems: MAX_DEVICES },
      str('data', 'body', { ...req, maxLength: CONTROL_TEXT }),
      ...SAAS_CONTROL_OPTIONS,
    ],
  })),
  {
    id: 'quectel-saas.sendRawData', platform: 'quectel-saas', method: 'POST', auth: 'token',
    path: '/v2/deviceshadow/r3/openapi/raw/sendData',
    params: [
      { name: 'devices', in: 'body', type: 'array', required: true, maxItems: MAX_DEVICES },
      str('data', 'body', { ...req, maxLength: RAW_TEXT }),
      str('encode', 'body', { ...req, enum: ['Hex', 'Text'] }),
      ...SAAS_CONTROL_OPTIONS,
    ],
  },
  {
    id: 'quectel-saas.deviceDetail', platform: 'quectel-saas', method: 'GET', auth: 'token',
    path: '/v2/devicemgr/r3/openapi/device/detail',
    params: [str('productKey', 'query', { ...req, maxLength: 64 }), str('deviceKey', 'query', { ...req, maxLength: 64 })],
  },
  {
    id: 'quectel-saas.dataHistory', platform: 'quectel-saas', method: 'GET', auth: 'token',
    path: '/v2/quecdatastorage/r1/openapi/device/data/history',
    params: [
      str('productKey', 'query', { ...req, maxLength: 64 }), str('deviceKey', 'query', { ...req, maxLength: 64 }),
      // The vendor's own spelling of begin and end.
      str('beginDateTimp', 'query', MS_TIMESTAMP), str('endDateTimp', 'query', MS_TIMESTAMP),
      int('direction', 'query', { enum: [1, 2] }),
      int('pageNum', 'query', PAGE), int('pageSize', 'query', PAGE_SIZE),
    ],
    paging: { page: 'pageNum', size: 'pageSize', items: 'data', total: 'total' },
  },

  // ---- On-Bright ----
  {
    id: 'onbright.registerAliDevice', platform: 'onbright', method: 'POST', auth: 'token', creates: true,
    path: '/consumer/open/registAliDev',
    params: [str('type', 'body', { ...req, maxLength: 32 }), str('zone', 'body', { ...req, maxLength: 64 })],
  },
  {
    id: 'onbright.scanDevices', platform: 'onbright', method: 'POST', auth: 'token',
    path: '/consumer/open/device',
    params: [
      str('oboxSerialId', 'body', { ...req, maxLength: 64 }),
      str('deviceType', 'body', { pattern: /^[0-9a-fA-F]{1,4}$/ }),
      str('deviceChildType', 'body', { pattern: /^[0-9a-fA-F]{1,4}$/ }),
      str('serialId', 'body', { maxLength: 64 }),
      str('timeout', 'body', { pattern: /^\d{1,6}$/ }),
    ],
  },
  {
    id: 'onbright.deleteDevice', platform: 'onbright', method: 'DELETE', auth: 'token',
    path: '/consumer/open/device',
    params: [str('serialId', 'body', { ...req, maxLength: 64 })],
  },
  {
    id: 'onbright.addObox', platform: 'onbright', method: 'POST', auth: 'token', creates: true,
    path: '/consumer/open/obox',
    params: [
      str('oboxSerialId', 'body', { ...req, maxLength: 64 }),
      str('oboxName', 'body', { ...req, maxLength: 64 }),
      str('oboxVersion', 'body', { ...req, maxLength: 64 }),
      str('oboxStatus', 'body', { maxLength: 8 }),
      { name: 'deviceConfig', in: 'body', type: 'array' },
      { name: 'groupConfig', in: 'body', type: 'array' },
      { name: 'sceneConfig', in: 'body', type: 'array' },
    ],
  },
  {
    id: 'onbright.listObox', platform: 'onbright', method: 'GET', auth: 'token',
    path: '/consumer/open/obox', params: [],
  },
  {
    id: 'onbright.deleteObox', platform: 'onbright', method: 'DELETE', auth: 'token',
    path: '/consumer/open/obox',
    params: [str('oboxSerialId', 'body', { ...req, maxLength: 64 })],
  },
  {
    id: 'onbright.addLockUser', platform: 'onbright', method: 'POST', auth: 'token', creates: true,
    path: '/consumer/open/intelligentRemoteUser',
    params: [...LOCK_GUEST, str('authToken', 'body', { maxLength: 256 })],
  },
  {
    id: 'onbright.updateLockUser', platform: 'onbright', method: 'PUT', auth: 'token',
    path: '/consumer/open/intelligentRemoteUser',
    params: [...LOCK_GUEST, int('pin', 'body', { ...req, min: 0, max: 999 })],
  },

  // ---- NovaStar H-series (on the processor; parameter names as its public clients use them) ----
  novastar('readDevice', 'device/readDetail', []),
  novastar('listScreens', 'screen/readList', []),
  novastar('readScreen', 'screen/readDetail', [SCREEN]),
  novastarWrite('setBrightness', 'screen/writeBrightness', [SCREEN, int('brightness', 'body', { ...req, min: 0, max: 100 })]),
  novastarWrite('fadeToBlack', 'screen/ftb', [SCREEN, int('type', 'body', { ...req, enum: [0, 1] }), int('time', 'body', { min: 0, max: 60_000, unit: 'ms' })]),
  novastarWrite('freeze', 'screen/writeFreeze', [SCREEN, int('enable', 'body', { ...req, enum: [0, 1] })]),
  novastar('listPresets', 'preset/readList', [SCREEN]),
  novastarWrite('playPreset', 'preset/play', [SCREEN, int('presetId', 'body', { ...req, min: 0, max: 1_000_000, picker: 'presets' })]),
  novastar('listInputs', 'input/readList', []),
  novastar('readInput', 'input/readDetail', [int('inputId', 'body', { ...req, min: 0, max: 255, picker: 'inputs' })]),
  novastar('listOutputs', 'output/readList', []),
  novastar('currentPreset', 'preset/readPlay', [SCREEN]),
  novastar('listBackgrounds', 'bkg/readAllList', []),
  novastarWrite('setBackground', 'screen/writeBKG', [SCREEN, int('enable', 'body', { ...req, enum: [0, 1] }), int('bkgId', 'body', { min: 0, max: 65_535, picker: 'backgrounds' })]),
  // No official page on audio: the path and the nested audio object are those public clients use.
  novastarWrite('setVolume', 'screen/writeDetail', [SCREEN, int('volume', 'body', { ...req, min: 0, max: 100, group: 'audio' }), int('isMute', 'body', { enum: [0, 1], group: 'audio' })]),
  novastar('readAudio', 'audio/readDetail', [SCREEN]),
  novastar('listLayers', 'layer/detailList', [SCREEN]),
  novastar('readLayer', 'layer/readDetail', [SCREEN, LAYER]),
  novastarWrite('switchSource', 'layer/writeSource', [SCREEN, LAYER, ...layerSource()]),
  novastarWrite('setWindow', 'layer/writeWindow', [SCREEN, LAYER, ...layerWindow(true)]),
  {
    ...novastarWrite('createLayer', 'layer/create', [
      SCREEN, str('name', 'body', { maxLength: 64, group: 'general' }), ...layerSource('source'), ...layerWindow(true),
    ]),
    creates: true,
  },
  { ...novastarWrite('deleteLayer', 'layer/delete', [SCREEN, LAYER]), removes: true },
];

/** A node's own parameters for a device: the product picked first, then one of its devices. */
const PRODUCT = str('productKey', 'body', { maxLength: 64, picker: 'products' });
const DEVICE = str('deviceKey', 'body', { maxLength: 64, picker: 'devices' });

/** What a control call takes: one device or several, the data, and the vendor's delivery options (0 off, 1 on). */
function controlParams(data: ParamSpec): ParamSpec[] {
  return [
    PRODUCT, DEVICE,
    { name: 'devices', in: 'body', type: 'array', maxItems: MAX_DEVICES },
    data,
    int('isCache', 'body', { enum: [0, 1] }), int('cacheTime', 'body', CACHE_TIME), int('isCover', 'body', { enum: [0, 1] }), int('qos', 'body', QOS),
  ];
}

const CONTROL_MODES = {
  writeProperties: { mode: 'property', data: { name: 'data', in: 'body', type: 'object', required: true } },
  callService: { mode: 'service', data: { name: 'data', in: 'body', type: 'object', required: true } },
  sendRaw: { mode: 'raw', data: str('data', 'body', { ...req, maxLength: RAW_TEXT }) },
} as const satisfies Record<string, { mode: 'property' | 'service' | 'raw'; data: ParamSpec }>;

const SAAS_CONTROL_CALLS = { property: 'quectel-saas.writeData', service: 'quectel-saas.sendServiceData', raw: 'quectel-saas.sendRawData' } as const;

/** The thing model of each Quectel platform: what a control call is checked against and a state is typed with. */
const APP_MODEL = 'quectel-app.exportTsl';
const SAAS_MODEL = 'quectel-saas.exportTsl';

const composites: CompositeOperation[] = [];
for (const [name, { mode, data }] of Object.entries(CONTROL_MODES)) {
  const params = [...controlParams(data), ...(mode === 'raw' ? [str('dataFormat', 'body', { ...req, enum: ['hex', 'text'] })] : [])];
  composites.push(
    { id: `quectel-app.${name}`, platform: 'quectel-app', params, writes: true, calls: { model: APP_MODEL, control: 'quectel-app.batchControl' } },
    { id: `quectel-saas.${name}`, platform: 'quectel-saas', params, writes: true, calls: { model: SAAS_MODEL, control: SAAS_CONTROL_CALLS[mode] } },
  );
}
// Asks devices to report the named properties: the values arrive as events, not in the answer.
composites.push({
  id: 'quectel-saas.readProperties', platform: 'quectel-saas',
  params: controlParams(str('codes', 'body', { ...req, maxLength: 2048, list: true })),
  calls: { model: SAAS_MODEL, control: 'quectel-saas.readData' },
});
const STATE_TARGET = [{ ...PRODUCT, required: true }, { ...DEVICE, required: true }];
const LATEST = [...STATE_TARGET, str('codes', 'body', { maxLength: 2048, list: true })];
const HISTORY = [
  ...STATE_TARGET, str('code', 'body', { ...req, maxLength: 64 }),
  str('startTime', 'body', { ...req, ...MS_TIMESTAMP }), str('endTime', 'body', { ...req, ...MS_TIMESTAMP }), int('pageSize', 'body', PAGE_SIZE),
];
// A scene runs on several devices: the node reports those that failed (executeScene); an automation is switched by `enabled`.
composites.push(
  { id: 'quectel-app.executeScene', platform: 'quectel-app', params: [SCENE_ID('body'), str('fid', 'body', FID)], writes: true, calls: { execute: 'quectel-app.sceneExecute' } },
  {
    id: 'quectel-app.setAutomation', platform: 'quectel-app', writes: true, calls: { status: 'quectel-app.automationStatus' },
    params: [int('automationId', 'body', { ...req, ...RULE_ID }), { name: 'enabled', in: 'body', type: 'boolean', required: true }, str('fid', 'body', FID)],
  },
);
composites.push(
  { id: 'quectel-app.latest', platform: 'quectel-app', params: LATEST, calls: { model: APP_MODEL, values: 'quectel-app.readAttributes', detail: 'quectel-app.deviceInfo' } },
  { id: 'quectel-saas.latest', platform: 'quectel-saas', params: LATEST, calls: { model: SAAS_MODEL, values: 'quectel-saas.dataHistory', detail: 'quectel-saas.deviceDetail' } },
  { id: 'quectel-app.history', platform: 'quectel-app', params: HISTORY, calls: { model: APP_MODEL, values: 'quectel-app.propertyHistory' } },
  { id: 'quectel-saas.history', platform: 'quectel-saas', params: HISTORY, calls: { model: SAAS_MODEL, values: 'quectel-saas.dataHistory' } },
);

export const OPERATIONS: ReadonlyMap<string, Operation> = new Map([...calls, ...composites].map((op) => [op.id, op]));

export function getOperation(id: string): Operation | undefined {
  return OPERATIONS.get(id);
}

/**
 * Whether a call may be sent again after a 5xx, a 429 or a dropped
 * connection, which may each have reached the vendor: only a read that
 * creates nothing. (A refused connection never reached it, so the transport
 * repeats any call after one.)
 */
export function isRepeatable(call: Pick<VendorCall, 'method' | 'creates'>): boolean {
  return call.method === 'GET' && !call.creates;
}
