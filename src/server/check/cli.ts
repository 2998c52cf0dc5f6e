/**
 * The `okid-verify` command (bin/okid-verify.js calls `main`); its one subcommand is `check`, the
 * live check for going live. Flags are parsed with `node:util` parseArgs; the key comes from
 * `OKID_API_KEY` only (an argument would stay in the shell's history and in `ps`). Every line
 * printed passes through one redaction of the key and the webhook secret. Exit code 0 only when
 * every call answered and parsed (and, with `--webhook-port`, a delivery was accepted); 1 when
 * something did not; 2 for bad usage.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { errorMessage } from '../../core/error-message.js';
import { DEFAULT_BASE_URL, DEFAULT_V1_BASE_URL } from '../okid/transport.js';
import { runCalls } from './run-check.js';
import { listenForWebhook } from './webhook-listener.js';
import type { WebhookListener } from './webhook-listener.js';

export const USAGE = `Usage: OKID_API_KEY=… okid-verify check [options]

Checks your okID account before going live: creates a verification, reads its details and its
QR code (with --v1 also a v1 token and its record) and prints, per call, okID's HTTP status, the
status word and fields it sent, whether okid-verify reads them, and what to set in
createOkidProxy where your okID differs from the defaults. The key is read from OKID_API_KEY
only, never from an argument, and is never printed.

Options:
  --base-url URL       okID v2 host (default ${DEFAULT_BASE_URL}; staging:
                       https://verify.stage.okid.io)
  --v1-base-url URL    okID v1 host (default ${DEFAULT_V1_BASE_URL})
  --v1                 also create and read a v1 process token
  --timeout-ms N       how long one call may take (default 10000)
  --webhook-port N     listen there for one webhook delivery and name the signature reading
                       that matched (needs OKID_WEBHOOK_SECRET; 0 = any free port)
  --webhook-host HOST  interface to listen on (default 0.0.0.0)
  --webhook-wait-s N   how long to wait for the delivery (default 300)
  --help               show this help

Exit code: 0 when everything answered and parsed, 1 when something did not, 2 for bad usage.`;

/** Where the command writes and what it reads; tests pass their own. */
export interface CheckIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
}

const defaultIo = (): CheckIo => ({
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
});

/** `text` with every secret replaced, so no line can carry one (also not inside a fetch error). */
const redactor =
  (secrets: readonly string[]) =>
  (text: string): string =>
    secrets.filter((s) => s.length >= 4).reduce((t, s) => t.split(s).join('[redacted]'), text);

const httpUrl = (name: string, value: string): string => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${name} must be an absolute http(s) URL, like "https://verify.stage.okid.io".`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`${name} must be an http(s) URL.`);
  if (url.username !== '' || url.password !== '') throw new UsageError(`${name} must not hold a user name or password.`);
  return url.href.replace(/\/+$/, '');
};

const integer = (name: string, value: string | undefined, fallback: number, min: number, max: number): number => {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}.`);
  return Number(value);
};

class UsageError extends Error {}

/** Runs `okid-verify <argv>`; resolves the exit code. Never throws. */
export async function main(argv: readonly string[], io: CheckIo = defaultIo()): Promise<number> {
  const apiKey = io.env.OKID_API_KEY ?? '';
  const secret = io.env.OKID_WEBHOOK_SECRET ?? '';
  const redact = redactor([apiKey, secret]);
  const say = (line: string) => io.out(redact(line));
  const warn = (line: string) => io.err(redact(line));
  let listener: WebhookListener | undefined;
  try {
    // A key given as an argument is refused without echoing it (it is already in the history).
    if (argv.some((a) => /^--?(api[-_]?key|key|secret|webhook[-_]secret)(=|$)/i.test(a))) {
      throw new UsageError('the API key and the webhook secret are read from OKID_API_KEY and OKID_WEBHOOK_SECRET only, never from an argument.');
    }
    const [command, ...rest] = argv;
    if (command === '--help' || command === '-h' || command === undefined) {
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command !== 'check') throw new UsageError(`unknown command ${JSON.stringify(command.slice(0, 40))}; the one command is "check".`);
    let values;
    try {
      ({ values } = parseArgs({
        args: [...rest],
        strict: true,
        allowPositionals: false,
        options: {
          'base-url': { type: 'string' },
          'v1-base-url': { type: 'string' },
          v1: { type: 'boolean' },
          'timeout-ms': { type: 'string' },
          'webhook-port': { type: 'string' },
          'webhook-host': { type: 'string' },
          'webhook-wait-s': { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      }));
    } catch (error) {
      throw new UsageError(errorMessage(error).split('\n')[0] ?? 'bad arguments');
    }
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    if (apiKey.trim() === '') throw new UsageError('set OKID_API_KEY to your okID API key (staging first).');
    const baseUrl = httpUrl('--base-url', values['base-url'] ?? DEFAULT_BASE_URL);
    const v1BaseUrl = httpUrl('--v1-base-url', values['v1-base-url'] ?? DEFAULT_V1_BASE_URL);
    const timeoutMs = integer('--timeout-ms', values['timeout-ms'], 10_000, 1, 600_000);
    const webhookPort = values['webhook-port'] === undefined ? undefined : integer('--webhook-port', values['webhook-port'], 0, 0, 65_535);
    const waitS = integer('--webhook-wait-s', values['webhook-wait-s'], 300, 1, 3600);
    if (webhookPort !== undefined && secret === '') throw new UsageError('--webhook-port needs OKID_WEBHOOK_SECRET, the webhook secret okID signs with.');

    say(`okid-verify check: v2 ${baseUrl}${values.v1 ? `, v1 ${v1BaseUrl}` : ''} (timeout ${timeoutMs} ms per call)`);
    if (webhookPort !== undefined) {
      listener = await listenForWebhook({ host: values['webhook-host'] ?? '0.0.0.0', port: webhookPort, secret, say }).catch((error: unknown) => {
        throw new UsageError(`cannot listen for webhooks: ${errorMessage(error)}`);
      });
      say(`webhook: listening on ${listener.url} for one delivery (up to ${waitS} s); point okID's webhook URL there`);
    }

    const advice = new Map<string, string>();
    const callsOk = await runCalls({
      apiKey,
      baseUrl,
      v1BaseUrl,
      v1: values.v1 === true,
      timeoutMs,
      say,
      advise: (option, why) => advice.set(option, why),
    });

    let webhookOk = true;
    if (listener) {
      say('webhook: waiting; a verification that changes status (open its portal on a phone) makes okID send one');
      const scheme = await listener.wait(waitS * 1000);
      if (scheme === undefined) {
        webhookOk = false;
        say(`FAIL  webhook: no delivery accepted within ${waitS} s`);
      } else {
        advice.set(`webhookScheme: '${scheme}'`, 'the reading okID signed with; pin it');
      }
    }

    if (advice.size > 0) {
      say('Set in createOkidProxy (docs/going-live.md):');
      for (const [option, why] of advice) say(`  ${option}  — ${why}`);
    }
    const ok = callsOk && webhookOk;
    say(ok ? 'okid-verify check: everything answered and parsed.' : 'okid-verify check: NOT ready — see the FAIL lines above.');
    return ok ? 0 : 1;
  } catch (error) {
    if (error instanceof UsageError) {
      warn(`okid-verify: ${error.message} (okid-verify --help)`);
      return 2;
    }
    warn(`okid-verify: unexpected error: ${errorMessage(error).split('\n')[0]}`);
    return 1;
  } finally {
    await listener?.close();
  }
}
