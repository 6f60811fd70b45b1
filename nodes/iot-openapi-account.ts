// The config node: one vendor account, its credentials, and the one client
// (session, token, keep-alive connection) every action node using it shares.
import { OpenApiClient } from '../lib/client';
import { ErrorCodes, OpenApiError } from '../lib/errors';
import type { AccountConfig, Credentials, Platform } from '../lib/types';
import type { SessionEvent } from '../lib/session';
import { localize } from './i18n';
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

export = function register(RED: NodeAPI): void {
  function IotOpenApiAccount(this: AccountNode, settings: Record<string, unknown>) {
    RED.nodes.createNode(this, settings);
    const listeners = new Set<(event: SessionEvent) => void>();
    this.platform = settings.platform as Platform;
    this.watch = (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    };
    try {
      this.client = new OpenApiClient(accountConfig(settings, { ...(this.credentials ?? {}) }), {
        onEvent: (event) => listeners.forEach((listener) => listener(event)),
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

  // Test connection: logs in with the dialog's values. A password field left
  // unchanged arrives as UNCHANGED and is taken from the stored credentials.
  RED.httpAdmin.post('/iot-openapi-account/test', RED.auth.needsPermission('iot-openapi-account.write'), async (req: AdminRequest, res: AdminResponse) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const given = (body.credentials ?? {}) as Record<string, unknown>;
    const stored = typeof body.id === 'string' ? RED.nodes.getCredentials(body.id) ?? {} : {};
    const credentials: Credentials = {};
    for (const name of Object.keys(CREDENTIALS) as CredentialName[]) {
      const value = given[name];
      credentials[name] = value === UNCHANGED || value === undefined ? stored[name] : typeof value === 'string' ? value : undefined;
    }
    let client: OpenApiClient | undefined;
    try {
      client = new OpenApiClient(accountConfig(body, credentials), { backoffBaseMs: 0 });
      await client.testConnection();
      res.json({ ok: true, message: 'ok' });
    } catch (err) {
      const e = err instanceof OpenApiError ? localize(RED, err) : new OpenApiError(ErrorCodes.BAD_RESPONSE, 'unexpected failure');
      res.json({ ok: false, code: e.code, message: e.message });
    } finally {
      client?.close();
    }
  });
};
