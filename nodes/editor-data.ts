// What the editor knows about each node, made from the catalogue and the node
// specs at build time: the fields, where each one applies (operation and
// platform), its type, and the rules that mark a node invalid before deploy.
// The build writes it into resources/iot-openapi-editor.js, and writes each
// action node's .js and .html (from nodes/action-node.html, with its form
// rows), so an editor cannot disagree with the catalogue. Nothing here
// imports Node-RED.
import { getOperation, type ParamSpec } from '../lib/operations';
import { CREDENTIAL_FIELDS, HTTP_METHODS, PLATFORMS, type Platform } from '../lib/types';
import { KNOWN_HOSTS } from '../lib/platforms';
import { MAX_RATE, MIN_RATE } from '../lib/pacing';
import { CHOICE_TYPE, CREDENTIAL_TYPE, credentialName, DEFAULT_TYPES, settingName, TEST_CONNECTION_MAX_MS } from './settings';
import { NODE_SPECS, specPlatforms, type ActionNodeSpec, type Migration } from './specs';

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
  migrations: Migration[];
}

/** One credential field of an account, as the editor shows it. */
export interface CredentialField {
  name: string;
  /** A password: the editor never gets it back. */
  secret: boolean;
}

/** The account's credential fields per platform, in the library's order. */
function accountCredentials(): Record<Platform, CredentialField[]> {
  const out = {} as Record<Platform, CredentialField[]>;
  for (const platform of PLATFORMS) {
    out[platform] = Object.entries(CREDENTIAL_FIELDS[platform]).map(([name, type]) => ({ name, secret: type === 'password' }));
  }
  return out;
}

export interface EditorData {
  platforms: readonly Platform[];
  credentials: Record<Platform, CredentialField[]>;
  hosts: typeof KNOWN_HOSTS;
  nodes: Record<string, EditorNode>;
  /** The account's limits the dialog checks as the runtime does: its rate (requests a second; 0 = none) and the Test connection's longest run. */
  account: { minRate: number; maxRate: number; testMs: number };
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
    version: spec.migrations.length,
    migrations: spec.migrations,
  };
}

export function editorData(): EditorData {
  return {
    platforms: PLATFORMS,
    credentials: accountCredentials(),
    hosts: KNOWN_HOSTS,
    nodes: Object.fromEntries(NODE_SPECS.map((spec) => [spec.type, editorNode(spec)])),
    account: { minRate: MIN_RATE, maxRate: MAX_RATE, testMs: TEST_CONNECTION_MAX_MS },
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
      // A Quectel App account shows the login name of its login method only (phone or email).
      const login = platform === 'quectel-app' && (field.name === 'phone' || field.name === 'email') ? ` data-login="${field.name}"` : '';
      rows.push(
        `    <div class="form-row" data-platforms="${platform}"${login}>`,
        `        <label for="node-config-input-${field.name}" ${LABEL}><i class="fa ${field.secret ? 'fa-key' : 'fa-user'}"></i> <span data-i18n="iot-openapi-account.label.${field.name}"></span></label>`,
        `        <input type="${field.secret ? 'password' : 'text'}" id="node-config-input-${field.name}" style="width:70%"${placeholders.includes(field.name) ? ` data-i18n="[placeholder]iot-openapi-account.placeholder.${field.name}"` : ''}>`,
        '    </div>',
      );
    }
  }
  return rows.join('\n');
}
