// What an App account gives the App WebSocket: the wsUrl setting (checked,
// kept out of what keys the account's token and refusal counts), the known
// host's address, and the client's token for the channel, dropped at the
// channel's word without ever counting as a refused password.
import assert from 'node:assert/strict';
import { checkAccountSettings } from '../../lib/accounts';
import { OpenApiClient, TOKEN_REFUSAL_SPACING_MS } from '../../lib/client';
import { ErrorCodes, OpenApiError } from '../../lib/errors';
import { KNOWN_HOSTS, knownHost } from '../../lib/platforms';
import { APP_CHANNEL_DEFAULT_URL } from '../../lib/platforms/quectel-app-channel';
import { startSimulator, type Simulator } from '../../simulator';
import type { SessionEvent } from '../../lib/session';
import { MemoryRefusalStore } from '../../lib/lockout';
import { demoAccount } from '../support/accounts';

const APP_LOGIN = '/v2/enduser/enduserapi/phonePwdLogin';

describe('lib: an App account and its App WebSocket', function () {
  this.timeout(20_000);

  it('wsUrl: wss:// only, no login in it, empty by default, and not part of the client\'s config', () => {
    const app = { platform: 'quectel-app', userDomain: 'C.DM.1' };
    assert.equal(checkAccountSettings({ ...app, wsUrl: ' wss://ws.example.com/ws/v1 ' }).wsUrl, 'wss://ws.example.com/ws/v1');
    assert.equal(checkAccountSettings(app).wsUrl, '');
    for (const bad of ['ws://ws.example.com/ws/v1', 'https://ws.example.com', 'wss:// x']) {
      assert.throws(() => checkAccountSettings({ ...app, wsUrl: bad }), (e: OpenApiError) => e.code === ErrorCodes.INVALID_INPUT && e.parameter === 'wsUrl', bad);
    }
    assert.throws(() => checkAccountSettings({ ...app, wsUrl: 'wss://user:pw@ws.example.com/ws/v1' }), (e: OpenApiError) => e.parameter === 'wsUrl' && e.reason === 'loginInUrl');
    // Another platform does not check it.
    assert.equal(checkAccountSettings({ platform: 'onbright', wsUrl: 'nonsense' }).config.platform, 'onbright');
    assert.ok(!('wsUrl' in checkAccountSettings({ ...app, wsUrl: 'wss://ws.example.com/ws/v1' }).config), 'the client never sees it');
  });

  it('the China host knows the documented App WebSocket; no other host has one', () => {
    assert.equal(KNOWN_HOSTS['quectel-app'][0].wsUrl, APP_CHANNEL_DEFAULT_URL);
    assert.equal(knownHost('quectel-app', KNOWN_HOSTS['quectel-app'][0].url)?.wsUrl, APP_CHANNEL_DEFAULT_URL);
    assert.deepEqual(KNOWN_HOSTS['quectel-app'].slice(1).map((h) => h.wsUrl), [undefined]);
    assert.equal(knownHost('quectel-app', 'http://127.0.0.1:8990'), undefined);
  });

  describe('the client\'s token for the channel', () => {
    let sim: Simulator;
    before(async () => {
      sim = await startSimulator({ quiet: true });
    });
    after(() => sim.close());
    beforeEach(() => sim.reset());

    it('hands out the session\'s token, and logs in again once the channel refused it, at most once per spacing, never counting a refusal', async () => {
      const events: SessionEvent[] = [];
      const refusals = new MemoryRefusalStore();
      const client = new OpenApiClient(demoAccount(sim, 'quectel-app'), { onEvent: (e) => events.push(e), refusals });
      try {
        const logins = () => sim.counters.requests[APP_LOGIN] ?? 0;
        const first = await client.accessToken();
        assert.equal(await client.accessToken(), first, 'the same token while it is good');
        assert.equal(logins(), 1);

        client.tokenRefused('not-a-token-it-gave');
        assert.equal(await client.accessToken(), first, 'a token it did not hand out is not its business');

        client.tokenRefused(first);
        const second = await client.accessToken();
        assert.notEqual(second, first);
        assert.equal(logins(), 2);

        // Refused again at once: the same token comes back (the channel then waits), no login.
        client.tokenRefused(second);
        assert.equal(await client.accessToken(), second);
        assert.equal(logins(), 2);
        assert.ok(TOKEN_REFUSAL_SPACING_MS >= 1000);

        assert.ok(!events.some((e) => e.type === 'login-failed'));
        assert.equal((refusals as unknown as { records: Map<string, unknown> }).records.size, 0);
      } finally {
        client.close();
      }
    });

    it('a platform without a login has no token to give', async () => {
      const client = new OpenApiClient(demoAccount(sim, 'novastar'));
      try {
        await assert.rejects(client.accessToken(), { code: ErrorCodes.INVALID_INPUT });
      } finally {
        client.close();
      }
    });
  });
});
