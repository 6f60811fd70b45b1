// Accounts pointing at a running simulator, with its demo credentials.
import { DEMO, type Simulator } from '../../simulator';
import type { AccountConfig, NovastarAccount, Platform, QuectelAppAccount } from '../../lib/types';

type AccountOf<P extends Platform> = Extract<AccountConfig, { platform: P }>;

/** Settings and credentials to change on a demo account: any of them, wrong ones too, as a test needs. */
export type AccountOverrides = Omit<Partial<QuectelAppAccount>, 'platform' | 'credentials'> & Omit<Partial<NovastarAccount>, 'platform' | 'credentials'> & { credentials?: Record<string, string> };

/** The simulator's demo credentials of each platform, exactly the account's credential fields. */
export const DEMO_CREDENTIALS = {
  'quectel-app': { phone: DEMO.quectelApp.phone, password: DEMO.quectelApp.password, userDomainSecret: DEMO.quectelApp.userDomainSecret },
  'quectel-saas': { accessKey: DEMO.quectelSaas.accessKey, accessSecret: DEMO.quectelSaas.accessSecret },
  onbright: { clientId: DEMO.onbright.clientId, clientSecret: DEMO.onbright.clientSecret, uniqueKey: DEMO.onbright.uniqueKey },
  novastar: { pId: DEMO.novastar.pId, secretKey: DEMO.novastar.secretKey },
} as const satisfies Record<Platform, Record<string, string>>;

export function demoAccount<P extends Platform>(sim: Simulator, platform: P, overrides: AccountOverrides = {}): AccountOf<P> {
  const base: { [Q in Platform]: AccountOf<Q> } = {
    'quectel-app': {
      platform: 'quectel-app',
      baseUrl: sim.url,
      userDomain: DEMO.quectelApp.userDomain,
      internationalCode: DEMO.quectelApp.internationalCode,
      credentials: DEMO_CREDENTIALS['quectel-app'],
    },
    'quectel-saas': { platform: 'quectel-saas', baseUrl: sim.url, credentials: DEMO_CREDENTIALS['quectel-saas'] },
    onbright: { platform: 'onbright', baseUrl: sim.url, credentials: DEMO_CREDENTIALS.onbright },
    novastar: { platform: 'novastar', baseUrl: sim.novastarUrl, encrypt: true, credentials: DEMO_CREDENTIALS.novastar },
  };
  const account: AccountOf<P> = base[platform];
  return { ...account, ...overrides, credentials: { ...account.credentials, ...overrides.credentials } };
}

/** Every credential value of the demo accounts: none may ever appear in an error, a message or a log. */
export function demoSecrets(): string[] {
  return [
    DEMO.quectelApp.password,
    DEMO.quectelApp.userDomainSecret,
    DEMO.quectelSaas.accessSecret,
    DEMO.onbright.clientSecret,
    DEMO.onbright.uniqueKey,
    DEMO.novastar.secretKey,
  ];
}

/** Asserts that none of `secrets` occurs in `text`. */
export function assertFreeOf(text: string, secrets: readonly string[], what = 'text'): void {
  for (const secret of secrets) {
    if (secret && text.includes(secret)) throw new Error(`${what} contains a secret (${secret.slice(0, 3)}…)`);
  }
}

/** The tokens the simulator has issued, as far as its state shows them. */
export function issuedTokens(sim: Simulator): string[] {
  const tokens = (sim.state as unknown as { tokens?: Map<string, unknown> | Record<string, unknown> }).tokens;
  if (!tokens) return [];
  const keys = tokens instanceof Map ? [...tokens.keys()] : Object.keys(tokens);
  // Quectel App tokens are sent with their "Bearer " prefix; the bare value is a secret too.
  return keys.flatMap((k) => [k, k.replace(/^(Bearer|QJWT) /, '')]);
}
