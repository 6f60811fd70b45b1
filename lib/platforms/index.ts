// The platforms the library knows: each one's adapter and default host. The
// client reaches a platform only through here.
import type { Platform } from '../types';
import { novastarAdapter } from './novastar';
import { onbrightAdapter, ONBRIGHT_DEFAULT_BASE_URL } from './onbright';
import type { PlatformAdapter, PlatformContext } from './platform';
import { QUECTEL_DEFAULT_BASE_URL } from './quectel';
import { quectelAppAdapter } from './quectel-app';
import { quectelSaasAdapter } from './quectel-saas';

export const DEFAULT_BASE_URLS: Readonly<Record<Platform, string | undefined>> = {
  'quectel-app': QUECTEL_DEFAULT_BASE_URL,
  'quectel-saas': QUECTEL_DEFAULT_BASE_URL,
  onbright: ONBRIGHT_DEFAULT_BASE_URL,
  // The API runs on the processor itself: there is no default.
  novastar: undefined,
};

/** The adapter of the account's platform. */
export function createAdapter(ctx: PlatformContext): PlatformAdapter {
  const { config } = ctx;
  switch (config.platform) {
    case 'quectel-app':
      return quectelAppAdapter({ ...ctx, config });
    case 'quectel-saas':
      return quectelSaasAdapter({ ...ctx, config });
    case 'onbright':
      return onbrightAdapter({ ...ctx, config });
    case 'novastar':
      return novastarAdapter({ ...ctx, config });
  }
}
