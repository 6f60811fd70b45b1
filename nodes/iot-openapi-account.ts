// The config node: one vendor account, its credentials, and the one client
// (session, token, keep-alive connection) every action node using it shares.
import path from 'node:path';
import { OpenApiClient, resolveBaseUrl } from '../lib/client';
import { ErrorCodes, OpenApiError, invalidInput } from '../lib/errors';
import { FileRefusalStore, processRefusals, type RefusalStore } from '../lib/lockout';
import type { AccountConfig, Credentials, Platform } from '../lib/types';
import type { SessionEvent } from '../lib/session';
import { catalogue, hintIn, localize, lookUp } from './i18n';
import type { AccountNode, AdminRequest, AdminResponse, Node, NodeAPI } from './red';

const CREDENTIALS = {
  phone: { type: 'text' },
  password: { type: 'password' },
  userDomainSecret: { type: 'password' },
  accessKey: { type: 'text' },
  accessSecret: { type: 'password' },
  clientId: { type: 'text' },
  clientSecret: { type: 'password' },
  uniqueKey: { type: 'password' },
  pId: { type: 'text' },
  secretKey: { type: 'password' },
} as const;

type CredentialName = keyof typeof CREDENTIALS;
/** What the editor puts in a password field it has not been given back. */
const UNCHANGED = '__PWRD__';

/**
 * What the Test connection reports as it is: the vendor's refusals and our own
 * checks. Anything else (a closed, silent or non-HTTP port, a page that is not
 * the vendor's) gets one wording, so the route cannot be used to probe ports.
 */
function isVendorAnswer(e: OpenApiError): boolean {
  return e.refusal === true || [ErrorCodes.INVALID_INPUT, ErrorCodes.LOGIN_BACKOFF, ErrorCodes.SIGN_MISMATCH].includes(e.code as never);
}

function accountConfig(settings: Record<string, unknown>, credentials: Credentials): AccountConfig {
  const timeout = Number(settings.timeout);
  return {
    platform: settings.platform as Platform,
    baseUrl: typeof settings.baseUrl === 'string' ? settings.baseUrl : '',
    userDomain: typeof settings.userDomain === 'string' ? settings.userDomain : '',
    internationalCode: settings.internationalCode ? String(settings.internationalCode) : '86',
    encrypt: settings.encrypt !== false && settings.encrypt !== 'false',
    verifyAnswerSign: settings.verifyAnswerSign === true || settings.verifyAnswerSign === 'true',
    timeout: settings.timeout === undefined || settings.timeout === '' ? 10_000 : timeout,
    credentials,
  };
}

/** The language of the editor that asks, from its Accept-Language. */
function editorLanguage(acceptLanguage: string): 'en-US' | 'zh-CN' {
  return /^zh/i.test(acceptLanguage.trim()) ? 'zh-CN' : 'en-US';
}

/** The editor's texts of the account node in `lang`, for answers of the admin route. */
function editorTexts(lang: 'en-US' | 'zh-CN'): (key: string, vars?: Record<string, unknown>) => string {
  const own = catalogue(lang);
  return (key, vars = {}) => lookUp(own, key, vars);
}

/** A phone number as the Test connection shows it: 138****0000. */
function maskPhone(phone: string): string {
  const digits = phone.trim();
  if (digits.length <= 4) return '*'.repeat(digits.length);
  const keep = digits.length >= 11 ? 3 : Math.min(3, digits.length - 4);
  return digits.slice(0, keep) + '*'.repeat(digits.length - keep - 4) + digits.slice(-4);
}

/** A vendor's value shown in the editor: a short single line, or nothing. */
function shown(value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') return '';
  return [...String(value)].map((c) => (c < ' ' || c === '\u007f' ? ' ' : c)).join('').trim().slice(0, 64);
}

/** Who the test logged in as, and what one cheap call more tells: the line the editor shows, and its parts. */
interface Connected {
  user: string;
  devices?: number;
  model?: string;
}

async function connectedAs(client: OpenApiClient, config: AccountConfig): Promise<Connected> {
  const c = config.credentials;
  switch (config.platform) {
    case 'quectel-app': {
      const out: Connected = { user: `+${config.internationalCode} ${maskPhone(shown(c.phone))}` };
      // Page 1 with one device: the answer holds the total.
      const total = Number(((await client.call('quectel-app.listDevices', { page: 1, pageSize: 1 }).catch(() => undefined))?.raw?.data as { total?: unknown } | undefined)?.total);
      if (Number.isInteger(total) && total >= 0) out.devices = total;
      return out;
    }
    case 'quectel-saas':
      // The catalogue has no call that lists products or every device: the AccessKey only.
      return { user: shown(c.accessKey) };
    case 'onbright':
      return { user: shown(c.clientId) };
    case 'novastar': {
      const out: Connected = { user: `pId ${shown(c.pId)}` };
      const device = (await client.call('novastar.readDevice', { deviceId: 0 }).catch(() => undefined))?.data as Record<string, unknown> | undefined;
      const name = shown(device?.name);
      const modelId = shown(device?.modelId);
      const model = [name, modelId && (name ? `(${modelId})` : modelId)].filter(Boolean).join(' ');
      if (model) out.model = model;
      return out;
    }
    default:
      return { user: '' };
  }
}

export = function register(RED: NodeAPI): void {
  function IotOpenApiAccount(this: AccountNode, settings: Record<string, unknown>) {
    RED.nodes.createNode(this, settings);
    const listeners = new Set<(event: SessionEvent) => void>();
    this.platform = settings.platform as Platform;
    this.watch = (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    };
    // The log says once, in words, when logins stop; the nodes' status says it too.
    this.watch((event) => {
      if (event.type === 'login-failed' && event.error.reason === 'loginsStopped') this.warn(localize(RED, event.error).message);
    });
    try {
      const config = accountConfig(settings, { ...(this.credentials ?? {}) });
      this.baseUrl = resolveBaseUrl(config);
      this.client = new OpenApiClient(config, {
        onEvent: (event) => listeners.forEach((listener) => listener(event)),
        refusals: refusalStore(),
      });
    } catch (err) {
      this.configError = err instanceof OpenApiError ? localize(RED, err) : new OpenApiError(ErrorCodes.INVALID_INPUT, String(err));
      this.warn(this.configError.message);
    }
    this.on('close', (_removed: boolean, done: () => void) => {
      this.client?.close();
      listeners.clear();
      done();
    });
  }

  RED.nodes.registerType('iot-openapi-account', IotOpenApiAccount as unknown as (this: Node, config: Record<string, unknown>) => void, { credentials: CREDENTIALS });

  /**
   * Refused logins are counted in the user directory, so that neither a
   * redeploy nor a restart of Node-RED gives anyone more attempts at a
   * password. Without a user directory (an embedded runtime) they are
   * counted for the life of the process.
   */
  function refusalStore(): RefusalStore {
    const userDir = (RED.settings as { userDir?: unknown } | undefined)?.userDir;
    if (typeof userDir !== 'string' || userDir === '') return processRefusals;
    return new FileRefusalStore(path.join(userDir, 'iot-openapi-refusals.json'), (err) => RED.log.warn(`iot-openapi-account: cannot keep the count of refused logins: ${err.message}`));
  }

  // Test connection: logs in with the dialog's values. It needs the same
  // permission as changing the account; it takes JSON only (a form posted by
  // another site needs no preflight); a secret left unchanged in the dialog
  // comes from the saved account only when platform and base URL are the
  // saved ones, so a stored secret is never sent somewhere new; its refusals
  // count toward the same cap as the running nodes'.
  RED.httpAdmin.post('/iot-openapi-account/test', RED.auth.needsPermission('iot-openapi-account.write'), async (req: AdminRequest, res: AdminResponse) => {
    const lang = editorLanguage(String(req.headers?.['accept-language'] ?? ''));
    const t = editorTexts(lang);
    const contentType = String(req.headers?.['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (contentType !== 'application/json') {
      res.status(415).json({ ok: false, code: 'UNSUPPORTED_MEDIA_TYPE', message: t('iot-openapi-account.test.jsonOnly') });
      return;
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const given = (body.credentials ?? {}) as Record<string, unknown>;
    const config = accountConfig(body, {});
    let client: OpenApiClient | undefined;
    try {
      // A calling code is digits only: anything else would be signed and sent as it is.
      if (config.platform === 'quectel-app' && !/^\d{1,4}$/.test(config.internationalCode ?? '')) throw invalidInput('internationalCode', 'pattern');
      const saved = typeof body.id === 'string' ? (RED.nodes.getNode(body.id) as AccountNode | null) : null;
      const sameAccount = saved?.type === 'iot-openapi-account' && saved.platform === config.platform && saved.baseUrl !== undefined && saved.baseUrl === resolveBaseUrl(config);
      const stored = sameAccount ? RED.nodes.getCredentials(saved.id) ?? {} : {};
      for (const name of Object.keys(CREDENTIALS) as CredentialName[]) {
        const value = given[name];
        if (value === UNCHANGED) {
          if (!sameAccount) throw invalidInput(name, 'retype');
          config.credentials[name] = stored[name];
        } else if (typeof value === 'string') {
          config.credentials[name] = value;
        }
      }
      client = new OpenApiClient(config, { backoffBaseMs: 0, refusals: refusalStore() });
      await client.testConnection();
      // Best effort: the login worked, whatever these extra calls answer.
      const who = await connectedAs(client, config);
      const parts = [t('iot-openapi-account.test.okAs', { user: who.user })];
      if (who.devices !== undefined) parts.push(t('iot-openapi-account.test.devices', { count: who.devices }));
      if (who.model) parts.push(t('iot-openapi-account.test.processor', { model: who.model }));
      res.json({ ok: true, message: parts.join(lang === 'zh-CN' ? '，' : ', '), ...who });
    } catch (err) {
      const e = err instanceof OpenApiError ? err : new OpenApiError(ErrorCodes.BAD_RESPONSE, 'unexpected failure');
      if (isVendorAnswer(e)) {
        const message = e.reason ? t(`iot-openapi.errors.${e.reason}`, { parameter: e.parameter, ...e.limits }) : '';
        const hint = hintIn(catalogue(lang), e.platform ?? config.platform, e.code);
        res.json({ ok: false, code: e.code, message: message || e.message, ...(hint ? { hint } : {}) });
      } else {
        res.json({ ok: false, code: 'NO_ANSWER', message: t('iot-openapi-account.test.noAnswer') });
      }
    } finally {
      client?.close();
    }
  });
};
