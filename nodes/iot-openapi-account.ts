// The config node: one vendor account, its credentials, and the one client
// (session, token, keep-alive connection) every action node using it shares.
import path from 'node:path';
import { OpenApiClient, resolveBaseUrl, type ClientOptions } from '../lib/client';
import type { TokenStoreOptions } from '../lib/redis-link';
import { ErrorCodes, OpenApiError, invalidInput } from '../lib/errors';
import { FileRefusalStore, processRefusals, RefusalsUnreadable, type RefusalStore } from '../lib/lockout';
import { accountSetting, checkAccountSettings, settingApplies, STORE_CREDENTIAL_FIELDS, type CheckedAccount } from '../lib/accounts';
import { CREDENTIAL_FIELDS, requiredCredentials, type AccountConfig, type Platform } from '../lib/types';
import type { SessionEvent } from '../lib/session';
import { catalogue, hintIn, localize, lookUp, text } from './i18n';
import { getOperation, type PickerList } from '../lib/operations';
import { PICKERS, modelItems, pickedItems } from '../lib/pickers';
import { isPlainObject } from '../lib/validate';
import type { AccountNode, AdminRequest, AdminResponse, Node, NodeAPI } from './red';
import { TEST_CONNECTION_MAX_MS } from './settings';
import { migrateSettings, migrationsOf } from './migrations';
import { AppChannels } from './app-channels';
import { knownHost } from '../lib/platforms';

/** The vendor credentials of every platform, as Node-RED's credential store declares them. */
const VENDOR_CREDENTIALS: Record<string, { type: 'text' | 'password' }> = Object.fromEntries(
  Object.values(CREDENTIAL_FIELDS).flatMap((fields) => Object.entries(fields).map(([name, type]) => [name, { type }])),
);
/** The Redis login of the shared token store: any platform's, so not among the vendor's credentials the client checks. */
const STORE_CREDENTIALS = Object.fromEntries(Object.entries(STORE_CREDENTIAL_FIELDS).map(([name, type]) => [name, { type }]));
const CREDENTIALS: Record<string, { type: 'text' | 'password' }> = { ...VENDOR_CREDENTIALS, ...STORE_CREDENTIALS };
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

/** The language of the editor that asks, from its Accept-Language. */
function editorLanguage(acceptLanguage: string): 'en-US' | 'zh-CN' {
  return /^zh/i.test(acceptLanguage.trim()) ? 'zh-CN' : 'en-US';
}

/** The account's token store and pacing, as the client takes them. */
function sharingOptions(checked: CheckedAccount, credentials: Record<string, unknown>): Pick<ClientOptions, 'store' | 'rateLimit' | 'rateQueue'> {
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const store: TokenStoreOptions = checked.tokenStore === 'redis'
    ? { kind: 'redis', url: checked.redisUrl, username: text(credentials.redisUsername) || undefined, password: text(credentials.redisPassword) || undefined }
    : { kind: 'local' };
  return { store, rateLimit: checked.rateLimit, rateQueue: checked.rateQueue };
}

type Texts = (key: string, vars?: Record<string, unknown>) => string;

/** The editor's texts of the account node in `lang`, for answers of the admin route. */
function editorTexts(lang: 'en-US' | 'zh-CN'): Texts {
  const own = catalogue(lang);
  return (key, vars = {}) => lookUp(own, key, vars);
}

/**
 * What both admin routes check first: a JSON body (a form posted by another
 * site needs no preflight: 415), and the editor's language for the answer.
 * Undefined when the request was already answered.
 */
function jsonRequest(req: AdminRequest, res: AdminResponse): { lang: 'en-US' | 'zh-CN'; t: Texts; body: Record<string, unknown> } | undefined {
  const lang = editorLanguage(String(req.headers?.['accept-language'] ?? ''));
  const t = editorTexts(lang);
  const contentType = String(req.headers?.['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (contentType !== 'application/json') {
    res.status(415).json({ ok: false, code: 'UNSUPPORTED_MEDIA_TYPE', message: t('iot-openapi-account.test.jsonOnly') });
    return undefined;
  }
  return { lang, t, body: (req.body ?? {}) as Record<string, unknown> };
}

/** An error's text in the editor's language where the package explains it (bad input, stopped logins), else its own. */
function explained(e: OpenApiError, t: Texts): string {
  return (e.reason ? t(`iot-openapi.errors.${e.reason}`, { parameter: e.parameter, ...e.limits }) : '') || e.message;
}

export = function register(RED: NodeAPI): void {
  function IotOpenApiAccount(this: AccountNode, saved: Record<string, unknown>) {
    RED.nodes.createNode(this, saved);
    const { settings } = migrateSettings(migrationsOf('iot-openapi-account'), saved);
    const listeners = new Set<(event: SessionEvent) => void>();
    this.platform = settings.platform as Platform;
    this.watch = (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    };
    // The log says once, in words, when logins stop; the nodes' status says it too.
    this.watch((event) => {
      if (event.type === 'login-failed' && event.error.reason === 'loginsStopped') this.warn(localize(RED, event.error).message);
      // The reason is the client library's own text, scrubbed of the URL's and the password's secrets.
      if (event.type === 'store') {
        if (event.shared) this.log(text(RED, 'status.storeBack', 'token store: Redis answers again, the token is shared again'));
        else this.warn(`${text(RED, 'status.storeUnreachable', "token store: Redis unreachable, using this instance's own token")}${event.reason ? ` (${event.reason})` : ''}`);
      }
    });
    try {
      const { redisUsername, redisPassword, ...vendor } = (this.credentials ?? {}) as Record<string, unknown>;
      // An imported flow brings no credentials: say so once for the account, not as a bad parameter on every call.
      const platform = settings.platform as Platform;
      const missing = CREDENTIAL_FIELDS[platform]
        ? requiredCredentials({ platform, loginBy: settings.loginBy === 'email' ? 'email' : 'phone' }).filter((name) => vendor[name] === undefined || vendor[name] === null || vendor[name] === '')
        : [];
      if (missing.length) {
        const name = typeof settings.name === 'string' && settings.name !== '' ? settings.name : platform;
        throw new OpenApiError(ErrorCodes.INVALID_INPUT, text(RED, 'status.noCredentials', `account '${name}' has no credentials: open it`, { name }), { parameter: missing[0] });
      }
      const checked = checkAccountSettings(settings, vendor);
      const config = checked.config;
      this.baseUrl = resolveBaseUrl(config);
      this.client = new OpenApiClient(config, {
        onEvent: (event) => listeners.forEach((listener) => listener(event)),
        refusals: refusalStore(),
        ...sharingOptions(checked, { redisUsername, redisPassword }),
      });
      // The App WebSocket: the setting, else the known host's; none for a host with no known one (the events node says so).
      const wsUrl = settingApplies(accountSetting('wsUrl'), config.platform, settings) ? checked.wsUrl || knownHost(config.platform, this.baseUrl)?.wsUrl : undefined;
      if (wsUrl) this.appChannels = new AppChannels(this.client, wsUrl);
    } catch (err) {
      this.configError = err instanceof OpenApiError ? localize(RED, err) : new OpenApiError(ErrorCodes.INVALID_INPUT, String(err));
      this.warn(this.configError.message);
    }
    this.on('close', (_removed: boolean, done: () => void) => {
      this.appChannels?.close();
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
    return new FileRefusalStore(path.join(userDir, 'iot-openapi-refusals.json'), (err) =>
      RED.log.warn(
        err instanceof RefusalsUnreadable
          ? `iot-openapi-account: ${err.message}: logins stop until it can be read`
          : `iot-openapi-account: cannot write the count of refused logins (${err.message}); this process goes on counting in memory`,
      ),
    );
  }

  /**
   * An account as the editor holds it (the dialog's values, or an account not
   * deployed yet), checked as a deployed account is (a calling code, for one,
   * would be signed and sent as it is). A secret left unchanged comes from the
   * saved account `body.id` only when platform and base URL are the saved
   * ones, so a stored secret is never sent somewhere new.
   */
  function dialogAccount(body: Record<string, unknown>): AccountConfig {
    const given = isPlainObject(body.credentials) ? body.credentials : {};
    const credentials: Record<string, unknown> = {};
    const config = checkAccountSettings(body, credentials).config;
    // The dialog's timeout limits each call, and a test or a pick as a whole ends after TEST_CONNECTION_MAX_MS.
    if (typeof config.timeout === 'number' && config.timeout > TEST_CONNECTION_MAX_MS) config.timeout = TEST_CONNECTION_MAX_MS;
    const saved = typeof body.id === 'string' ? (RED.nodes.getNode(body.id) as AccountNode | null) : null;
    const sameAccount = saved?.type === 'iot-openapi-account' && saved.platform === config.platform && saved.baseUrl !== undefined && saved.baseUrl === resolveBaseUrl(config);
    const stored = sameAccount ? RED.nodes.getCredentials(saved.id) ?? {} : {};
    for (const name of Object.keys(VENDOR_CREDENTIALS)) {
      const value = given[name];
      if (value === UNCHANGED) {
        if (!sameAccount) throw invalidInput(name, 'retype');
        credentials[name] = stored[name];
      } else if (typeof value === 'string') {
        credentials[name] = value;
      }
    }
    return config;
  }

  // Test connection: logs in with the dialog's values. It needs the same
  // permission as changing the account; it takes JSON only (a form posted by
  // another site needs no preflight); a secret left unchanged in the dialog
  // comes from the saved account only when platform and base URL are the
  // saved ones, so a stored secret is never sent somewhere new; its refusals
  // count toward the same cap as the running nodes'.
  RED.httpAdmin.post('/iot-openapi-account/test', RED.auth.needsPermission('iot-openapi-account.write'), async (req: AdminRequest, res: AdminResponse) => {
    const asked = jsonRequest(req, res);
    if (!asked) return;
    const { lang, t, body } = asked;
    let config = { platform: body.platform } as AccountConfig;
    let client: OpenApiClient | undefined;
    let guard: NodeJS.Timeout | undefined;
    try {
      config = dialogAccount(body);
      client = new OpenApiClient(config, { backoffBaseMs: 0, refusals: refusalStore() });
      // A login of two vendor calls, and the calls after it, share the one limit: closing the client ends what is still running.
      const running = client;
      guard = setTimeout(() => running.close(), TEST_CONNECTION_MAX_MS);
      await client.testConnection();
      // Best effort: the login worked, whatever these extra calls answer.
      const who = await client.connectedAs();
      const parts = [t('iot-openapi-account.test.okAs', { user: who.user })];
      if (who.devices !== undefined) parts.push(t('iot-openapi-account.test.devices', { count: who.devices }));
      if (who.model) parts.push(t('iot-openapi-account.test.processor', { model: who.model }));
      res.json({ ok: true, message: parts.join(lang === 'zh-CN' ? '，' : ', '), ...who });
    } catch (err) {
      const e = err instanceof OpenApiError ? err : new OpenApiError(ErrorCodes.BAD_RESPONSE, 'unexpected failure');
      if (isVendorAnswer(e)) {
        const hint = hintIn(catalogue(lang), e.platform ?? config.platform, e.code, e.reason);
        res.json({ ok: false, code: e.code, message: explained(e, t), ...(hint ? { hint } : {}) });
      } else {
        res.json({ ok: false, code: 'NO_ANSWER', message: t('iot-openapi-account.test.noAnswer') });
      }
    } finally {
      clearTimeout(guard);
      client?.close();
    }
  });

  // Pickers: the values an account offers for a parameter (products,
  // devices, screens, presets), for the editor's lists. The account as the
  // editor holds it (`body.settings`, not deployed yet or changed since), with
  // the Test connection's guards: permission, JSON only, a stored secret only
  // for the same saved account, platform and base URL; or else the running
  // account's own client, so nothing goes anywhere but its saved host.
  RED.httpAdmin.post('/iot-openapi-account/pick', RED.auth.needsPermission('iot-openapi-account.write'), async (req: AdminRequest, res: AdminResponse) => {
    const asked = jsonRequest(req, res);
    if (!asked) return;
    const { lang, t, body } = asked;
    const list = typeof body.list === 'string' && Object.prototype.hasOwnProperty.call(PICKERS, body.list) ? PICKERS[body.list as PickerList] : undefined;
    let own: OpenApiClient | undefined;
    let guard: NodeJS.Timeout | undefined;
    let client: OpenApiClient | undefined;
    let platform: Platform | undefined;
    try {
      if (isPlainObject(body.settings)) {
        const config = dialogAccount({ ...body.settings, id: body.account, credentials: body.credentials });
        platform = config.platform;
        if (list?.[platform]) {
          own = client = new OpenApiClient(config, { backoffBaseMs: 0, refusals: refusalStore() });
          const running = own;
          guard = setTimeout(() => running.close(), TEST_CONNECTION_MAX_MS);
        }
      } else {
        const account = typeof body.account === 'string' ? (RED.nodes.getNode(body.account) as AccountNode | null) : null;
        if (account?.type === 'iot-openapi-account') {
          client = account.client;
          platform = account.platform;
        }
      }
    } catch (err) {
      const e = err instanceof OpenApiError ? err : new OpenApiError(ErrorCodes.BAD_RESPONSE, 'unexpected failure');
      const hint = hintIn(catalogue(lang), e.platform ?? platform, e.code, e.reason);
      res.json({ ok: false, code: e.code, message: explained(e, t), ...(hint ? { hint } : {}) });
      return;
    }
    const source = platform ? list?.[platform] : undefined;
    if (!client || !source) {
      clearTimeout(guard);
      own?.close();
      res.json({ ok: false, code: ErrorCodes.INVALID_INPUT, message: t('iot-openapi.picker.noAccount') });
      return;
    }
    try {
      // Only the values the call takes, as the editor holds them (a screen for its presets).
      const given = isPlainObject(body.params) ? body.params : {};
      const op = getOperation(source.operation)!;
      const params: Record<string, unknown> = {};
      for (const p of op.params) {
        const value = given[source.from?.[p.name] ?? p.name];
        if (typeof value === 'string' || typeof value === 'number') params[p.name] = value;
      }
      // Names in the editor's language where the call offers one (the SaaS thing model).
      if (op.params.some((p) => p.name === 'language' && p.enum?.includes('EN')) && params.language === undefined) params.language = lang === 'zh-CN' ? 'CN' : 'EN';
      const result = await client.call(source.operation, { ...params, ...source.params });
      res.json({ ok: true, items: source.model ? modelItems(result.data) : pickedItems(source, result.data) });
    } catch (err) {
      const e = err instanceof OpenApiError ? err : new OpenApiError(ErrorCodes.BAD_RESPONSE, 'unexpected failure');
      // As the Test connection: a host the dialog names is not probed through this route.
      if (own && !isVendorAnswer(e)) {
        res.json({ ok: false, code: 'NO_ANSWER', message: t('iot-openapi-account.test.noAnswer') });
        return;
      }
      const hint = hintIn(catalogue(lang), e.platform ?? platform, e.code, e.reason);
      res.json({ ok: false, code: e.code, message: explained(e, t), ...(hint ? { hint } : {}) });
    } finally {
      clearTimeout(guard);
      own?.close();
    }
  });
};
