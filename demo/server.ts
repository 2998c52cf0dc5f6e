/**
 * `npm run demo`: the okID sandbox, an operator site that uses the okid proxy, and a page with
 * <okid-verify>. Prints the URLs, including the LAN ones a phone on the same network can open.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { startSandbox } from '../src/sandbox/index.js';
import { startOperatorServer } from './operator-server.js';

const API_KEY = 'sk_sandbox_demo';
// Listening on every interface lets a phone on the LAN reach the demo; OKID_DEMO_HOST=127.0.0.1 keeps it local.
const HOST = process.env.OKID_DEMO_HOST ?? '0.0.0.0';

/** `preferred` when it is free, else a port the system picks. */
function freePort(preferred: number): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(freePort(0)));
    probe.listen(preferred, HOST, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

const lanAddress =
  HOST === '0.0.0.0'
    ? Object.values(networkInterfaces())
        .flat()
        .find((address) => address && address.family === 'IPv4' && !address.internal)?.address
    : undefined;

const sandboxPort = await freePort(Number(process.env.OKID_SANDBOX_PORT ?? 8790));
// The QR code must open on a phone, so it points at the LAN address when there is one.
const frontendUrl = lanAddress ? `http://${lanAddress}:${sandboxPort}` : undefined;
const sandbox = await startSandbox({ port: sandboxPort, host: HOST, apiKey: API_KEY, frontendUrl });
const operator = await startOperatorServer({
  okidUrl: sandbox.url,
  apiKey: API_KEY,
  frontendUrl,
  port: await freePort(Number(process.env.OKID_DEMO_PORT ?? 3000)),
  host: HOST,
});

const operatorPort = new URL(operator.url).port;
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
