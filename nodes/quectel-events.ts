// quectel-events: an input node that receives the Quectel SaaS message
// subscription (device online/offline, property reports, events, …) over
// AMQP 1.0 with TLS, and sends one message per event into the flow. With a
// Quectel App account it listens to the App WebSocket instead (nodes/app-events.ts).
//
// Delivery rule: a message is accepted (AMQP disposition `accepted`) only
// after node.send() has handed it to the flow, so a message in flight when
// Node-RED stops or the connection drops is delivered again by the broker.
// Delivered again, it is recognised by its ticket and accepted without being
// sent twice. Reconnection is ours (rhea's own is off): capped, jittered
// exponential backoff, and the longest wait straight away after a refused
// login, since the vendor blocks clients that keep trying a wrong secret.
// The wait starts again from the first step only once a link has stayed up a
// while (EVENTS_TIMING.stableMs), and a connection that has not reached an
// attached link within EVENTS_TIMING.connectTimeoutMs is dropped and retried.
import { create_container, type Connection, type Delivery, type EventContext, type Receiver } from 'rhea';
import type { ConnectionOptions } from 'rhea';
import { Backoff, EVENTS_TIMING, RecentIds, amqpLogin, bodyText, defaultAmqpUrl, listOf, messageId, parseAmqpUrl, parseEvent, passes, type EventFilter } from './amqp-events';
import { startAppEvents } from './app-events';
import { Failure } from './i18n';
import { migrateSettings, migrationsOf } from './migrations';
import type { AccountNode, Node, NodeAPI, NodeMessage, StatusOptions } from './red';

/** Node-RED's tls-config node: adds its CA, client certificate and checks to socket options. */
interface TlsConfigNode extends Node {
  addTLSOptions(opts: Record<string, unknown>): Record<string, unknown>;
}

/** A tls-config node's options as the App channel takes them, told apart by the node's id. */
function appTls(tlsNode: TlsConfigNode): { key: string; options: Record<string, unknown> } {
  const all = tlsNode.addTLSOptions({});
  const options: Record<string, unknown> = {};
  for (const name of ['ca', 'cert', 'key', 'rejectUnauthorized', 'servername']) if (all[name] !== undefined && all[name] !== '') options[name] = all[name];
  return { key: tlsNode.id, options };
}

/** AMQP conditions that mean "your credentials or rights", not "try again soon". */
const REFUSALS = new Set(['amqp:unauthorized-access', 'amqp:not-found', 'amqp:not-allowed']);
/** The heartbeat the vendor wants in the open frame: 30 to 60 s. */
const IDLE_TIME_OUT_MS = 30_000;
/** Messages the broker may push before the first is accepted. */
const PREFETCH = 200;
/** How long a close waits for the broker's goodbye before dropping the socket. */
const CLOSE_WAIT_MS = 2000;

function errorText(error: unknown): { condition: string; description: string } {
  const e = (error ?? {}) as { condition?: unknown; description?: unknown; message?: unknown; code?: unknown };
  const condition = typeof e.condition === 'string' ? e.condition : typeof e.code === 'string' ? e.code : '';
  const description = typeof e.description === 'string' ? e.description : typeof e.message === 'string' ? e.message : '';
  return { condition, description };
}

/** A connection we are done with: nothing it reports later is ours, and rhea must neither throw it nor print it. */
function quiet(conn: Connection): void {
  conn.removeAllListeners();
  conn.on('error', () => undefined);
  conn.on('disconnected', () => undefined);
}

export = function register(RED: NodeAPI): void {
  /** The node's own text in the runtime's language, or `fallback` when there is none. */
  function ownText(key: string, fallback: string, vars: Record<string, unknown> = {}): string {
    const found = RED._(`quectel-events.${key}`, vars);
    return typeof found === 'string' && found !== '' && !found.endsWith(key) ? found : fallback;
  }

  function QuectelEvents(this: Node, saved: Record<string, unknown>) {
    RED.nodes.createNode(this, saved);
    const config = migrateSettings(migrationsOf('quectel-events'), saved).settings;
    // Handlers below are closures, not methods: name the node once.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const node = this;
    const account = typeof config.account === 'string' ? (RED.nodes.getNode(config.account) as AccountNode | null) : null;
    const tlsNode = typeof config.tls === 'string' && config.tls ? (RED.nodes.getNode(config.tls) as TlsConfigNode | null) : null;
    const queue = typeof config.queue === 'string' ? config.queue.trim() : '';
    const filter: EventFilter = { productKeys: listOf(config.productKey), deviceKeys: listOf(config.deviceKey), types: listOf(config.types) };
    const seen = new RecentIds();
    const backoff = new Backoff(EVENTS_TIMING.firstBackoffMs, EVENTS_TIMING.capBackoffMs);

    let shown = '';
    function status(s: StatusOptions): void {
      const key = `${s.fill}|${s.shape}|${s.text}`;
      if (key === shown) return;
      shown = key;
      node.status(s);
    }
    function stopWith(code: string, message: string): void {
      status({ fill: 'red', shape: 'ring', text: message });
      node.error(new Failure(`${code}: ${message}`, code));
    }

    // Settings that no retry can mend: say so once and stay idle.
    if (!account || account.type !== 'iot-openapi-account') return stopWith('INVALID_INPUT', ownText('errors.noAccount', 'no account selected'));
    if (account.platform === 'quectel-app') {
      if (tlsNode && tlsNode.type !== 'tls-config') return stopWith('INVALID_INPUT', ownText('errors.badTls', 'the TLS setting is not a TLS configuration node'));
      const tls = tlsNode ? appTls(tlsNode) : { key: '' };
      const stop = startAppEvents({ node, account, config, tls, text: ownText, status, stopWith });
      node.on('close', (_removed: boolean, done: () => void) => {
        stop?.();
        status({});
        done();
      });
      return;
    }
    if (account.platform !== 'quectel-saas') return stopWith('INVALID_INPUT', ownText('errors.notSaas', 'the account must be a Quectel SaaS account'));
    const accessKey = account.credentials?.accessKey ?? '';
    const accessSecret = account.credentials?.accessSecret ?? '';
    if (!accessKey || !accessSecret) return stopWith('INVALID_INPUT', ownText('errors.noCredentials', 'the account has no AccessKey or AccessSecret'));
    if (!queue) return stopWith('INVALID_INPUT', ownText('errors.noQueue', 'no queue: give the subscription\'s queue name'));
    const url = (typeof config.url === 'string' && config.url.trim()) || defaultAmqpUrl(account.baseUrl);
    if (!url) return stopWith('INVALID_INPUT', ownText('errors.noUrl', 'no AMQP URL: the account\'s host has no known AMQP host, give the URL'));
    const target = parseAmqpUrl(url);
    if (!target) return stopWith('INVALID_INPUT', ownText('errors.badUrl', 'the URL must be amqps://host[:port][/vhost]'));
    if (tlsNode && tlsNode.type !== 'tls-config') return stopWith('INVALID_INPUT', ownText('errors.badTls', 'the TLS setting is not a TLS configuration node'));

    const container = create_container({ id: `node-red-${node.id}` });
    let connection: Connection | undefined;
    let receiver: Receiver | undefined;
    let timer: NodeJS.Timeout | undefined;
    let countdown: NodeJS.Timeout | undefined;
    /** Gives up on a connection that has not reached an attached link in time. */
    let deadline: NodeJS.Timeout | undefined;
    /** Starts the reconnect waits over once the link has stayed up long enough. */
    let stable: NodeJS.Timeout | undefined;
    let closing = false;
    /** Set when the broker refused us: the next wait is the longest. */
    let refused: string | undefined;
    /** Why the last connection was given up on, shown with the wait (not a refusal: the usual waits apply). */
    let problem: string | undefined;

    function clearTimers(): void {
      clearTimeout(timer);
      clearInterval(countdown);
      timer = countdown = undefined;
    }

    function clearLinkTimers(): void {
      clearTimeout(deadline);
      clearTimeout(stable);
      deadline = stable = undefined;
    }

    function scheduleReconnect(): void {
      if (closing || timer) return;
      const wait = refused ? backoff.atCap() : backoff.next();
      const until = Date.now() + wait;
      const show = (): void => {
        const seconds = Math.max(1, Math.ceil((until - Date.now()) / 1000));
        const reason = refused ?? problem;
        status(reason
          ? { fill: refused ? 'red' : 'yellow', shape: 'ring', text: ownText('status.refusedRetry', `${reason} (again in ${seconds} s)`, { reason, seconds }) }
          : { fill: 'yellow', shape: 'ring', text: ownText('status.reconnecting', `reconnecting in ${seconds} s`, { seconds }) });
      };
      show();
      countdown = setInterval(show, 1000);
      timer = setTimeout(() => {
        clearTimers();
        connect();
      }, wait);
    }

    /** The connection went away, for whatever reason: forget it and try again later. */
    function lost(conn: Connection): void {
      if (conn !== connection) return;
      connection = undefined;
      receiver = undefined;
      clearLinkTimers();
      quiet(conn);
      scheduleReconnect();
    }

    function refusal(condition: string, description: string): string {
      if (condition === 'amqp:unauthorized-access' && /authenticat/i.test(description)) return ownText('status.authRefused', 'authentication refused: check AccessKey/secret');
      if (condition === 'amqp:not-found') return ownText('status.queueNotFound', 'queue not found: check the queue name', { queue });
      if (condition === 'amqp:unauthorized-access') return ownText('status.queueRefused', 'queue refused: it belongs to another AccessKey', { queue });
      return `${condition}${description ? `: ${description}` : ''}`;
    }

    function handle(context: EventContext): void {
      const delivery = context.delivery as Delivery;
      const message = context.message;
      if (!message) return;
      const parsed = parseEvent(message.body);
      if ('problem' in parsed) {
        // Accepted all the same: refused or released, it would come back for ever.
        const line = ownText('errors.badMessage', `BAD_RESPONSE: ${parsed.problem}`, { problem: parsed.problem });
        // Only the start of it for the Catch node: the body may be the oversized or too deep one refused.
        const preview = bodyText(message.body)?.slice(0, 1024);
        node.error(new Failure(line.startsWith('BAD_RESPONSE') ? line : `BAD_RESPONSE: ${line}`, 'BAD_RESPONSE'), { payload: preview, topic: '' });
        delivery.accept();
        return;
      }
      const event = parsed.event;
      const id = messageId(event, message.message_id);
      if (id && seen.has(id)) {
        delivery.accept();
        return;
      }
      if (passes(filter, event)) {
        const msg: NodeMessage = { topic: `${String(event.productKey)}/${String(event.deviceKey)}/${event.type}`, payload: event };
        node.send(msg);
      }
      if (id) seen.add(id);
      delivery.accept();
    }

    function connect(): void {
      if (closing) return;
      status({ fill: 'yellow', shape: 'ring', text: ownText('status.connecting', 'connecting') });
      const login = amqpLogin(accessKey, accessSecret);
      const options: Record<string, unknown> = {
        transport: 'tls',
        host: target!.host,
        port: target!.port,
        username: login.username,
        password: login.password,
        reconnect: false,
        idle_time_out: IDLE_TIME_OUT_MS,
        // Server name for TLS: the host, unless it is an address (SNI takes names only).
        servername: /^[\d.]+$|:/.test(target!.host) ? '' : target!.host,
        ...(target!.vhost ? { hostname: `vhost:${target!.vhost}` } : {}),
      };
      if (tlsNode) tlsNode.addTLSOptions(options);
      const conn = container.connect(options as unknown as ConnectionOptions);
      connection = conn;
      refused = undefined;
      problem = undefined;
      const timeoutMs = EVENTS_TIMING.connectTimeoutMs;
      deadline = setTimeout(() => {
        if (conn !== connection) return;
        const seconds = Math.round(timeoutMs / 100) / 10;
        problem = ownText('status.noAnswer', `no answer from the broker within ${seconds} s`, { seconds });
        // Whatever stage it is in (TCP, TLS, SASL, open, attach), the socket goes: nothing of it is kept.
        (conn as unknown as { socket?: { destroy(): void } }).socket?.destroy();
        lost(conn);
      }, timeoutMs);
      conn.on('connection_error', (context: EventContext) => {
        const { condition, description } = errorText((context as { error?: unknown }).error ?? context.connection.error);
        if (REFUSALS.has(condition)) refused = refusal(condition, description);
      });
      conn.on('connection_close', () => lost(conn));
      conn.on('disconnected', () => lost(conn));
      conn.on('error', () => undefined);
      conn.on('connection_open', () => {
        const link = conn.open_receiver({ source: { address: queue }, autoaccept: false, credit_window: PREFETCH });
        receiver = link;
        link.on('receiver_open', () => {
          if (conn !== connection) return;
          clearTimeout(deadline);
          deadline = undefined;
          // Not at once: a broker that attaches and detaches straight away would otherwise be retried every second.
          stable = setTimeout(() => backoff.reset(), EVENTS_TIMING.stableMs);
          status({ fill: 'green', shape: 'dot', text: ownText('status.connected', 'connected') });
        });
        link.on('receiver_error', (context: EventContext) => {
          const { condition, description } = errorText(context.receiver?.error);
          refused = REFUSALS.has(condition) ? refusal(condition, description) : undefined;
        });
        link.on('receiver_close', () => {
          if (conn !== connection || closing) return;
          // A link the broker closed (a refused or deleted queue): start over on a new connection.
          conn.close();
          lost(conn);
        });
        link.on('message', (context: EventContext) => {
          try {
            handle(context);
          } catch (err) {
            // A failure in the flow's own code must not leave the delivery unsettled.
            node.error(err);
            context.delivery?.release({ delivery_failed: true });
          }
        });
      });
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      clearTimers();
      clearLinkTimers();
      const conn = connection;
      connection = undefined;
      if (!conn) {
        status({});
        return done();
      }
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        clearTimeout(force);
        quiet(conn);
        status({});
        done();
      };
      // Unaccepted deliveries go back to the queue when the link closes: the next deploy gets them.
      const force = setTimeout(() => {
        (conn as unknown as { socket?: { destroy(): void } }).socket?.destroy();
        finish();
      }, CLOSE_WAIT_MS);
      conn.on('connection_close', finish);
      conn.on('disconnected', finish);
      try {
        receiver?.close();
        conn.close();
      } catch {
        finish();
      }
    });

    connect();
  }

  RED.nodes.registerType('quectel-events', QuectelEvents);
};
