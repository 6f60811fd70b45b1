// Every action node, described once: its palette entry and its operations (the
// catalogue ids per platform); its settings' versions are in migrations.ts. The
// runtime factory, the generated editor and the tests all read this list; nothing
// imports Node-RED here, so the build can read it too.
import type { Platform } from '../lib/types';

export interface ActionNodeSpec {
  type: string;
  category: 'Quectel' | 'On-Bright' | 'NovaStar' | 'IoT OpenAPI';
  color: string;
  icon: string;
  /** Operation name → the catalogue id for each platform the node supports; the first is the default. */
  operations: Record<string, Partial<Record<Platform, string>>>;
  /** For list nodes: one page, every page in one message, or one message per item. */
  paged?: boolean;
  /** The generic request node: method and path instead of an operation. */
  raw?: boolean;
  /**
   * Watch mode: the node polls one of these read operations every `interval`
   * seconds (at least minSeconds) and sends only when the answer changed.
   */
  watch?: {
    operations: readonly string[];
    minSeconds: number;
    defaultSeconds: number;
    /** The answer is an object of values: send only the values that changed, msg.previous their old ones. */
    changes?: boolean;
  };
}

const QUECTEL = { category: 'Quectel', color: '#6fb6e8', icon: 'quectel.svg' } as const;
const ONBRIGHT = { category: 'On-Bright', color: '#f3b567', icon: 'onbright.svg' } as const;
const NOVASTAR = { category: 'NovaStar', color: '#9fd49b', icon: 'novastar.svg' } as const;

export const NODE_SPECS: readonly ActionNodeSpec[] = [
  {
    type: 'quectel-send-sms', ...QUECTEL,
    operations: { send: { 'quectel-app': 'quectel-app.sendSmsCode' } },
  },
  {
    type: 'quectel-register-user', ...QUECTEL,
    operations: { register: { 'quectel-app': 'quectel-app.register' } },
  },
  {
    type: 'quectel-list-devices', ...QUECTEL, paged: true,
    operations: {
      list: { 'quectel-app': 'quectel-app.listDevices', 'quectel-saas': 'quectel-saas.listDevices' },
      productDetail: { 'quectel-saas': 'quectel-saas.productDetail' },
      createDevice: { 'quectel-saas': 'quectel-saas.createDevice' },
    },
  },
  {
    type: 'quectel-export-tsl', ...QUECTEL,
    operations: { export: { 'quectel-app': 'quectel-app.exportTsl', 'quectel-saas': 'quectel-saas.exportTsl' } },
  },
  {
    type: 'quectel-control-device', ...QUECTEL,
    operations: {
      writeProperties: { 'quectel-app': 'quectel-app.writeProperties', 'quectel-saas': 'quectel-saas.writeProperties' },
      callService: { 'quectel-app': 'quectel-app.callService', 'quectel-saas': 'quectel-saas.callService' },
      sendRaw: { 'quectel-app': 'quectel-app.sendRaw', 'quectel-saas': 'quectel-saas.sendRaw' },
      readProperties: { 'quectel-saas': 'quectel-saas.readProperties' },
    },
  },
  {
    type: 'quectel-device-state', ...QUECTEL,
    watch: { operations: ['latest'], minSeconds: 5, defaultSeconds: 30, changes: true },
    operations: {
      latest: { 'quectel-app': 'quectel-app.latest', 'quectel-saas': 'quectel-saas.latest' },
      history: { 'quectel-app': 'quectel-app.history', 'quectel-saas': 'quectel-saas.history' },
      resource: { 'quectel-saas': 'quectel-saas.deviceResource' },
      location: { 'quectel-saas': 'quectel-saas.deviceLocation' },
    },
  },
  {
    type: 'quectel-subscription', ...QUECTEL, paged: true,
    operations: {
      listSubscriptions: { 'quectel-saas': 'quectel-saas.listSubscriptions' },
      subscriptionDetail: { 'quectel-saas': 'quectel-saas.subscriptionDetail' },
      startSubscription: { 'quectel-saas': 'quectel-saas.startSubscription' },
      stopSubscription: { 'quectel-saas': 'quectel-saas.stopSubscription' },
      listQueues: { 'quectel-saas': 'quectel-saas.listQueues' },
      queueDetail: { 'quectel-saas': 'quectel-saas.queueDetail' },
    },
  },
  {
    type: 'quectel-home', ...QUECTEL, paged: true,
    operations: {
      listFamilies: { 'quectel-app': 'quectel-app.listFamilies' },
      currentFamily: { 'quectel-app': 'quectel-app.currentFamily' },
      listRooms: { 'quectel-app': 'quectel-app.listRooms' },
      listRoomDevices: { 'quectel-app': 'quectel-app.listRoomDevices' },
      listFamilyDevices: { 'quectel-app': 'quectel-app.listFamilyDevices' },
      listMessages: { 'quectel-app': 'quectel-app.listMessages' },
    },
  },
  {
    type: 'quectel-scene', ...QUECTEL, paged: true,
    operations: {
      listScenes: { 'quectel-app': 'quectel-app.listScenes' },
      sceneDetail: { 'quectel-app': 'quectel-app.sceneDetail' },
      executeScene: { 'quectel-app': 'quectel-app.executeScene' },
      listAutomations: { 'quectel-app': 'quectel-app.listAutomations' },
      setAutomation: { 'quectel-app': 'quectel-app.setAutomation' },
    },
  },
  {
    type: 'onbright-scan-devices', ...ONBRIGHT,
    operations: { scan: { onbright: 'onbright.scanDevices' } },
  },
  {
    type: 'onbright-delete-device', ...ONBRIGHT,
    operations: { delete: { onbright: 'onbright.deleteDevice' } },
  },
  {
    type: 'onbright-obox', ...ONBRIGHT,
    operations: {
      add: { onbright: 'onbright.addObox' },
      list: { onbright: 'onbright.listObox' },
      delete: { onbright: 'onbright.deleteObox' },
      register: { onbright: 'onbright.registerAliDevice' },
    },
  },
  {
    type: 'onbright-lock-user', ...ONBRIGHT,
    operations: { add: { onbright: 'onbright.addLockUser' }, update: { onbright: 'onbright.updateLockUser' } },
  },
  {
    type: 'novastar-screen', ...NOVASTAR,
    watch: {
      operations: ['listScreens', 'readScreen', 'listPresets', 'listInputs', 'readDevice', 'currentPreset', 'listBackgrounds', 'readAudio', 'listOutputs', 'readInput'],
      minSeconds: 2,
      defaultSeconds: 10,
    },
    operations: {
      listScreens: { novastar: 'novastar.listScreens' },
      readScreen: { novastar: 'novastar.readScreen' },
      setBrightness: { novastar: 'novastar.setBrightness' },
      fadeToBlack: { novastar: 'novastar.fadeToBlack' },
      freeze: { novastar: 'novastar.freeze' },
      listPresets: { novastar: 'novastar.listPresets' },
      playPreset: { novastar: 'novastar.playPreset' },
      listInputs: { novastar: 'novastar.listInputs' },
      readDevice: { novastar: 'novastar.readDevice' },
      currentPreset: { novastar: 'novastar.currentPreset' },
      listBackgrounds: { novastar: 'novastar.listBackgrounds' },
      setBackground: { novastar: 'novastar.setBackground' },
      readAudio: { novastar: 'novastar.readAudio' },
      setVolume: { novastar: 'novastar.setVolume' },
      listOutputs: { novastar: 'novastar.listOutputs' },
      readInput: { novastar: 'novastar.readInput' },
    },
  },
  {
    type: 'novastar-layer', ...NOVASTAR,
    watch: { operations: ['listLayers', 'readLayer'], minSeconds: 2, defaultSeconds: 10 },
    operations: {
      listLayers: { novastar: 'novastar.listLayers' },
      readLayer: { novastar: 'novastar.readLayer' },
      switchSource: { novastar: 'novastar.switchSource' },
      setWindow: { novastar: 'novastar.setWindow' },
      createLayer: { novastar: 'novastar.createLayer' },
      deleteLayer: { novastar: 'novastar.deleteLayer' },
    },
  },
  {
    type: 'iot-openapi-request', category: 'IoT OpenAPI', color: '#d8bfd8', icon: 'iot-openapi.svg', raw: true,
    operations: {},
  },
];

/** Nodes written by hand rather than made from a spec: the live events input. */
export const HAND_WRITTEN_TYPES: readonly string[] = ['quectel-events'];

export function nodeSpec(type: string): ActionNodeSpec {
  const spec = NODE_SPECS.find((s) => s.type === type);
  if (!spec) throw new Error(`no node spec for ${type}`);
  return spec;
}

/** The platforms a node works with: those of its operations, or all for the generic request node. */
export function specPlatforms(spec: ActionNodeSpec, all: readonly Platform[]): Platform[] {
  if (spec.raw) return [...all];
  const found = new Set<Platform>();
  for (const byPlatform of Object.values(spec.operations)) for (const p of Object.keys(byPlatform) as Platform[]) found.add(p);
  return all.filter((p) => found.has(p));
}
