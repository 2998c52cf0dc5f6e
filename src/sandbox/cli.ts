/**
 * The `okid-sandbox` command (bin/okid-sandbox.js calls `main`). Parses flags with
 * `node:util` parseArgs, starts the sandbox, prints where it listens and stops cleanly on
 * SIGINT/SIGTERM. Bad flags print one readable line and a pointer to --help, with exit code 2.
 */
import { parseArgs } from 'node:util';
import { startSandbox, type Sandbox, type SandboxOptions } from './index.js';

export const USAGE = `Usage: okid-sandbox [options]

A local okID API emulator (v2client, v1, capture API, signed webhooks).

Options:
  --port N                 port to listen on (default 8790; 0 = any free port)
  --host HOST              interface to listen on (default 127.0.0.1)
  --api-key KEY            accepted X-SDK-Key; repeat for several (default sk_sandbox_demo)
  --webhook-url URL        where signed webhooks go (needs --webhook-secret)
  --webhook-secret SECRET  HMAC secret of X-okID-Signature
  --processing-delay-ms N  how long 'processing' lasts before the outcome (default 1500)
  --ttl-seconds N          verification lifetime (default 1800)
  --frontend-url URL       base of verification URLs and QR codes (default: the sandbox URL)
  --help                   show this help

Outcomes: set extra_data.sandbox_outcome (v1: metadata.sandbox_outcome) to
verified, manual_review or rejected when generating a verification.`;

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
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

/** Turns argv into sandbox options, or undefined for --help; throws UsageError for mistakes. */
export function parseCliArgs(argv: string[]): SandboxOptions | undefined {
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
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    // parseArgs messages are already readable ("Unknown option '--prot'…"); drop the stack.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return undefined;
  const keys = values['api-key'];
  if (keys?.some((key) => key.trim() === '' || key.trim() !== key)) {
    throw new UsageError('--api-key must be non-empty, without surrounding spaces');
  }
  if (values['webhook-url'] && !values['webhook-secret']) {
    throw new UsageError('--webhook-url needs --webhook-secret (webhooks are always signed)');
  }
  if (values.host !== undefined && values.host.trim() === '') throw new UsageError('--host must not be empty');
  const options: SandboxOptions = {
    port: integer(values.port, '--port', 0, 65535),
    host: values.host,
    apiKey: keys,
    webhookUrl: httpUrl(values['webhook-url'], '--webhook-url'),
    webhookSecret: values['webhook-secret'],
    processingDelayMs: integer(values['processing-delay-ms'], '--processing-delay-ms', 0, 3_600_000),
    ttlSeconds: integer(values['ttl-seconds'], '--ttl-seconds', 1, 31_536_000),
    frontendUrl: httpUrl(values['frontend-url'], '--frontend-url'),
  };
  // Drop unset fields so startSandbox applies its defaults.
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as SandboxOptions;
}

/**
 * Runs the CLI. Resolves with the running sandbox, or undefined after `--help` or a flag mistake
 * (then `process.exitCode` is 2). A failure to start (port in use) rejects with a readable message.
 */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<Sandbox | undefined> {
  let options: SandboxOptions | undefined;
  try {
    options = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`okid-sandbox: ${error.message}`);
    io.err('Run okid-sandbox --help for the options.');
    process.exitCode = 2;
    return undefined;
  }
  if (!options) {
    io.out(USAGE);
    return undefined;
  }
  const keys = [options.apiKey ?? 'sk_sandbox_demo'].flat();
  const sandbox = await startSandbox({ ...options, log: (line) => io.out(line) });
  io.out(`okID sandbox listening on ${sandbox.url}`);
  io.out(`API key${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}`);
  if (options.webhookUrl) io.out(`Webhooks: ${options.webhookUrl} (signed)`);
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
