// The App WebSocket channels of one Quectel App account: one channel shared
// by every quectel-events node on the account (as its token is shared),
// opened when the first one starts and closed when the last one stops or the
// account closes. Nodes that trust different certificates (their TLS
// setting) cannot share a connection: each such set gets its own.
import type { OpenApiClient } from '../lib/client';
import {
  AppChannel, type AppChannelLease, type AppChannelOptions, type AppChannelSubscriber, type AppChannelTiming,
} from '../lib/platforms/quectel-app-channel';

/** The channel's clock, settable (tests shorten it; a flow never sees it). */
export const APP_EVENTS_TIMING: Partial<AppChannelTiming> = {};

export interface AppChannelTls {
  /** What tells one TLS setting from another (the tls-config node's id; '' for none). */
  key: string;
  options?: AppChannelOptions['tls'];
}

export class AppChannels {
  private readonly channels = new Map<string, AppChannel>();

  constructor(private readonly client: OpenApiClient, private readonly url: string) {}

  /** A lease on the account's channel for these TLS options; the channel closes when its last lease is released. */
  acquire(sub: AppChannelSubscriber, tls: AppChannelTls = { key: '' }): AppChannelLease & { channel: AppChannel } {
    let channel = this.channels.get(tls.key);
    if (!channel) {
      channel = new AppChannel({
        url: this.url,
        tls: tls.options,
        token: () => this.client.accessToken(),
        onTokenRefused: (token) => this.client.tokenRefused(token),
        timing: { ...APP_EVENTS_TIMING },
      });
      this.channels.set(tls.key, channel);
    }
    const own = channel;
    const lease = own.acquire(sub);
    let released = false;
    return {
      channel: own,
      update: (change) => lease.update(change),
      release: () => {
        if (released) return;
        released = true;
        lease.release();
        if (own.holders === 0 && this.channels.get(tls.key) === own) {
          this.channels.delete(tls.key);
          own.close();
        }
      },
    };
  }

  /** Channels open now (one per TLS setting in use). */
  get size(): number {
    return this.channels.size;
  }

  close(): void {
    for (const channel of this.channels.values()) channel.close();
    this.channels.clear();
  }
}
