// What the simulated servers remember, and the data they start with.
// Everything is deterministic so tests can count on it.
import { DEMO } from './demo';

export type TokenPlatform = 'quectel-app' | 'quectel-saas' | 'onbright';

/**
 * `access`/`refresh`: Quectel App pair; `saas`: Quectel SaaS access token;
 * `client`: On-Bright first-step token; `company`/`company-refresh`: On-Bright
 * second-step token and its refresh token.
 */
export type TokenKind = 'access' | 'refresh' | 'saas' | 'client' | 'company' | 'company-refresh';

export interface TokenRecord {
  token: string;
  platform: TokenPlatform;
  kind: TokenKind;
  /** Quectel App: the user's uid; SaaS: the AccessKey; On-Bright: the clientId. */
  subject: string;
  /** Server-clock milliseconds. */
  issuedAt: number;
  expiresAt: number;
  /** SaaS: when the token was created or last handed out by a refresh. */
  lastRefreshAt: number;
  /** On-Bright company tokens: the uniqueKey they were issued for. */
  uniqueKey?: string;
  /** On-Bright company tokens: their refresh token. */
  refreshToken?: string;
  /** Set when the token was replaced (App refresh tokens are single-use). */
  revoked?: boolean;
}

export interface SmsCode {
  phone: string;
  internationalCode: string;
  codeType: number;
  code: string;
  sentAt: number;
  expiresAt: number;
}

export interface AppUser {
  uid: string;
  phone: string;
  internationalCode: string;
  userDomain: string;
  password: string;
  userName: string;
  /** For emailPwdLogin; the same password, and the same lock, as the phone login. */
  email?: string;
  /** Consecutive wrong passwords (phone or email login); five lock the account until reset(). */
  failedLogins: number;
}

/** A device bound to an App user, shaped like the document's userDeviceList item. */
export interface AppDevice {
  uid: string;
  productKey: string;
  deviceKey: string;
  deviceName: string;
  [field: string]: unknown;
}

export interface Bilingual { CN: string; EN: string }

export interface TslSpec { dataType: string; name?: Bilingual; value?: string; min?: string; max?: string; step?: string; unit?: string }

export interface TslItem {
  id: number;
  code: string;
  type: 'PROPERTY' | 'EVENT' | 'SERVICE';
  dataType?: string;
  subType: string;
  name: Bilingual;
  desc: string;
  sort: number;
  specs?: TslSpec[];
  /** Ids of the properties an event or service hands back (exported as $ref to them). */
  outputData?: number[];
  /** A service's input parameters. */
  inputData?: TslParam[];
}

/** One input parameter of a service, typed like a property. */
export interface TslParam { id: number; code: string; dataType: string; name: Bilingual; specs: TslSpec[] }

/** A property value as the simulator keeps it: BOOL boolean, INT/FLOAT/DOUBLE number, ENUM/TEXT/DATE string. */
export type PropertyValue = boolean | number | string;

/** One exchange with a device, kept for the history calls. */
export interface HistoryEntry {
  /** Server-clock milliseconds. */
  at: number;
  /** 1 uplink (the device reports or answers), 2 downlink (a command to it). */
  direction: 1 | 2;
  ticket: string;
  kind: 'property' | 'service' | 'raw';
  /** Property or parameter values by code (property/service). */
  kv: Record<string, PropertyValue>;
  /** The service's code (kind 'service'). */
  service?: string;
  /** The bytes, base64 (kind 'raw'). */
  raw?: string;
}

/** A command held for an offline device (isCache), delivered when it comes online. */
export interface PendingCommand {
  /** A read asks the device to report the properties named in `keys`. */
  kind: 'property' | 'service' | 'raw' | 'read';
  ticket: string;
  kv: Record<string, PropertyValue>;
  keys?: string[];
  service?: string;
  raw?: string;
  /** Server-clock milliseconds. */
  expiresAt: number;
}

/** What a simulated device is now: online or not, its property values, what it exchanged. */
export interface DeviceShadow {
  productKey: string;
  deviceKey: string;
  online: boolean;
  values: Record<string, PropertyValue>;
  /** Oldest first; the last MAX_HISTORY entries. */
  history: HistoryEntry[];
  pending: PendingCommand[];
  /** The device's own message counter (the AMQP messages' packetId). */
  packetId: number;
  firstConnTime: number;
  lastConnTime: number;
  lastOfflineTime: number;
}

export const MAX_HISTORY = 1000;

export const shadowKey = (productKey: string, deviceKey: string): string => `${productKey}/${deviceKey}`;

/** A SaaS device, with exactly the fields of the SaaS device list page's items. */
export interface SaasDevice {
  activedTime: number;
  authMode: number;
  createTime: number;
  dataFmt: number;
  deviceKey: string;
  deviceName: string;
  deviceStatus: 0 | 1;
  firstConnTime: number;
  isActived: 0 | 1;
  isVerified: 0 | 1;
  isVirtual: 0 | 1;
  lastConnTime: number;
  lastOfflineTime: number;
  productKey: string;
  sn: string;
  updateTime: number;
}

/** The queue of the demo SaaS AccessKey: every product of the account, every message type. */
export const DEMO_QUEUE = 'DEMO.quectelSaas.queue';

/** A message queue of the SaaS account, as the queue pages list it. */
export interface SaasQueue {
  queueId: number;
  queueName: string;
  queueDesc: string;
  /** 0 not enabled, 1 enabled, 2 disabled. */
  status: 0 | 1 | 2;
  createTime: number;
}

/** A subscription rule: which messages go to which queue, delivered only while it runs. */
export interface SaasSubscription {
  subscribeId: number;
  subscribeName: string;
  queueId: number;
  /** 0 not started, 1 running. */
  status: 0 | 1;
  /** 1 product level, 3 device level, 6 SaaS level. */
  subscribeLevel: number;
  /** The message types it covers, as the detail page lists them. */
  msgType: string;
  createTime: number;
  updateTime: number;
}

/** A device's latest fix, as the SaaS location call answers it (WGS-84 degrees; the vendor's NMEA text in lat/lng). */
export interface DeviceLocation {
  productKey: string;
  deviceKey: string;
  wgsLat: number;
  wgsLng: number;
  /** GNSS, LBS or WIFI. */
  locateType: string;
  accuracy: string;
  locateTime: number;
}

export interface Product {
  productKey: string;
  name: Bilingual;
  tslVersion: string;
  version: string;
  tsl: TslItem[];
  devices: SaasDevice[];
}

export interface Obox {
  oboxSerialId: string;
  oboxName: string;
  oboxVersion: string;
  oboxStatus: number | string;
  deviceConfig: unknown[];
  groupConfig: unknown[];
  sceneConfig: unknown[];
}

export interface OnbrightDevice {
  serialId: string;
  name: string;
  /** Hex type: 0a OBOX, 01 LED, 04 socket, 05 curtain, 0b sensor, 15 door lock, 16 remote LED. */
  deviceType: string;
  deviceChildType: string;
  oboxSerialId: string;
}

export interface LockUser {
  id: number;
  serialId: string;
  nickName: string;
  pin: number;
  /** Milliseconds. */
  start: number;
  end: number;
  times: number;
  useTimes: number;
  mobile: string;
  pwd: string;
  isMax: number;
}

export interface AliDevice { kitCenter: string; deviceName: string; productKey: string; deviceSecret: string; type: string; zone: string }

export interface NovastarDevice { deviceId: number; modelId: number; name: string; sn: string; protoVersion: string; MAC: string; status: number }

export interface Screen {
  screenId: number;
  name: string;
  brightness: number;
  /** screen/ftb type: 0 faded to black, 1 showing. */
  ftb: number;
  /** screen/writeFreeze enable: 1 frozen. */
  freeze: number;
  width: number;
  height: number;
  /** The preset last played, -1 for none. */
  presetId: number;
  /** screen/writeBKG: the background shown when enabled. */
  bkgId: number;
  bkgEnable: number;
  /** Screen audio: volume 0-100, isMute 1 muted. */
  volume: number;
  isMute: number;
}

export interface Preset { presetId: number; screenId: number; name: string }

/**
 * An input connector. interfaceType is the processor's integer code for the
 * connector (the document's example layer shows 27); the codes given here are
 * the simulator's own, not a table of NovaStar's.
 */
export interface Input { inputId: number; name: string; interfaceType: number; slotId: number; online: number; width: number; height: number; refresh: number }

/** What a layer shows: sourceType 0 none, 1 an input, 3 or 255 an IPC stream (inputId 255). */
export interface LayerSource { sourceType: number; inputId: number; interfaceType: number; cropId: number; slotId: number }

export interface LayerWindow { x: number; y: number; width: number; height: number }

export interface Layer { layerId: number; screenId: number; name: string; zorder: number; source: LayerSource; window: LayerWindow }

export interface Background { bkgId: number; name: string; width: number; height: number }

export interface Output { outputId: number; name: string; interfaceType: number; online: number }

/** A Quectel App family the user belongs to, with the fields of the family list page. */
export interface Family {
  fid: string;
  uid: string;
  familyName: string;
  familyLocation: string;
  /** "longitude,latitude". */
  familyCoordinates: string;
  /** 1 creator, 2 administrator, 3 member. */
  memberRole: 1 | 2 | 3;
  addTime: number;
}

export interface Room { frid: string; fid: string; roomName: string; roomSort: number; addTime: number }

/** One of the user's devices added to a family, and placed in one of its rooms when frid is set. */
export interface FamilyDevice { fid: string; frid?: string; productKey: string; deviceKey: string }

/** A message to an App user, with the fields of the message list page. */
export interface AppMessage {
  id: string;
  uid: string;
  pk: string;
  dk: string;
  deviceName: string;
  productName: string;
  /** 1 device notification, 2 alarm, 3 fault, 4 system message. */
  msgType: 1 | 2 | 3 | 4;
  /** 1 system, 2 smart, 3 device. */
  firstLabel: number;
  /** 1 privacy, 2 service, 3 automation, 4 scene, 5 notification, 6 alarm, 7 fault, 8 OTA. */
  secondaryLabel: number;
  title: string;
  content: string;
  isRead: boolean;
  addTime: number;
  readTime: number;
}

/** One device action of a scene: property values written to the device. */
export interface SceneAction { productKey: string; deviceKey: string; values: Record<string, PropertyValue> }

export interface Scene { sceneId: string; id: number; fid: string; uid: string; name: string; isCommon: boolean; actions: SceneAction[] }

export interface Automation { automationId: number; fid: string; uid: string; name: string; status: boolean; conditionType: 1 | 2 }

export interface SimState {
  /** By phone: the latest code sent to it (a new code replaces the old one, whatever its codeType). */
  smsCodes: Map<string, SmsCode>;
  /** Quectel App users, by phone. */
  users: Map<string, AppUser>;
  /** Devices bound to Quectel App users (AppDevice.uid is the owner). */
  devices: AppDevice[];
  /** The App users' families, rooms and the devices placed in them (family mode is on for the demo user domain). */
  families: Family[];
  rooms: Room[];
  familyDevices: FamilyDevice[];
  /** The fid of each App user's current family, by uid; a user with none has the first of their families. */
  currentFamily: Map<string, string>;
  /** The App users' scenes and automations, each of a family. */
  scenes: Scene[];
  automations: Automation[];
  /** Messages to App users, newest first. */
  messages: AppMessage[];
  /** Quectel SaaS products, by productKey, each with its TSL model and devices. */
  products: Map<string, Product>;
  /** The App devices' products, by productKey, with their TSL models (their devices are in `devices`). */
  appProducts: Map<string, Product>;
  /** Every Quectel device's live state (App and SaaS alike), by shadowKey(productKey, deviceKey). */
  shadows: Map<string, DeviceShadow>;
  /** SaaS devices' latest locations, by shadowKey; a device that never located itself has none. */
  locations: Map<string, DeviceLocation>;
  /** The SaaS account's message queues and the subscription rules that fill them. */
  queues: SaasQueue[];
  subscriptions: SaasSubscription[];
  oboxes: Map<string, Obox>;
  /** On-Bright devices, by serialId. */
  onbrightDevices: Map<string, OnbrightDevice>;
  lockUsers: LockUser[];
  /** Results of On-Bright registAliDev. */
  aliDevices: AliDevice[];
  novastarDevice: NovastarDevice;
  screens: Screen[];
  presets: Preset[];
  inputs: Input[];
  layers: Layer[];
  backgrounds: Background[];
  outputs: Output[];
  /** Every token issued, by its exact text. */
  tokens: Map<string, TokenRecord>;
}

export const DEMO_UID = 'C131362';

const two = (n: number): string => String(n).padStart(2, '0');

/** Quectel's "yyyy-MM-dd HH:mm:ss", China time (the vendors' servers run on UTC+8). */
export function chinaTime(ms: number): string {
  const d = new Date(ms + 8 * 3600_000);
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

function appDevices(): AppDevice[] {
  const products = [
    { productKey: 'p11pLZ', productName: 'RGB灯', prefix: 'D', count: 10, itemName: '两轮车', itemCode: 'SmartTwoWheels' },
    { productKey: 'p11qT3', productName: '温湿度传感器', prefix: 'TH', count: 8, itemName: '传感器', itemCode: 'Sensor' },
    { productKey: 'p11s8K', productName: '智能插座', prefix: 'SK', count: 5, itemName: '插座', itemCode: 'Socket' },
  ];
  const out: AppDevice[] = [];
  const base = 1744780780714;
  for (const p of products) {
    for (let i = 1; i <= p.count; i++) {
      const deviceKey = `${p.prefix}${String(i).padStart(3, '0')}`;
      const online = i % 3 === 0 ? 1 : 0;
      const bindTs = base + out.length * 60_000;
      const created = 1682240880000 + out.length * 3_600_000;
      out.push({
        productKey: p.productKey,
        deviceKey,
        deviceTag: (p.productKey + deviceKey).padEnd(32, '0').toUpperCase(),
        deviceName: `${p.productName}-${bindTs}`,
        deviceStatus: online ? '在线' : '离线',
        protocol: 'MQTT',
        productName: p.productName,
        logoImage: null,
        signalStrength: String(60 + ((i * 7) % 40)),
        uid: DEMO_UID,
        userName: 'QuE1DglfKXB',
        phone: DEMO.quectelApp.phone,
        deviceType: 1,
        ownerUid: null,
        verified: 1,
        status: 1,
        networkType: '2',
        accessType: '0',
        sn: deviceKey,
        bindMode: 3,
        onlineStatus: online,
        bindStatus: 1,
        deviceCreateTime: chinaTime(created),
        deviceCreateTimeTs: created,
        deviceBindTime: chinaTime(bindTs),
        deviceBindTimeTs: bindTs,
        lastConnTimeTs: bindTs + 3_600_000,
        firstItemCode: 'smart_city',
        firstItemName: p.productName,
        secondItemCode: p.itemCode,
        secondItemName: p.itemName,
        lowPowerProduct: false,
        isNative: 1,
        isMatter: 0,
      });
    }
  }
  return out;
}

const bi = (CN: string, EN: string): Bilingual => ({ CN, EN });

function products(): Map<string, Product> {
  const switchTsl: TslItem[] = [
    {
      id: 1, code: 'switch', type: 'PROPERTY', dataType: 'BOOL', subType: 'RW', name: bi('开关', 'Switch'), desc: '', sort: 1,
      specs: [{ dataType: 'BOOL', name: bi('开启', 'On'), value: 'true' }, { dataType: 'BOOL', name: bi('关闭', 'Off'), value: 'false' }],
    },
    {
      id: 2, code: 'brightness', type: 'PROPERTY', dataType: 'INT', subType: 'RW', name: bi('亮度', 'Brightness'), desc: '', sort: 2,
      specs: [{ dataType: 'INT', min: '0', max: '100', step: '1', unit: '%' }],
    },
    {
      id: 3, code: 'mode', type: 'PROPERTY', dataType: 'ENUM', subType: 'RW', name: bi('模式', 'Mode'), desc: '', sort: 3,
      specs: [
        { dataType: 'ENUM', name: bi('自动', 'Auto'), value: '0' },
        { dataType: 'ENUM', name: bi('手动', 'Manual'), value: '1' },
      ],
    },
    {
      id: 4, code: 'power', type: 'PROPERTY', dataType: 'FLOAT', subType: 'R', name: bi('功率', 'Power'), desc: '', sort: 4,
      specs: [{ dataType: 'FLOAT', min: '0', max: '3000', step: '0.1', unit: 'W' }],
    },
    { id: 5, code: 'overload', type: 'EVENT', subType: 'WARN', name: bi('过载告警', 'Overload alarm'), desc: '', sort: 5, outputData: [4] },
    { id: 6, code: 'reboot', type: 'SERVICE', subType: 'ASYNC', name: bi('重启', 'Reboot'), desc: '', sort: 6, inputData: [], outputData: [] },
    {
      id: 7, code: 'countdown', type: 'SERVICE', subType: 'ASYNC', name: bi('倒计时关闭', 'Switch off after'), desc: '', sort: 7, outputData: [1],
      inputData: [{ id: 1, code: 'seconds', dataType: 'INT', name: bi('秒数', 'Seconds'), specs: [{ dataType: 'INT', min: '1', max: '86400', step: '1', unit: 's' }] }],
    },
  ];
  const sensorTsl: TslItem[] = [
    {
      id: 1, code: 'temperature', type: 'PROPERTY', dataType: 'FLOAT', subType: 'R', name: bi('温度', 'Temperature'), desc: '', sort: 1,
      specs: [{ dataType: 'FLOAT', min: '-40', max: '80', step: '0.1', unit: '°C' }],
    },
    {
      id: 2, code: 'humidity', type: 'PROPERTY', dataType: 'FLOAT', subType: 'R', name: bi('湿度', 'Humidity'), desc: '', sort: 2,
      specs: [{ dataType: 'FLOAT', min: '0', max: '100', step: '0.1', unit: '%RH' }],
    },
    {
      id: 3, code: 'battery', type: 'PROPERTY', dataType: 'INT', subType: 'R', name: bi('电量', 'Battery'), desc: '', sort: 3,
      specs: [{ dataType: 'INT', min: '0', max: '100', step: '1', unit: '%' }],
    },
  ];
  const make = (productKey: string, name: Bilingual, tsl: TslItem[], prefix: string, count: number): Product => {
    const devices: SaasDevice[] = [];
    for (let i = 1; i <= count; i++) {
      const deviceKey = `${prefix}${String(i).padStart(6, '0')}`;
      const created = 1711267200000 + i * 86_400_000;
      const online = i % 2 === 1;
      devices.push({
        activedTime: created + 3_600_000,
        authMode: 0,
        createTime: created,
        dataFmt: 3,
        deviceKey,
        deviceName: `${name.CN}-${i}`,
        deviceStatus: online ? 1 : 0,
        firstConnTime: created + 3_600_000,
        isActived: 1,
        isVerified: 1,
        isVirtual: 0,
        lastConnTime: created + 7_200_000,
        lastOfflineTime: online ? created + 5_400_000 : created + 10_800_000,
        productKey,
        sn: deviceKey,
        updateTime: created + 7_200_000,
      });
    }
    return { productKey, name, tslVersion: '1.2.0', version: '20250324120550539', tsl, devices };
  };
  return new Map([
    ['p11v14', make('p11v14', bi('智能开关', 'Smart switch'), switchTsl, 'SW', 9)],
    ['p11w22', make('p11w22', bi('温湿度传感器', 'Temperature and humidity sensor'), sensorTsl, 'TH', 6)],
  ]);
}

const boolSpecs = (on: Bilingual, off: Bilingual): TslSpec[] => [{ dataType: 'BOOL', name: on, value: 'true' }, { dataType: 'BOOL', name: off, value: 'false' }];
const numSpecs = (dataType: 'INT' | 'FLOAT', min: string, max: string, step: string, unit: string): TslSpec[] => [{ dataType, min, max, step, unit }];
const enumSpecs = (...names: Bilingual[]): TslSpec[] => names.map((name, value) => ({ dataType: 'ENUM', name, value: String(value) }));

/** The App products' thing models: the same kinds of data as the SaaS products, one model per product. */
function appProducts(): Map<string, Product> {
  const lamp: TslItem[] = [
    { id: 1, code: 'switch', type: 'PROPERTY', dataType: 'BOOL', subType: 'RW', name: bi('开关', 'Switch'), desc: '', sort: 1, specs: boolSpecs(bi('开启', 'On'), bi('关闭', 'Off')) },
    { id: 2, code: 'brightness', type: 'PROPERTY', dataType: 'INT', subType: 'RW', name: bi('亮度', 'Brightness'), desc: '', sort: 2, specs: numSpecs('INT', '0', '100', '1', '%') },
    {
      id: 3, code: 'color', type: 'PROPERTY', dataType: 'ENUM', subType: 'RW', name: bi('颜色', 'Colour'), desc: '', sort: 3,
      specs: enumSpecs(bi('红', 'Red'), bi('绿', 'Green'), bi('蓝', 'Blue'), bi('白', 'White')),
    },
    { id: 4, code: 'power', type: 'PROPERTY', dataType: 'FLOAT', subType: 'R', name: bi('功率', 'Power'), desc: '', sort: 4, specs: numSpecs('FLOAT', '0', '100', '0.1', 'W') },
    { id: 5, code: 'lampFault', type: 'EVENT', subType: 'ERROR', name: bi('灯珠故障', 'Lamp fault'), desc: '', sort: 5, outputData: [4] },
    {
      id: 6, code: 'blink', type: 'SERVICE', subType: 'ASYNC', name: bi('闪烁', 'Blink'), desc: '', sort: 6, outputData: [1],
      inputData: [{ id: 1, code: 'times', dataType: 'INT', name: bi('次数', 'Times'), specs: numSpecs('INT', '1', '10', '1', '') }],
    },
  ];
  const sensor: TslItem[] = [
    { id: 1, code: 'temperature', type: 'PROPERTY', dataType: 'FLOAT', subType: 'R', name: bi('温度', 'Temperature'), desc: '', sort: 1, specs: numSpecs('FLOAT', '-40', '80', '0.1', '°C') },
    { id: 2, code: 'humidity', type: 'PROPERTY', dataType: 'FLOAT', subType: 'R', name: bi('湿度', 'Humidity'), desc: '', sort: 2, specs: numSpecs('FLOAT', '0', '100', '0.1', '%RH') },
    { id: 3, code: 'battery', type: 'PROPERTY', dataType: 'INT', subType: 'R', name: bi('电量', 'Battery'), desc: '', sort: 3, specs: numSpecs('INT', '0', '100', '1', '%') },
    { id: 4, code: 'alarmSwitch', type: 'PROPERTY', dataType: 'BOOL', subType: 'RW', name: bi('告警开关', 'Alarm switch'), desc: '', sort: 4, specs: boolSpecs(bi('开启', 'On'), bi('关闭', 'Off')) },
    { id: 5, code: 'reportInterval', type: 'PROPERTY', dataType: 'INT', subType: 'RW', name: bi('上报间隔', 'Report interval'), desc: '', sort: 5, specs: numSpecs('INT', '10', '3600', '1', 's') },
    { id: 6, code: 'unit', type: 'PROPERTY', dataType: 'ENUM', subType: 'RW', name: bi('温度单位', 'Unit'), desc: '', sort: 6, specs: enumSpecs(bi('摄氏度', 'Celsius'), bi('华氏度', 'Fahrenheit')) },
    { id: 7, code: 'highTemperature', type: 'EVENT', subType: 'WARN', name: bi('高温告警', 'High temperature'), desc: '', sort: 7, outputData: [1] },
    {
      id: 8, code: 'calibrate', type: 'SERVICE', subType: 'ASYNC', name: bi('校准', 'Calibrate'), desc: '', sort: 8, outputData: [1],
      inputData: [{ id: 1, code: 'offset', dataType: 'FLOAT', name: bi('偏移', 'Offset'), specs: numSpecs('FLOAT', '-5', '5', '0.1', '°C') }],
    },
  ];
  const socket: TslItem[] = [
    { id: 1, code: 'switch', type: 'PROPERTY', dataType: 'BOOL', subType: 'RW', name: bi('开关', 'Switch'), desc: '', sort: 1, specs: boolSpecs(bi('开启', 'On'), bi('关闭', 'Off')) },
    { id: 2, code: 'power', type: 'PROPERTY', dataType: 'FLOAT', subType: 'R', name: bi('功率', 'Power'), desc: '', sort: 2, specs: numSpecs('FLOAT', '0', '3000', '0.1', 'W') },
    { id: 3, code: 'brightness', type: 'PROPERTY', dataType: 'INT', subType: 'RW', name: bi('指示灯亮度', 'LED brightness'), desc: '', sort: 3, specs: numSpecs('INT', '0', '100', '1', '%') },
    { id: 4, code: 'ledMode', type: 'PROPERTY', dataType: 'ENUM', subType: 'RW', name: bi('指示灯模式', 'LED mode'), desc: '', sort: 4, specs: enumSpecs(bi('关闭', 'Off'), bi('常亮', 'On'), bi('跟随开关', 'Follow switch')) },
    { id: 5, code: 'overload', type: 'EVENT', subType: 'WARN', name: bi('过载告警', 'Overload alarm'), desc: '', sort: 5, outputData: [2] },
    {
      id: 6, code: 'setTimer', type: 'SERVICE', subType: 'ASYNC', name: bi('定时', 'Timer'), desc: '', sort: 6, outputData: [1],
      inputData: [{ id: 1, code: 'minutes', dataType: 'INT', name: bi('分钟', 'Minutes'), specs: numSpecs('INT', '1', '1440', '1', 'min') }],
    },
  ];
  const make = (productKey: string, name: Bilingual, tsl: TslItem[]): [string, Product] =>
    [productKey, { productKey, name, tslVersion: '1.2.0', version: '20250416120000000', tsl, devices: [] }];
  return new Map([
    make('p11pLZ', bi('RGB灯', 'RGB lamp'), lamp),
    make('p11qT3', bi('温湿度传感器', 'Temperature and humidity sensor'), sensor),
    make('p11s8K', bi('智能插座', 'Smart socket'), socket),
  ]);
}

/** Starting values by property code; otherwise BOOL false, numbers their minimum, ENUM its first value. */
const SEED_VALUES: Record<string, PropertyValue> = { brightness: 80, temperature: 23.5, humidity: 45.2, battery: 88, reportInterval: 60, power: 0 };

function startValue(item: TslItem): PropertyValue {
  if (item.code in SEED_VALUES) return SEED_VALUES[item.code];
  const spec = item.specs?.[0];
  switch (item.dataType) {
    case 'BOOL': return false;
    case 'INT': case 'FLOAT': case 'DOUBLE': return Number(spec?.min ?? 0);
    case 'ENUM': return spec?.value ?? '0';
    default: return '';
  }
}

function shadows(devices: AppDevice[], app: Map<string, Product>, saas: Map<string, Product>): Map<string, DeviceShadow> {
  const out = new Map<string, DeviceShadow>();
  const add = (product: Product | undefined, deviceKey: string, online: boolean, firstConn: number, lastConn: number, lastOffline: number): void => {
    if (!product) return;
    const values: Record<string, PropertyValue> = {};
    for (const item of product.tsl) if (item.type === 'PROPERTY') values[item.code] = startValue(item);
    out.set(shadowKey(product.productKey, deviceKey), {
      productKey: product.productKey, deviceKey, online, values, pending: [], packetId: 0,
      // The device last reported every value when it last connected, as a real device does on connecting.
      history: [{ at: lastConn, direction: 1, ticket: `seed-${product.productKey}-${deviceKey}`, kind: 'property', kv: { ...values } }],
      firstConnTime: firstConn, lastConnTime: lastConn, lastOfflineTime: lastOffline,
    });
  };
  for (const d of devices) {
    const lastConn = d.lastConnTimeTs as number;
    add(app.get(d.productKey), d.deviceKey, d.onlineStatus === 1, d.deviceBindTimeTs as number, lastConn, lastConn - 600_000);
  }
  for (const p of saas.values()) {
    for (const d of p.devices) add(p, d.deviceKey, d.deviceStatus === 1, d.firstConnTime, d.lastConnTime, d.lastOfflineTime);
  }
  return out;
}

/** The sensors located themselves (by satellite, then by cell for the last ones); the switches never did. */
function locations(saas: Map<string, Product>): Map<string, DeviceLocation> {
  const out = new Map<string, DeviceLocation>();
  for (const [i, d] of (saas.get('p11w22')?.devices ?? []).entries()) {
    const byCell = i >= 4;
    out.set(shadowKey(d.productKey, d.deviceKey), {
      productKey: d.productKey, deviceKey: d.deviceKey, wgsLat: 31.8223 + i / 1000, wgsLng: 117.1164 + i / 1000,
      locateType: byCell ? 'LBS' : 'GNSS', accuracy: byCell ? '550' : '5', locateTime: d.lastConnTime,
    });
  }
  return out;
}

/** The demo user's two families: a home with three rooms and an office where the user is a member. */
function families(): Pick<SimState, 'families' | 'rooms' | 'familyDevices' | 'currentFamily'> {
  const at = 1744780000000;
  const home = 'f0001'; const office = 'f0002';
  const placed = (fid: string, frid: string | undefined, productKey: string, deviceKeys: string[]): FamilyDevice[] =>
    deviceKeys.map((deviceKey) => ({ fid, ...(frid ? { frid } : {}), productKey, deviceKey }));
  return {
    families: [
      { fid: home, uid: DEMO_UID, familyName: 'Home', familyLocation: 'Shanghai', familyCoordinates: '121.47,31.23', memberRole: 1, addTime: at },
      { fid: office, uid: DEMO_UID, familyName: 'Office', familyLocation: 'Hefei', familyCoordinates: '117.23,31.82', memberRole: 3, addTime: at + 86_400_000 },
    ],
    rooms: [
      { frid: 'r0101', fid: home, roomName: 'Living room', roomSort: 1, addTime: at },
      { frid: 'r0102', fid: home, roomName: 'Bedroom', roomSort: 2, addTime: at },
      { frid: 'r0103', fid: home, roomName: 'Kitchen', roomSort: 3, addTime: at },
      { frid: 'r0201', fid: office, roomName: 'Meeting room', roomSort: 1, addTime: at + 86_400_000 },
    ],
    familyDevices: [
      ...placed(home, 'r0101', 'p11pLZ', ['D001', 'D002']), ...placed(home, 'r0101', 'p11s8K', ['SK001']),
      ...placed(home, 'r0102', 'p11pLZ', ['D003']), ...placed(home, 'r0102', 'p11qT3', ['TH001']),
      ...placed(home, 'r0103', 'p11qT3', ['TH002']),
      ...placed(home, undefined, 'p11s8K', ['SK002']),
      ...placed(office, 'r0201', 'p11pLZ', ['D004']), ...placed(office, 'r0201', 'p11qT3', ['TH003']),
    ],
    currentFamily: new Map([[DEMO_UID, home]]),
  };
}

function messages(devices: readonly AppDevice[]): AppMessage[] {
  const at = 1767225600000;
  const device = (dk: string): AppDevice => devices.find((d) => d.deviceKey === dk) as AppDevice;
  const about = (n: number, dk: string, msgType: 1 | 2 | 3, secondaryLabel: number, title: string, content: string, isRead: boolean): AppMessage => {
    const d = device(dk);
    return {
      id: `m${String(n).padStart(4, '0')}`, uid: DEMO_UID, pk: d.productKey, dk, deviceName: d.deviceName, productName: String(d.productName),
      msgType, firstLabel: 3, secondaryLabel, title, content, isRead, addTime: at - n * 3_600_000, readTime: isRead ? at - n * 3_600_000 + 60_000 : 0,
    };
  };
  return [
    about(1, 'TH001', 2, 6, '温度告警', '温度高于 35 ℃', false),
    about(2, 'D001', 1, 5, '设备上线', '设备已上线', true),
    about(3, 'TH002', 3, 7, '传感器故障', '湿度传感器无读数', false),
    about(4, 'D001', 2, 6, '低电量', '电量低于 10%', false),
    { id: 'm0005', uid: DEMO_UID, pk: '', dk: '', deviceName: '', productName: '', msgType: 4, firstLabel: 1, secondaryLabel: 2, title: '服务通知', content: '系统将于今晚维护', isRead: true, addTime: at - 5 * 3_600_000, readTime: at - 4 * 3_600_000 },
  ];
}

/** A fresh copy of the starting data. */
export function seedState(): SimState {
  const devices = appDevices();
  const app = appProducts();
  const saasProducts = products();
  const oboxes: Obox[] = [
    { oboxSerialId: '9133000000', oboxName: 'MBOX3391', oboxVersion: '0a02154400052002', oboxStatus: 0, deviceConfig: [], groupConfig: [], sceneConfig: [] },
    { oboxSerialId: '6894000000', oboxName: 'OBOX9468', oboxVersion: '0a0218360a852002', oboxStatus: 0, deviceConfig: [], groupConfig: [], sceneConfig: [] },
  ];
  const obDevices: OnbrightDevice[] = [
    { serialId: 'lock000001', name: 'Front door', deviceType: '15', deviceChildType: '01', oboxSerialId: '9133000000' },
    { serialId: 'c0330000a1', name: 'Living room LED', deviceType: '01', deviceChildType: '01', oboxSerialId: '9133000000' },
    { serialId: 'c0330000a2', name: 'Curtain', deviceType: '05', deviceChildType: '01', oboxSerialId: '9133000000' },
    { serialId: '6894000b01', name: 'Socket', deviceType: '04', deviceChildType: '01', oboxSerialId: '6894000000' },
    { serialId: '6894000b02', name: 'Motion sensor', deviceType: '0b', deviceChildType: '02', oboxSerialId: '6894000000' },
  ];
  return {
    smsCodes: new Map(),
    users: new Map([[DEMO.quectelApp.phone, {
      uid: DEMO_UID,
      phone: DEMO.quectelApp.phone,
      internationalCode: DEMO.quectelApp.internationalCode,
      userDomain: DEMO.quectelApp.userDomain,
      password: DEMO.quectelApp.password,
      userName: 'QuE1DglfKXB',
      email: DEMO.quectelApp.email,
      failedLogins: 0,
    }]]),
    devices,
    ...families(),
    messages: messages(devices),
    scenes: [
      // D001 is offline in the seed: the evening scene fails on it and lights D003.
      { sceneId: 's0001', id: 1, fid: 'f0001', uid: DEMO_UID, name: 'Evening', isCommon: true, actions: [
        { productKey: 'p11pLZ', deviceKey: 'D003', values: { switch: true, brightness: 30 } },
        { productKey: 'p11pLZ', deviceKey: 'D001', values: { switch: true } },
      ] },
      { sceneId: 's0002', id: 2, fid: 'f0001', uid: DEMO_UID, name: 'All off', isCommon: false, actions: [
        { productKey: 'p11pLZ', deviceKey: 'D003', values: { switch: false } },
        { productKey: 'p11pLZ', deviceKey: 'D006', values: { switch: false } },
      ] },
      { sceneId: 's0003', id: 3, fid: 'f0002', uid: DEMO_UID, name: 'Meeting', isCommon: false, actions: [
        { productKey: 'p11pLZ', deviceKey: 'D009', values: { brightness: 80 } },
      ] },
    ],
    automations: [
      { automationId: 7001, fid: 'f0001', uid: DEMO_UID, name: 'Too hot: lights dim', status: true, conditionType: 1 },
      { automationId: 7002, fid: 'f0001', uid: DEMO_UID, name: 'Night: all off', status: false, conditionType: 2 },
      { automationId: 7003, fid: 'f0002', uid: DEMO_UID, name: 'Office opens', status: true, conditionType: 1 },
    ],
    products: saasProducts,
    appProducts: app,
    shadows: shadows(devices, app, saasProducts),
    locations: locations(saasProducts),
    // The demo queue is filled by a running SaaS-level rule; a second rule, not started, waits for a queue of its own.
    queues: [
      { queueId: 6611, queueName: DEMO_QUEUE, queueDesc: 'demo', status: 1, createTime: 1730871805000 },
      { queueId: 6612, queueName: 'DEMO.quectelSaas.spare', queueDesc: 'spare', status: 0, createTime: 1730871806000 },
    ],
    subscriptions: [
      { subscribeId: 6169, subscribeName: 'demo', queueId: 6611, status: 1, subscribeLevel: 6, msgType: '1,2,3,4,5,6,7,8,9,10,11,12,13,14,15', createTime: 1730871813000, updateTime: 1730871813000 },
      { subscribeId: 6170, subscribeName: 'spare', queueId: 6612, status: 0, subscribeLevel: 1, msgType: '1,2', createTime: 1730871814000, updateTime: 1730871814000 },
    ],
    oboxes: new Map(oboxes.map((o) => [o.oboxSerialId, o])),
    onbrightDevices: new Map(obDevices.map((d) => [d.serialId, d])),
    lockUsers: [{
      id: 1, serialId: 'lock000001', nickName: 'Cleaner', pin: 10, start: 1767225600000, end: 1798761600000,
      times: 10, useTimes: 2, mobile: '15879618946', pwd: '621012345', isMax: 0,
    }],
    aliDevices: [],
    novastarDevice: { deviceId: 0, modelId: 4113, name: 'H5', sn: 'H5A1B2C3D4E5', protoVersion: 'V1.9.9.0', MAC: '54:B5:6C:00:12:34', status: 1 },
    screens: [
      { screenId: 0, name: 'Screen1', brightness: 80, ftb: 1, freeze: 0, width: 3840, height: 2160, presetId: -1, bkgId: 0, bkgEnable: 0, volume: 50, isMute: 0 },
      { screenId: 1, name: 'Screen2', brightness: 60, ftb: 1, freeze: 0, width: 1920, height: 1080, presetId: -1, bkgId: 0, bkgEnable: 0, volume: 30, isMute: 1 },
    ],
    presets: [
      { presetId: 1, screenId: 0, name: 'Welcome' },
      { presetId: 2, screenId: 0, name: 'Meeting' },
      { presetId: 3, screenId: 1, name: 'Signage' },
    ],
    inputs: [
      { inputId: 0, name: 'input 1-1', interfaceType: 27, slotId: 1, online: 1, width: 1920, height: 1080, refresh: 6000 },
      { inputId: 1, name: 'input 1-2', interfaceType: 27, slotId: 1, online: 0, width: 0, height: 0, refresh: 0 },
      { inputId: 2, name: 'input 1-3', interfaceType: 28, slotId: 1, online: 1, width: 3840, height: 2160, refresh: 3000 },
      { inputId: 3, name: 'input 1-4', interfaceType: 28, slotId: 1, online: 0, width: 0, height: 0, refresh: 0 },
    ],
    layers: [
      { layerId: 1, screenId: 0, name: 'Left', zorder: 1, source: { sourceType: 1, inputId: 0, interfaceType: 27, cropId: 255, slotId: 1 }, window: { x: 0, y: 0, width: 1920, height: 2160 } },
      { layerId: 2, screenId: 0, name: 'Right', zorder: 2, source: { sourceType: 1, inputId: 2, interfaceType: 28, cropId: 255, slotId: 1 }, window: { x: 1920, y: 0, width: 1920, height: 2160 } },
      { layerId: 3, screenId: 1, name: 'Full', zorder: 1, source: { sourceType: 0, inputId: 0, interfaceType: 0, cropId: 255, slotId: 0 }, window: { x: 0, y: 0, width: 1920, height: 1080 } },
    ],
    backgrounds: [
      { bkgId: 0, name: 'Black', width: 3840, height: 2160 },
      { bkgId: 1, name: 'Logo', width: 1920, height: 1080 },
    ],
    outputs: [
      { outputId: 0, name: 'output 1', interfaceType: 1, online: 1 },
      { outputId: 1, name: 'output 2', interfaceType: 1, online: 1 },
    ],
    tokens: new Map(),
  };
}
