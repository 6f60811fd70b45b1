// What the editor knows about each node, made from the catalogue and the node
// specs at build time: the fields, where each one applies (operation and
// platform), its type, and the rules that mark a node invalid before deploy.
// The build writes it into resources/iot-openapi-editor.js, and writes each
// action node's .js and .html (from nodes/action-node.html, with its form
// rows), so an editor cannot disagree with the catalogue. Nothing here
// imports Node-RED.
import { getOperation, type ParamSpec } from '../lib/operations';
import { CREDENTIAL_FIELDS, HTTP_METHODS, PLATFORMS, requiredCredentials, type LoginBy, type Platform } from '../lib/types';
import { KNOWN_HOSTS } from '../lib/platforms';
import { MAX_RATE, MIN_RATE } from '../lib/pacing';
import { CHOICE_TYPE, CREDENTIAL_TYPE, credentialName, DEFAULT_TYPES, settingName, TEST_CONNECTION_MAX_MS } from './settings';
import { HAND_WRITTEN_TYPES, NODE_SPECS, specPlatforms, type ActionNodeSpec } from './specs';
import { migrationsOf, settingsVersion, type Migration } from './migrations';
import { ACCOUNT_SETTINGS, STORE_CREDENTIAL_FIELDS, STORE_CREDENTIALS_WHEN, type AccountSetting } from '../lib/accounts';

/** The config node's type. */
const ACCOUNT_TYPE = 'iot-openapi-account';

/** The checks one parameter gets where it applies: `<operation>@<platform>`. */
export interface EditorRule {
  required?: boolean;
  min?: number;
  max?: number;
  minLength?: number;
  maxLength?: number;
  /** A regular expression's source. */
  pattern?: string;
  enum?: (string | number)[];
}

export interface EditorParam {
  /** The vendor's name (on msg.payload). */
  name: string;
  /** The node property holding the setting (`type` is Node-RED's own, so `paramType`). */
  prop: string;
  kind: ParamSpec['type'];
  defaultType: string;
  secret?: boolean;
  /** The credential a secret is kept in. */
  credential?: string;
  format?: ParamSpec['format'];
  unit?: ParamSpec['unit'];
  picker?: ParamSpec['picker'];
  /** Where it applies, with the rules there. */
  rules: Record<string, EditorRule>;
}

export interface EditorNode {
  type: string;
  category: ActionNodeSpec['category'];
  color: string;
  icon: string;
  platforms: Platform[];
  /** Operation name → the platforms it has; the first operation is the default. */
  operations: Record<string, Platform[]>;
  params: EditorParam[];
  paged: boolean;
  raw: boolean;
  watch?: ActionNodeSpec['watch'];
  version: number;
}

const LOGIN_METHODS: LoginBy[] = ['phone', 'email'];

/** One credential field of an account, as the editor shows it. */
export interface CredentialField {
  name: string;
  /** A password: the editor never gets it back. */
  secret: boolean;
  /** Needed only when the account logs in by this method (a login name); else always needed. */
  loginBy?: LoginBy;
}

/** The account's credential fields per platform, in the library's order. */
function accountCredentials(): Record<Platform, CredentialField[]> {
  const out = {} as Record<Platform, CredentialField[]>;
  for (const platform of PLATFORMS) {
    const methods = LOGIN_METHODS.filter((loginBy) => requiredCredentials({ platform, loginBy }).length < Object.keys(CREDENTIAL_FIELDS[platform]).length);
    out[platform] = Object.entries(CREDENTIAL_FIELDS[platform]).map(([name, type]) => {
      const only = methods.filter((loginBy) => requiredCredentials({ platform, loginBy }).includes(name));
      return { name, secret: type === 'password', ...(methods.length && only.length === 1 ? { loginBy: only[0] } : {}) };
    });
  }
  return out;
}

/** One setting of the account dialog, as lib/accounts.ts describes it; a pattern as its source and flags. */
export interface EditorAccountSetting {
  name: string;
  kind: AccountSetting['kind'];
  default: string | number | boolean;
  platforms?: Platform[];
  when?: { setting: string; value: string };
  min?: number;
  max?: number;
  pattern?: { source: string; flags: string };
  noLogin?: { source: string; flags: string };
  values?: string[];
  required?: AccountSetting['required'];
  reason?: string;
  requiredReason?: string;
  loginReason?: string;
  notSent?: string;
}

export interface EditorData {
  platforms: readonly Platform[];
  credentials: Record<Platform, CredentialField[]>;
  hosts: typeof KNOWN_HOSTS;
  nodes: Record<string, EditorNode>;
  /**
   * The account's settings with their checks, its store's credentials, and the
   * limits of its rate (requests a second; 0 = none) and of the Test connection.
   */
  account: {
    settings: EditorAccountSetting[];
    storeCredentials: CredentialField[];
    storeWhen: { setting: string; value: string };
    minRate: number;
    maxRate: number;
    testMs: number;
    version: number;
  };
  /** Every node type's settings migrations (nodes/migrations.ts), for the editor's migrateSettings. */
  migrations: Record<string, readonly Migration[]>;
}

const regex = (re: RegExp) => ({ source: re.source, flags: re.flags });

function accountSettingData(s: AccountSetting): EditorAccountSetting {
  const out: EditorAccountSetting = { name: s.name, kind: s.kind, default: s.default };
  if (s.platforms) out.platforms = [...s.platforms];
  if (s.when) out.when = { ...s.when };
  if (s.min !== undefined) out.min = s.min;
  if (s.max !== undefined) out.max = s.max;
  if (s.pattern) out.pattern = regex(s.pattern);
  if (s.noLogin) out.noLogin = regex(s.noLogin);
  if (s.values) out.values = [...s.values];
  for (const key of ['required', 'reason', 'requiredReason', 'loginReason'] as const) if (s[key]) Object.assign(out, { [key]: s[key] });
  if (s.dialog.notSent) out.notSent = s.dialog.notSent;
  return out;
}

function rule(p: ParamSpec): EditorRule {
  const out: EditorRule = {};
  if (p.required) out.required = true;
  if (p.min !== undefined) out.min = p.min;
  if (p.max !== undefined) out.max = p.max;
  if (p.minLength !== undefined) out.minLength = p.minLength;
  if (p.maxLength !== undefined) out.maxLength = p.maxLength;
  if (p.pattern) out.pattern = p.pattern.source;
  if (p.enum) out.enum = [...p.enum];
  return out;
}

export function editorNode(spec: ActionNodeSpec): EditorNode {
  const params = new Map<string, EditorParam>();
  const operations: Record<string, Platform[]> = {};
  for (const [operation, byPlatform] of Object.entries(spec.operations)) {
    operations[operation] = Object.keys(byPlatform) as Platform[];
    for (const [platform, id] of Object.entries(byPlatform)) {
      for (const p of getOperation(id)!.params) {
        let param = params.get(p.name);
        if (!param) {
          param = { name: p.name, prop: settingName(p.name), kind: p.type, defaultType: DEFAULT_TYPES[p.type], rules: {} };
          if (p.secret) Object.assign(param, { secret: true, credential: credentialName(p.name), defaultType: CREDENTIAL_TYPE });
          // Fixed values are chosen from a list of words.
          if (p.enum) param.defaultType = CHOICE_TYPE;
          if (p.format) param.format = p.format;
          if (p.unit) param.unit = p.unit;
          if (p.picker) param.picker = p.picker;
          params.set(p.name, param);
        }
        param.rules[`${operation}@${platform}`] = rule(p);
      }
    }
  }
  return {
    type: spec.type,
    category: spec.category,
    color: spec.color,
    icon: spec.icon,
    platforms: specPlatforms(spec, PLATFORMS),
    operations,
    params: [...params.values()],
    paged: spec.paged === true,
    raw: spec.raw === true,
    ...(spec.watch ? { watch: spec.watch } : {}),
    version: settingsVersion(spec.type),
  };
}

export function editorData(): EditorData {
  return {
    platforms: PLATFORMS,
    credentials: accountCredentials(),
    hosts: KNOWN_HOSTS,
    nodes: Object.fromEntries(NODE_SPECS.map((spec) => [spec.type, editorNode(spec)])),
    account: {
      settings: ACCOUNT_SETTINGS.map(accountSettingData),
      storeCredentials: Object.entries(STORE_CREDENTIAL_FIELDS).map(([name, type]) => ({ name, secret: type === 'password' })),
      storeWhen: { ...STORE_CREDENTIALS_WHEN },
      minRate: MIN_RATE,
      maxRate: MAX_RATE,
      testMs: TEST_CONNECTION_MAX_MS,
      version: settingsVersion(ACCOUNT_TYPE),
    },
    migrations: Object.fromEntries([ACCOUNT_TYPE, ...NODE_SPECS.map((spec) => spec.type), ...HAND_WRITTEN_TYPES].map((type) => [type, migrationsOf(type)])),
  };
}

const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Distinct values of a list, as a space-separated attribute. */
function listAttr(values: Iterable<string>): string {
  return escape([...new Set(values)].join(' '));
}

const LABEL = 'style="width:110px"';

/** A select of fixed choices, each labelled from the node's own texts. */
function selectRow(type: string, prop: string, icon: string, values: string[], labelKey: (v: string) => string): string[] {
  return [
    '    <div class="form-row">',
    `        <label for="node-input-${prop}" ${LABEL}><i class="fa ${icon}"></i> <span data-i18n="${type}.label.${prop}"></span></label>`,
    `        <select id="node-input-${prop}" style="width:70%">`,
    ...values.map((v) => `            <option value="${escape(v)}" data-i18n="${labelKey(v)}"></option>`),
    '        </select>',
    '    </div>',
  ];
}

/**
 * A node's form rows between its account and its name: the operation (when
 * it has several), one row per parameter marked with the operations and
 * platforms it applies to, and the paging settings of a list node. The editor
 * script turns the parameter rows into typed inputs.
 */
export function fieldRows(node: EditorNode, tips: readonly string[] = []): string {
  const rows: string[] = [];
  const operations = Object.keys(node.operations);
  if (operations.length > 1) rows.push(...selectRow(node.type, 'operation', 'fa-tasks', operations, (op) => `${node.type}.operation.${op}`));
  for (const p of node.params) {
    const keys = Object.keys(p.rules);
    const extras = [
      p.unit ? ` <span class="iot-openapi-unit">${p.unit}</span>` : '',
      p.picker ? ` <button type="button" class="red-ui-button iot-openapi-pick" id="iot-openapi-pick-${p.prop}" data-picker="${p.picker}"><i class="fa fa-search"></i></button>` : '',
    ].join('');
    rows.push(
      `    <div class="form-row iot-openapi-param" data-param="${p.prop}" data-operations="${listAttr(keys.map((k) => k.split('@')[0]))}" data-platforms="${listAttr(keys.map((k) => k.split('@')[1]))}">`,
      `        <label for="node-input-${p.prop}" ${LABEL}><i class="fa ${p.secret ? 'fa-lock' : 'fa-sliders'}"></i> <span data-i18n="${node.type}.label.${p.prop}"></span></label>`,
      `        <input type="text" id="node-input-${p.prop}" style="width:${p.unit || p.picker ? 60 : 70}%" data-i18n="[placeholder]${node.type}.placeholder.${p.prop}">${extras}`,
      `        <input type="hidden" id="node-input-${p.prop}Type">`,
      ...(p.credential ? [`        <input type="hidden" id="node-input-${p.credential}">`] : []),
      ...(p.format === 'epoch-ms' ? [`        <div class="iot-openapi-date" style="margin:4px 0 0 114px"><input type="datetime-local" step="1" id="iot-openapi-date-${p.prop}" style="width:auto"></div>`] : []),
      ...(p.picker ? [`        <div class="iot-openapi-picked" style="display:none; margin:4px 0 0 114px"><select id="iot-openapi-picked-${p.prop}" style="width:70%"></select></div>`] : []),
      ...(tips.includes(p.prop) ? [`        <div class="form-tips" style="margin:4px 0 0 114px"><span data-i18n="[html]${node.type}.tip.${p.prop}"></span></div>`] : []),
      '    </div>',
    );
  }
  if (node.raw) {
    // The generic request node: a method (NovaStar calls are always POST) and a path.
    const rest = node.platforms.filter((p) => p !== 'novastar').join(' ');
    rows.push(
      `    <div class="form-row" data-platforms="${rest}">`,
      `        <label for="node-input-method" ${LABEL}><i class="fa fa-tasks"></i> <span data-i18n="${node.type}.label.method"></span></label>`,
      '        <select id="node-input-method" style="width:70%">',
      ...HTTP_METHODS.map((m) => `            <option value="${m}">${m}</option>`),
      '        </select>',
      '    </div>',
      '    <div class="form-row form-tips" data-platforms="novastar">',
      `        <span data-i18n="[html]${node.type}.tip.novastar"></span>`,
      '    </div>',
      '    <div class="form-row">',
      `        <label for="node-input-path" ${LABEL}><i class="fa fa-globe"></i> <span data-i18n="${node.type}.label.path"></span></label>`,
      '        <input type="text" id="node-input-path" style="width:70%">',
      '    </div>',
      '    <div class="form-row form-tips">',
      `        <span data-i18n="[html]${node.type}.tip.message"></span>`,
      '    </div>',
    );
  }
  if (node.paged) {
    rows.push(...selectRow(node.type, 'output', 'fa-sign-out', ['page', 'all', 'each'], (v) => `@iot-openapi/node-red-nodes/iot-openapi-account:iot-openapi.output.${v}`));
    rows.push(
      '    <div class="form-row" id="iot-openapi-maxPages-row">',
      `        <label for="node-input-maxPages" ${LABEL}><i class="fa fa-stop-circle-o"></i> <span data-i18n="@iot-openapi/node-red-nodes/iot-openapi-account:iot-openapi.label.maxPages"></span></label>`,
      '        <input type="text" id="node-input-maxPages" style="width:80px"> <span data-i18n="@iot-openapi/node-red-nodes/iot-openapi-account:iot-openapi.label.pages"></span>',
      '    </div>',
    );
  }
  if (node.watch) {
    const shared = '@iot-openapi/node-red-nodes/iot-openapi-account:iot-openapi';
    rows.push(
      '    <div class="form-row">',
      `        <label for="node-input-watch" ${LABEL}><i class="fa fa-eye"></i> <span data-i18n="${shared}.label.watch"></span></label>`,
      '        <input type="checkbox" id="node-input-watch" style="display:inline-block; width:auto; vertical-align:top;">',
      `        <label for="node-input-watch" style="width:auto;" data-i18n="${shared}.label.watchOn"></label>`,
      '    </div>',
      '    <div class="form-row" id="iot-openapi-interval-row">',
      `        <label for="node-input-interval" ${LABEL}><i class="fa fa-clock-o"></i> <span data-i18n="${shared}.label.interval"></span></label>`,
      `        <input type="text" id="node-input-interval" style="width:80px"> <span data-i18n="${shared}.label.seconds"></span>`,
      '    </div>',
    );
  }
  return rows.join('\n');
}

/** The account's credential fields, each shown for the platform it belongs to. */
export function credentialRows(placeholders: readonly string[] = []): string {
  const rows: string[] = [];
  for (const [platform, fields] of Object.entries(accountCredentials())) {
    for (const field of fields) {
      // A login name that is one of a setting's choices (a Quectel App account's phone or email) shows only while that setting is chosen.
      const chooser = ACCOUNT_SETTINGS.find((s) => s.kind === 'choice' && s.values!.includes(field.name) && (!s.platforms || s.platforms.includes(platform as Platform)));
      rows.push(...credentialRow(field, ` data-platforms="${platform}"${chooser ? ` ${whenAttr(chooser.name)}="${field.name}"` : ''}`, placeholders));
    }
  }
  return rows.join('\n');
}

/** The attribute a row of the account dialog carries to show only while a setting has a value: data-<setting, in lower case>. */
export function whenAttr(setting: string): string {
  return `data-${setting.toLowerCase()}`;
}

/** Where a row of the account dialog shows, as attributes: its platforms, and the setting it depends on. */
function shownWhere(setting: Pick<AccountSetting, 'platforms' | 'when'>): string {
  return [
    setting.platforms ? ` data-platforms="${listAttr(setting.platforms)}"` : '',
    setting.when ? ` ${whenAttr(setting.when.setting)}="${escape(setting.when.value)}"` : '',
  ].join('');
}

/** One row of the account dialog for a setting: a text box (with its unit), a checkbox or a select. */
function accountSettingRow(setting: AccountSetting, placeholders: readonly string[]): string[] {
  const id = `node-config-input-${setting.name}`;
  const label = `        <label for="${id}" ${LABEL}><i class="fa ${setting.dialog.icon}"></i> <span data-i18n="${ACCOUNT_TYPE}.label.${setting.name}"></span></label>`;
  const placeholder = placeholders.includes(setting.name) ? ` data-i18n="[placeholder]${ACCOUNT_TYPE}.placeholder.${setting.name}"` : '';
  const row = [`    <div class="form-row"${shownWhere(setting)}>`, label];
  if (setting.kind === 'boolean') {
    row.push(
      `        <input type="checkbox" id="${id}" style="display:inline-block; width:auto; vertical-align:top;">`,
      `        <label for="${id}" style="width:auto;" data-i18n="${ACCOUNT_TYPE}.label.${setting.name}On"></label>`,
    );
  } else if (setting.kind === 'choice') {
    row.push(
      `        <select id="${id}" style="width:70%">`,
      ...setting.values!.map((v) => `            <option value="${escape(v)}" data-i18n="${ACCOUNT_TYPE}.${setting.name}.${escape(v)}"></option>`),
      '        </select>',
    );
  } else if (setting.dialog.unit) {
    row.push(`        <input type="text" id="${id}" style="width:120px"${placeholder}>`, `        <span data-i18n="${ACCOUNT_TYPE}.label.${setting.dialog.unit}"></span>`);
  } else {
    row.push(`        <input type="text" id="${id}" style="width:70%"${placeholder}>`);
  }
  row.push('    </div>');
  return row;
}

/** A credential's row of the account dialog. */
function credentialRow(field: CredentialField, where: string, placeholders: readonly string[]): string[] {
  return [
    `    <div class="form-row"${where}>`,
    `        <label for="node-config-input-${field.name}" ${LABEL}><i class="fa ${field.secret ? 'fa-key' : 'fa-user'}"></i> <span data-i18n="${ACCOUNT_TYPE}.label.${field.name}"></span></label>`,
    `        <input type="${field.secret ? 'password' : 'text'}" id="node-config-input-${field.name}" style="width:70%"${placeholders.includes(field.name) ? ` data-i18n="[placeholder]${ACCOUNT_TYPE}.placeholder.${field.name}"` : ''}>`,
    '    </div>',
  ];
}

/**
 * The account dialog's rows after its name, made from lib/accounts.ts: the
 * platform list, one row per setting shown where it applies (its platforms,
 * the token store), the vendor's credentials of each platform, the Redis
 * login, and the tips. `placeholders` are the settings and credentials that
 * have a placeholder text.
 */
export function accountRows(placeholders: readonly string[] = []): string {
  const rows = [
    '    <div class="form-row">',
    `        <label for="node-config-input-platform" ${LABEL}><i class="fa fa-cloud"></i> <span data-i18n="${ACCOUNT_TYPE}.label.platform"></span></label>`,
    '        <select id="node-config-input-platform" style="width:70%">',
    ...PLATFORMS.map((p) => `            <option value="${p}" data-i18n="iot-openapi.platform.${p}"></option>`),
    '        </select>',
    '    </div>',
  ];
  for (const setting of ACCOUNT_SETTINGS) {
    rows.push(...accountSettingRow(setting, placeholders));
    for (const then of setting.dialog.then ?? []) {
      if (then === 'preset') {
        rows.push(
          '    <div class="form-row" id="iot-openapi-account-preset-row">',
          `        <label for="iot-openapi-account-preset" ${LABEL}><i class="fa fa-list"></i> <span data-i18n="${ACCOUNT_TYPE}.label.preset"></span></label>`,
          '        <select id="iot-openapi-account-preset" style="width:70%"></select>',
          '    </div>',
        );
      } else if (then === 'credentials') {
        rows.push(credentialRows(placeholders));
      } else if (then === 'storeCredentials') {
        const where = shownWhere({ when: STORE_CREDENTIALS_WHEN });
        for (const [name, type] of Object.entries(STORE_CREDENTIAL_FIELDS)) rows.push(...credentialRow({ name, secret: type === 'password' }, where, placeholders));
      } else {
        rows.push(`    <div class="form-row form-tips"${shownWhere(setting)}>`, `        <span data-i18n="[html]${ACCOUNT_TYPE}.tip.${then.slice('tip:'.length)}"></span>`, '    </div>');
      }
    }
  }
  return rows.join('\n');
}
