// What an account of each platform holds: its credentials, in the order an
// editor shows them (`secret` ones are passwords the editor never gets back),
// and the hosts its vendor runs, the first being the default.
import type { Platform } from './types';

export interface CredentialField {
  name: string;
  secret: boolean;
}

export const ACCOUNT_CREDENTIALS: Readonly<Record<Platform, readonly CredentialField[]>> = {
  'quectel-app': [
    { name: 'userDomainSecret', secret: true },
    { name: 'phone', secret: false },
    { name: 'password', secret: true },
  ],
  'quectel-saas': [
    { name: 'accessKey', secret: false },
    { name: 'accessSecret', secret: true },
  ],
  onbright: [
    { name: 'clientId', secret: false },
    { name: 'clientSecret', secret: true },
    { name: 'uniqueKey', secret: true },
  ],
  novastar: [
    { name: 'pId', secret: false },
    { name: 'secretKey', secret: true },
  ],
};

/** Known hosts per platform, with a name for the editor's list; the first is what an empty base URL means. */
export const KNOWN_HOSTS: Readonly<Record<Platform, readonly { name: string; url: string }[]>> = {
  'quectel-app': [{ name: 'quectelCn', url: 'https://iot-api.quectelcn.com' }, { name: 'quectelEu', url: 'https://iot-api.acceleronix.io' }],
  'quectel-saas': [{ name: 'quectelCn', url: 'https://iot-api.quectelcn.com' }, { name: 'quectelEu', url: 'https://iot-api.acceleronix.io' }],
  onbright: [{ name: 'onbrightProd', url: 'https://alicloud.on-bright.com' }, { name: 'onbrightTest', url: 'https://aliiot.on-bright.com' }],
  // The API runs on the processor itself.
  novastar: [],
};
