/**
 * The `okid-sandbox` command (bin/okid-sandbox.js calls `main`). Parses flags with
 * `node:util` parseArgs, starts the sandbox, prints where it listens and stops cleanly on
 * SIGINT/SIGTERM. Bad flags print one readable line and a pointer to --help, with exit code 2.
 */
import { parseArgs } from 'node:util';
import { SANDBOX_DEMO_API_KEY, startSandbox, type Sandbox, type SandboxOptions } from './index.js';
import { CertificateError, certificateAdvice, isLoopbackHost, lanAddresses, lanCertificate, lanHttpsEnabled } from './certificate.js';
import { freePort } from './web-server.js';
import { errorMessage } from '../core/error-message.js';
import type { FlowStep } from '../core/capture-api.js';
import { parseFlow } from './flow-options.js';
import { parseOperator, type Operator } from './operator.js';

export const USAGE = `Usage: okid-sandbox [options]

A local okID API emulator (v2client, v1, capture API, signed webhooks), or with --provider
one of two other vendors emulated from their documents.

Options:
  --provider NAME          okid (default), ooto (OOTO-AI's Verification Link: sessions API,
                           hosted flow page, callback) or uqudo (uqudo's QR Code App: session
                           API, WebSocket server, reader endpoints, a reader-app page)
  --app-id ID              with --provider ooto: the accepted APP-ID (default app_sandbox);
                           --api-key is then the APP-KEY, and for uqudo the bearer token
  --port N                 port to listen on (default 8790; 0 = any free port)
  --host HOST              interface to listen on (default 127.0.0.1)
  --api-key KEY            accepted X-SDK-Key; repeat for several (default sk_sandbox_demo on
                           loopback; beyond it a random key made for this run)
  --webhook-url URL        where signed webhooks go (needs --webhook-secret)
  --webhook-secret SECRET  HMAC secret of X-okID-Signature
  --processing-delay-ms N  how long 'processing' lasts before the outcome (default 1500)
  --ttl-seconds N          verification lifetime (default 1800; ooto 86400)
  --frontend-url URL       base of verification URLs and QR codes (default: the sandbox URL,
                           or its https:// LAN address with --host 0.0.0.0)
  --https-cert FILE        with --https-key: your own certificate for the LAN (e.g. from mkcert)
  --https-key FILE         its private key (PEM)
  --no-https               plain http on the LAN too (phones then refuse the camera)
  --flow STEPS             the steps of every verification, comma-separated, any of
                           terms,document,liveness,form_data (default terms,document,liveness)
  --operator-name NAME      with --operator-url: who the phone's first screen says asked for
                           the verification (the operator's name, e.g. "Acme Rentals")
  --operator-url URL       the operator's web address, shown beside its name
  --max-connections N      connections open at once (default 100); stalled ones are closed
                           after Node's usual timeouts (headers 60 s, keep-alive 5 s)
  --no-capture-api         act as okID does today: the capture API answers only the sandbox's
                           own /verify page (okID's hosted portal), 404 to other origins
  --dialect NAME           sandbox (default) or documented: answer only with what okID's
                           documents show (v1 on its own origin, status "completed", the
                           documents' words and fields, webhooks signed as HMAC of the body)
  --v1-port N              serve okID v1 (/v1/verification/...) on its own origin, this port
                           (0 = any free port; default: the main port, or any with documented)
  --help                   show this help

On a non-loopback --host (0.0.0.0 lets a phone on the same network in), anyone on that
network can reach the sandbox too: it then makes a random API key for the run (printed here
only), refuses a callback_url other than --webhook-url, and caps the bytes it holds. The port
also serves HTTPS, with a self-signed certificate kept in ~/.cache/okid-verify: a phone's
browser gives the camera only to secure pages. The environment variables OKID_DEMO_HTTPS=0,
OKID_DEMO_CERT and OKID_DEMO_KEY do the same as the three flags, as for npm run demo.

With --provider ooto or uqudo, the okID-only flags (--webhook-secret, --processing-delay-ms,
--flow, --operator-*, --no-capture-api, --dialect, --v1-port) are refused; --webhook-url is
then, beyond loopback, where OOTO callbackUrls must point (it or a path beneath). Outcomes:
metadata.sandbox_outcome DONE (default) or FAILED.

Outcomes: set extra_data.sandbox_outcome (v1: metadata.sandbox_outcome) to
verified, manual_review or rejected when generating a verification.
Steps: extra_data.sandbox_flow (a list, or "document,form_data") picks one verification's steps.`;

/** What the first line calls the sandbox, per provider. */
const VENDOR_NAMES: Record<Sandbox['provider'], string> = { okid: 'okID', ooto: 'OOTO-AI', uqudo: 'uqudo' };

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Where `OKID_DEMO_HTTPS`, `OKID_DEMO_CERT` and `OKID_DEMO_KEY` are read; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Install SIGINT/SIGTERM handlers that close the sandbox (default true). */
  handleSignals?: boolean;
}

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** A flag mistake: reported as one line, exit code 2, no stack trace. */
class UsageError extends Error {}

function integer(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return Number(value);
}

function httpUrl(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(`${flag} must be an http(s) URL, got "${value}"`);
  }
  return value;
}

function flowSteps(value: string | undefined): FlowStep[] | undefined {
  if (value === undefined) return undefined;
  const parsed = parseFlow(value);
  if ('reason' in parsed) throw new UsageError(`--flow ${parsed.reason}, got "${value}"`);
  return parsed.steps;
}

function operatorOption(name: string | undefined, url: string | undefined): Operator | undefined {
  if (name === undefined || url === undefined) return undefined;
  const parsed = parseOperator({ name, url });
  if ('reason' in parsed) throw new UsageError(`--operator-${parsed.reason.startsWith('url') ? 'url' : 'name'}: ${parsed.reason}`);
  return parsed.operator;
}

/** Sandbox options plus the CLI's own HTTPS flags. */
export interface CliOptions extends SandboxOptions {
  httpsCert?: string;
  httpsKey?: string;
  noHttps?: boolean;
}

/** Turns argv into sandbox options, or undefined for --help; throws UsageError for mistakes. */
export function parseCliArgs(argv: string[]): CliOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'api-key': { type: 'string', multiple: true },
        'webhook-url': { type: 'string' },
        'webhook-secret': { type: 'string' },
        'processing-delay-ms': { type: 'string' },
        'ttl-seconds': { type: 'string' },
        'frontend-url': { type: 'string' },
        'https-cert': { type: 'string' },
        'https-key': { type: 'string' },
        'no-https': { type: 'boolean' },
        'no-capture-api': { type: 'boolean' },
        flow: { type: 'string' },
        'operator-name': { type: 'string' },
        'operator-url': { type: 'string' },
        'max-connections': { type: 'string' },
        dialect: { type: 'string' },
        'v1-port': { type: 'string' },
        provider: { type: 'string' },
        'app-id': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    // parseArgs messages are already readable ("Unknown option '--prot'…"); drop the stack.
    throw new UsageError(errorMessage(error));
  }
  if (values.help) return undefined;
  const keys = values['api-key'];
  if (keys?.some((key) => key.trim() === '' || key.trim() !== key)) {
    throw new UsageError('--api-key must be non-empty, without surrounding spaces');
  }
  const provider = values.provider;
  if (provider !== undefined && provider !== 'okid' && provider !== 'ooto' && provider !== 'uqudo') {
    throw new UsageError(`--provider must be okid, ooto or uqudo, not ${JSON.stringify(provider.slice(0, 40))}`);
  }
  const vendor = provider === 'ooto' || provider === 'uqudo';
  if (values['app-id'] !== undefined && provider !== 'ooto') throw new UsageError('--app-id is OOTO\'s APP-ID: it needs --provider ooto');
  if (values['app-id'] !== undefined && !/^[\x21-\x7e]{1,200}$/.test(values['app-id'])) throw new UsageError('--app-id must be 1 to 200 visible ASCII characters');
  if (vendor) {
    const okidOnly = ['webhook-secret', 'processing-delay-ms', 'flow', 'operator-name', 'operator-url', 'no-capture-api', 'dialect', 'v1-port'] as const;
    const given = okidOnly.find((flag) => values[flag] !== undefined);
    if (given) throw new UsageError(`--${given} is an okID flag; --provider ${provider} does not take it`);
    if (provider === 'uqudo' && values['webhook-url'] !== undefined) throw new UsageError("--webhook-url is OOTO's callback URL; uqudo's document has no callback");
  }
  if (!vendor && values['webhook-url'] && !values['webhook-secret']) {
    throw new UsageError('--webhook-url needs --webhook-secret (webhooks are always signed)');
  }
  if (values.host !== undefined && values.host.trim() === '') throw new UsageError('--host must not be empty');
  if (values.host !== undefined && !isLoopbackHost(values.host) && keys?.includes(SANDBOX_DEMO_API_KEY)) {
    throw new UsageError(`--api-key ${SANDBOX_DEMO_API_KEY} is public and --host ${values.host} is reachable from the network: leave --api-key out for a random key, or pass a secret of your own`);
  }
  if (Boolean(values['https-cert']) !== Boolean(values['https-key'])) throw new UsageError('--https-cert and --https-key go together');
  if (values['no-https'] && values['https-cert']) throw new UsageError('--no-https and --https-cert contradict each other');
  if ((values['operator-name'] === undefined) !== (values['operator-url'] === undefined)) {
    throw new UsageError('--operator-name and --operator-url go together');
  }
  if (values.dialect !== undefined && values.dialect !== 'sandbox' && values.dialect !== 'documented') {
    throw new UsageError(`--dialect must be sandbox or documented, not ${JSON.stringify(values.dialect.slice(0, 40))}`);
  }
  const options: CliOptions = {
    port: integer(values.port, '--port', 0, 65535),
    host: values.host,
    apiKey: keys,
    webhookUrl: httpUrl(values['webhook-url'], '--webhook-url'),
    webhookSecret: values['webhook-secret'],
    processingDelayMs: integer(values['processing-delay-ms'], '--processing-delay-ms', 0, 3_600_000),
    ttlSeconds: integer(values['ttl-seconds'], '--ttl-seconds', 1, 31_536_000),
    frontendUrl: httpUrl(values['frontend-url'], '--frontend-url'),
    captureApi: values['no-capture-api'] ? false : undefined,
    flow: flowSteps(values.flow),
    operator: operatorOption(values['operator-name'], values['operator-url']),
    connectionLimits: values['max-connections'] === undefined ? undefined : { maxConnections: integer(values['max-connections'], '--max-connections', 1, 100_000) },
    httpsCert: values['https-cert'],
    httpsKey: values['https-key'],
    noHttps: values['no-https'],
    dialect: values.dialect as 'sandbox' | 'documented' | undefined,
    v1Port: integer(values['v1-port'], '--v1-port', 0, 65535),
    provider: provider as CliOptions['provider'],
    appId: values['app-id'],
  };
  // Drop unset fields so startSandbox applies its defaults.
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as CliOptions;
}

/**
 * Runs the CLI. Resolves with the running sandbox, or undefined after `--help` or a flag mistake
 * (then `process.exitCode` is 2). A failure to start (port in use) rejects with a readable message.
 */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<Sandbox | undefined> {
  let options: CliOptions | undefined;
  let lan: LanServing | undefined;
  try {
    options = parseCliArgs(argv);
    if (options) lan = await lanServing(options, io.env ?? process.env);
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof CertificateError)) throw error;
    io.err(`okid-sandbox: ${error.message}`);
    io.err('Run okid-sandbox --help for the options.');
    process.exitCode = 2;
    return undefined;
  }
  if (!options) {
    io.out(USAGE);
    return undefined;
  }
  const { httpsCert: _cert, httpsKey: _key, noHttps: _noHttps, ...sandboxOptions } = options;
  const sandbox = await startSandbox({ ...sandboxOptions, ...lan?.options, log: (line) => io.out(line) });
  const keys = options.apiKey === undefined ? [sandbox.apiKey] : [options.apiKey].flat();
  io.out(`${VENDOR_NAMES[sandbox.provider]} sandbox listening on ${sandbox.url}`);
  if (sandbox.appId !== undefined) io.out(`APP-ID: ${sandbox.appId}`);
  if (sandbox.v1Url !== sandbox.url) io.out(`okID v1 (/v1/verification/...) on its own origin: ${sandbox.v1Url}`);
  if (options.dialect === 'documented') io.out("Dialect: documented (only what okID's documents show)");
  for (const line of lan?.lines ?? []) io.out(line);
  // This terminal is the only place the key is shown; no page of the sandbox carries it.
  const madeForRun = options.apiKey === undefined && lan !== undefined;
  const keyName = sandbox.provider === 'ooto' ? 'APP-KEY' : sandbox.provider === 'uqudo' ? 'Bearer token' : 'API key';
  io.out(`${keyName}${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}${madeForRun ? ' (made for this run: the network can reach this sandbox)' : ''}`);
  if (options.webhookUrl) io.out(sandbox.provider === 'ooto' ? `Callbacks beyond loopback: only ${options.webhookUrl} (unsigned, as OOTO-AI)` : `Webhooks: ${options.webhookUrl} (signed)`);
  if (options.operator) io.out(`Operator: ${options.operator.name} (${options.operator.url})`);
  if (options.captureApi === false) io.out('Capture API: only for the sandbox\'s own /verify page, as okID today (phones get the hosted flow)');
  io.out('Stop with Ctrl+C.');

  if (io.handleSignals ?? true) {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.out(`${signal}: stopping`);
      void sandbox.close().then(() => {
        process.exitCode = 0;
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }
  return sandbox;
}

/** What serving on a non-loopback address adds: HTTPS, the LAN frontend URL, and what to tell the person. */
interface LanServing {
  options: Pick<SandboxOptions, 'tls' | 'port' | 'frontendUrl'>;
  lines: string[];
}

/**
 * On a loopback host, nothing. Elsewhere, HTTPS on the same port (unless turned off) with the
 * operator's certificate or a cached self-signed one, and QR codes that open the https:// LAN
 * address, since a phone is who will use it.
 */
async function lanServing(options: CliOptions, env: Record<string, string | undefined>): Promise<LanServing | undefined> {
  const host = options.host ?? '127.0.0.1';
  if (isLoopbackHost(host)) {
    if (options.httpsCert) throw new UsageError('--https-cert is for a --host a phone reaches (0.0.0.0 or a LAN address); on loopback plain http is already secure');
    return undefined;
  }
  const wildcard = host === '0.0.0.0' || host === '::';
  const lanHost = wildcard ? lanAddresses()[0] : host;
  // The flags win over the environment: --https-cert means HTTPS even with OKID_DEMO_HTTPS=0 set.
  if (options.noHttps || (!options.httpsCert && !lanHttpsEnabled(env))) {
    return { options: {}, lines: ['Plain http on the local network: a phone will not give this page its camera (https is needed).'] };
  }
  const certificate = await lanCertificate({
    hosts: wildcard ? lanAddresses() : [host],
    env: options.httpsCert ? { ...env, OKID_DEMO_CERT: options.httpsCert, OKID_DEMO_KEY: options.httpsKey } : env,
  });
  // The QR codes must name the port before the server listens.
  const port = options.port === 0 ? await freePort(0, host) : (options.port ?? 8790);
  const lanUrl = lanHost ? `https://${lanHost.includes(':') ? `[${lanHost}]` : lanHost}:${port}` : undefined;
  return {
    options: { tls: certificate, port, frontendUrl: options.frontendUrl ?? lanUrl },
    lines: [...(lanUrl ? [`On the local network: ${lanUrl}`] : []), ...certificateAdvice(certificate)],
  };
}
