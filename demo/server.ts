/**
 * `npm run demo`: the okID sandbox, an operator site that uses the okid proxy, and a page with
 * <okid-verify>. Prints the URLs, including the LAN ones a phone on the same network can open.
 */
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { startSandbox } from '../src/sandbox/index.js';
import { freePort, startOperatorServer } from './operator-server.js';

const API_KEY = 'sk_sandbox_demo';
// Listening on every interface lets a phone on the LAN reach the demo; OKID_DEMO_HOST=127.0.0.1 keeps it local.
const HOST = process.env.OKID_DEMO_HOST ?? '0.0.0.0';


const lanAddress =
  HOST === '0.0.0.0'
    ? Object.values(networkInterfaces())
        .flat()
        .find((address) => address && address.family === 'IPv4' && !address.internal)?.address
    : undefined;

// Each run signs its webhooks with a fresh secret that only these two processes know.
const WEBHOOK_SECRET = randomBytes(24).toString('base64url');

const sandboxPort = await freePort(Number(process.env.OKID_SANDBOX_PORT ?? 8790), HOST);
const operatorPort = await freePort(Number(process.env.OKID_DEMO_PORT ?? 3000), HOST);
// The QR code must open on a phone, so it points at the LAN address when there is one.
const frontendUrl = lanAddress ? `http://${lanAddress}:${sandboxPort}` : undefined;
const sandbox = await startSandbox({
  port: sandboxPort,
  host: HOST,
  apiKey: API_KEY,
  frontendUrl,
  // Status reaches the page the moment it changes: okID's webhook → the proxy → the event stream.
  webhookUrl: `http://127.0.0.1:${operatorPort}/okid/webhooks`,
  webhookSecret: WEBHOOK_SECRET,
});
const operator = await startOperatorServer({
  okidUrl: sandbox.url,
  apiKey: API_KEY,
  webhookSecret: WEBHOOK_SECRET,
  frontendUrl,
  port: operatorPort,
  host: HOST,
});

console.log(`
okid-verify demo
  Operator page:  http://localhost:${operatorPort}/
  Phone (LAN):    ${lanAddress ? `http://${lanAddress}:${operatorPort}/` : '(none: no LAN address, or OKID_DEMO_HOST is set)'}
  okID sandbox:   ${sandbox.url}   (API key ${API_KEY})
  QR codes open:  ${frontendUrl ?? sandbox.url}/verify?verification_id=…

Open the operator page on this computer and start a verification. Scan the QR code with a phone
on the same network, or press "Simulate the phone" on the page. Ctrl+C stops everything.
`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void Promise.all([operator.close(), sandbox.close()]).then(() => process.exit(0));
  });
}
