/**
 * `npm run demo`: the okID sandbox, an operator site that uses the okid proxy, and a page with
 * <okid-verify>. Prints the URLs, a QR code of the page for a phone on the same network, and
 * what that phone will show about the demo's certificate.
 */
import QRCode from 'qrcode';
import { certificateAdvice, lanAddresses } from '../src/sandbox/certificate.js';
import { DEMO_API_KEY, DEMO_PROVIDERS, startDemo } from './start-demo.js';
import type { DemoProvider } from './start-demo.js';

// Listening on every interface lets a phone on the LAN reach the demo; OKID_DEMO_HOST=127.0.0.1 keeps it local.
const HOST = process.env.OKID_DEMO_HOST ?? '0.0.0.0';
// The name or address a phone uses to reach this computer: OKID_DEMO_PUBLIC_HOST (say, mypc.local), else the LAN address.
const publicHost = process.env.OKID_DEMO_PUBLIC_HOST || (HOST === '0.0.0.0' ? lanAddresses()[0] : undefined);

// OKID_DEMO_CAPTURE_API=0: the sandbox acts as okID does today, and phones get okID's hosted flow.
const captureApi = !/^(0|false|off|no)$/i.test(process.env.OKID_DEMO_CAPTURE_API?.trim() ?? '');

/** A port from the environment, or the default; anything else stops the demo with one line. */
function port(name: string, fallback: number): number {
  const value = process.env[name]?.trim() || String(fallback);
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) stop(`${name} must be a port number from 0 to 65535, got "${value}"`);
  return Number(value);
}

function stop(message: string): never {
  console.error(`demo: ${message}`);
  process.exit(2);
}

if (publicHost !== undefined && !/^(\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:.]+|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$/.test(publicHost)) {
  stop(`OKID_DEMO_PUBLIC_HOST must be a host name or an IP address, without scheme, port or path; got "${publicHost}"`);
}

// OKID_DEMO_PROVIDER=ooto|uqudo: OOTO-AI or uqudo behind the same element (the sandbox emulates that vendor).
const provider = (process.env.OKID_DEMO_PROVIDER?.trim() || 'okid') as DemoProvider;
if (!DEMO_PROVIDERS.includes(provider)) stop(`OKID_DEMO_PROVIDER must be ${DEMO_PROVIDERS.join(', ')}; got "${provider}"`);

let demo;
try {
  demo = await startDemo({
    provider,
    host: HOST,
    publicHost,
    sandboxPort: port('OKID_SANDBOX_PORT', 8790),
    operatorPort: port('OKID_DEMO_PORT', 3000),
    captureApi,
  });
} catch (error) {
  // A certificate that cannot be used, or an address this computer cannot listen on: one line, no stack.
  stop(error instanceof Error ? error.message : String(error));
}

const lines = [
  '',
  'okid-verify demo',
  `  Operator page:  ${demo.localUrl}`,
  `  Phone (LAN):    ${demo.phoneUrl ?? '(none: no LAN address, or OKID_DEMO_HOST is set)'}`,
  // The key is shown here only: beyond loopback it is made for this run and no page carries it.
  ...(demo.provider === 'okid'
    ? [
        `  okID sandbox:   ${demo.sandbox.url}   (API key ${demo.apiKey}${demo.apiKey === DEMO_API_KEY ? '' : ', made for this run'})`,
        `  QR codes open:  ${demo.frontendUrl}/verify?verification_id=…`,
        `  Capture API:    ${captureApi ? 'on (phones run the embedded flow; OKID_DEMO_CAPTURE_API=0 acts as okID does today)' : 'off, as okID today: phones on the operator page get the hosted flow'}`,
      ]
    : [
        `  ${demo.provider === 'ooto' ? 'OOTO-AI' : 'uqudo'} sandbox: ${demo.sandbox.url}   (key ${demo.apiKey}${demo.apiKey === DEMO_API_KEY ? '' : ', made for this run'})`,
        `  QR codes open:  ${demo.frontendUrl}/${demo.provider === 'ooto' ? 'flow' : 'reader'}/…   (press the page's buttons to play the phone)`,
      ]),
  '',
  'Open the operator page on this computer and start a verification. Scan the QR code with a phone',
  'on the same network, or press "Simulate the phone" on the page. Ctrl+C stops everything.',
];
if (demo.phoneUrl) {
  lines.push('');
  if (demo.certificate) lines.push(...certificateAdvice(demo.certificate));
  else lines.push('Plain http on the LAN (OKID_DEMO_HTTPS=0): the phone will not give the page its camera.');
  lines.push('', `To open ${demo.phoneUrl} on the phone, scan this:`, await QRCode.toString(demo.phoneUrl, { type: 'terminal', small: true }));
}
console.log(lines.join('\n'));

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void demo.close().then(() => process.exit(0));
  });
}
