#!/usr/bin/env node
// Runs the simulator on its own, for trying the nodes without a vendor account:
//   PORT=8990 node dist/simulator/cli.js   (installed: iot-openapi-simulator)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO, DEMO_QUEUE, startSimulator } from './index';

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8990);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${process.env.PORT}`);
  const amqpPort = Number(process.env.AMQP_PORT ?? (port === 0 ? 0 : port + 1));
  if (!Number.isInteger(amqpPort) || amqpPort < 0 || amqpPort > 65535) throw new Error(`AMQP_PORT must be a port number, got ${process.env.AMQP_PORT}`);
  const appWsPort = Number(process.env.APP_WS_PORT ?? (port === 0 ? 0 : port + 2));
  if (!Number.isInteger(appWsPort) || appWsPort < 0 || appWsPort > 65535) throw new Error(`APP_WS_PORT must be a port number, got ${process.env.APP_WS_PORT}`);
  // RATE_LIMIT: calls a second each account may make (none by default), to try an account's pacing against.
  const rateLimit = process.env.RATE_LIMIT ? Number(process.env.RATE_LIMIT) : undefined;
  if (rateLimit !== undefined && !(rateLimit > 0)) throw new Error(`RATE_LIMIT must be a positive number, got ${process.env.RATE_LIMIT}`);
  const sim = await startSimulator({ port, host: process.env.HOST ?? '127.0.0.1', fixedSmsCode: true, quiet: false, amqp: { port: amqpPort }, appWs: { port: appWsPort }, rateLimit });
  // The certificate is made at start-up: written where a tls-config node can read it as its CA file.
  const caFile = path.join(os.tmpdir(), 'iot-openapi-simulator-ca.pem');
  fs.writeFileSync(caFile, sim.amqpCa);
  const appWsCaFile = path.join(os.tmpdir(), 'iot-openapi-simulator-app-ws-ca.pem');
  fs.writeFileSync(appWsCaFile, sim.appWsCa);

  const lines = [
    `Vendor API simulator listening on ${sim.url}`,
    '',
    'Base URL per platform (the account\'s baseUrl):',
    `  quectel-app   ${sim.url}`,
    `  quectel-saas  ${sim.url}`,
    `  onbright      ${sim.url}`,
    `  novastar      ${sim.novastarUrl}   (encryption ${sim.novastarEncrypt ? 'on' : 'off'})`,
    '',
    `Rate limit per account: ${rateLimit ? `${rateLimit} calls a second` : 'none (set RATE_LIMIT)'}`,
    '',
    `Quectel SaaS message subscription (AMQPS): ${sim.amqpUrl}, queue ${DEMO_QUEUE}`,
    `  its certificate, made at start-up (a tls-config node's CA file): ${caFile}`,
    `Quectel App WebSocket: ${sim.appWsUrl} (the account's wsUrl)`,
    `  its certificate: ${appWsCaFile}`,
    '',
    'Demo credentials:',
    `  quectel-app   userDomain ${DEMO.quectelApp.userDomain}, userDomainSecret ${DEMO.quectelApp.userDomainSecret}`,
    `                phone ${DEMO.quectelApp.phone} (+${DEMO.quectelApp.internationalCode}) or email ${DEMO.quectelApp.email}, password ${DEMO.quectelApp.password}, SMS code ${DEMO.smsCode}`,
    `  quectel-saas  accessKey ${DEMO.quectelSaas.accessKey}, accessSecret ${DEMO.quectelSaas.accessSecret}`,
    `  onbright      clientId ${DEMO.onbright.clientId}, clientSecret ${DEMO.onbright.clientSecret}, uniqueKey ${DEMO.onbright.uniqueKey} (a second company: ${DEMO.onbright.secondUniqueKey})`,
    `  novastar      pId ${DEMO.novastar.pId}, secretKey ${DEMO.novastar.secretKey}`,
    '',
    'Ctrl+C stops it.',
  ];
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping`);
    sim.close().then(() => process.exit(0), (err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
