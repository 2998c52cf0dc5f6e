/**
 * The live check's calls: against the operator's okID, create a verification, read its details
 * and its QR code, and (with `v1`) create and read a v1 token. Each call is reported on one line:
 * okID's HTTP status, the fields and status word it sent, whether the proxy's tolerant reader and
 * the typed client's schema each read it. What to set where okID differs from the defaults is
 * collected for the end. No stack trace and never the key: the caller redacts every line.
 *
 * @module
 */
import { GeneratedTokenSchema, GeneratedVerificationSchema, V1VerificationSchema, V2DetailsSchema } from '../../core/protocol.js';
import { errorMessage } from '../../core/error-message.js';
import { OkidApiError, OkidApiErrorCode } from '../okid/api-error.js';
import { OkidAnswers } from '../okid/answers.js';
import type { OkidApi } from '../okid/answers.js';
import { createClientCore } from '../okid/client.js';
import { DEFAULT_BASE_URL, DEFAULT_V1_BASE_URL } from '../okid/transport.js';
import { STATUS_WORDS, meaningOf, normalizeWord, statusWordsWith } from '../okid/status-words.js';

/** What {@link runCalls} needs. */
export interface CheckOptions {
  apiKey: string;
  baseUrl: string;
  v1BaseUrl: string;
  /** Also create and read a v1 token. */
  v1: boolean;
  /** Milliseconds one call may take. */
  timeoutMs: number;
  /** Where each line goes (already redacted by the caller). */
  say: (line: string) => void;
  /** Advice for the end: `createOkidProxy` options to set, each once. */
  advise: (option: string, why: string) => void;
}

/** One finished call. */
interface CallResult {
  ok: boolean;
}

const OK = 'ok  ';
const FAIL = 'FAIL';
const SKIP = 'skip';

/** What an {@link OkidApiError} (or anything else thrown) means for the operator, in one line. */
export function explain(error: unknown, where: { baseUrl: string; timeoutMs: number }): string {
  if (!(error instanceof OkidApiError)) return `unexpected error: ${errorMessage(error).split('\n')[0]}`;
  const status = error.status === 0 ? 'no answer' : `HTTP ${error.status}`;
  const hint: Partial<Record<string, string>> = {
    [OkidApiErrorCode.InvalidApiKey]: `okID refused the key in OKID_API_KEY: check that it is an active key for ${where.baseUrl}`,
    [OkidApiErrorCode.AccessDenied]: 'okID refused this key for this call: check that OKID_API_KEY belongs to the account that creates verifications',
    [OkidApiErrorCode.ServerError]: 'okID had a server error; try again later, and tell okID if it stays',
    [OkidApiErrorCode.ServerNotConfigured]: "okID's own configuration is incomplete; only okID can fix it",
    [OkidApiErrorCode.BadResponse]: `the answer is not okID's API (an HTML page, another service?): check --base-url / --v1-base-url`,
    [OkidApiErrorCode.Timeout]: `no answer within ${where.timeoutMs} ms (--timeout-ms)`,
    [OkidApiErrorCode.Network]: 'the host could not be reached: check the URL, DNS and the firewall',
    [OkidApiErrorCode.RateLimited]: `okID asked to slow down${error.retryAfter === undefined ? '' : ` (retry after ${error.retryAfter} s)`}`,
  };
  return `${error.code} (${status}): ${error.message.replace(/\.$/, '')}${hint[error.code] ? ` — ${hint[error.code]}` : ''}`;
}

/** Field names of a JSON object, for the report. */
const fieldsOf = (value: unknown): string =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value).join(', ') || '(none)' : '(not an object)';

/** okID's status word in a details answer (an object's `current`, or a plain string). */
function wordOf(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const status = (data as { status?: unknown }).status;
  const word = typeof status === 'object' && status !== null ? ((status as Record<string, unknown>).current ?? (status as Record<string, unknown>).status) : status;
  return typeof word === 'string' ? word : undefined;
}

/**
 * Makes the calls, one line each; resolves `true` when every call answered and parsed. Later
 * calls that need an earlier one's id are reported as skipped when it failed.
 */
export async function runCalls(options: CheckOptions): Promise<boolean> {
  const { say, advise } = options;
  // okID's HTTP statuses, per call (a redirect shows as `307 → 200`), from a wrapper of fetch.
  let statuses: number[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    statuses.push(response.status);
    return response;
  };
  const { client, readV2Text, readV1Text } = createClientCore({
    apiKey: options.apiKey,
    baseUrl: options.baseUrl,
    v1BaseUrl: options.v1BaseUrl,
    timeoutMs: options.timeoutMs,
    // One attempt each: the check reports what okID answered, not what a retry hid.
    retries: 0,
    fetch: recordingFetch,
  });
  const readerNotes: string[] = [];
  const answers = new OkidAnswers(statusWordsWith(undefined), { warn: (m) => readerNotes.push(m), error: (m) => readerNotes.push(m) });
  const where = { baseUrl: options.baseUrl, timeoutMs: options.timeoutMs };

  /** Runs one call and prints its line; `describe` turns its result into the rest of the line. */
  async function call<T>(request: string, run: () => Promise<T>, describe: (value: T) => { ok: boolean; text: string }): Promise<{ value?: T } & CallResult> {
    statuses = [];
    try {
      const value = await run();
      const seen = describe(value);
      say(`${seen.ok ? OK : FAIL}  ${request}  ${statuses.join(' → ') || '-'}  ${seen.text}`);
      return { ok: seen.ok, value };
    } catch (error) {
      say(`${FAIL}  ${request}  ${explain(error, where)}`);
      return { ok: false };
    }
  }

  /** A details answer (text), read by the tolerant reader and the typed schema. */
  const describeDetails = (api: OkidApi, id: string, text: string): { ok: boolean; text: string } => {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return { ok: false, text: 'not JSON: the proxy answers 502 for it — check the base URL' };
    }
    const word = wordOf(data);
    const notes = readerNotes.length;
    let read: string;
    let ok = true;
    try {
      const { snapshot } = answers.read(api, id, text);
      read = `read as status ${snapshot.status}${snapshot.outcome ? ` (${snapshot.outcome})` : ''}${snapshot.vendorStatus ? `, vendorStatus ${JSON.stringify(snapshot.vendorStatus)}` : ''}`;
    } catch {
      ok = false;
      read = `NOT read by the proxy (${readerNotes.slice(notes).join(' ') || 'unreadable'})`;
    }
    const known = word !== undefined && meaningOf(statusWordsWith(undefined), word) !== undefined;
    if (word !== undefined && !known) {
      advise(
        `statusWords: { ${normalizeWord(word)}: '…' }`,
        `okID ${api} said the status word ${JSON.stringify(word)}, which the table does not know; if it is final, map it to one of: ${Object.keys(STATUS_WORDS).join(', ')}`,
      );
    }
    const strict = (api === 'v2' ? V2DetailsSchema : V1VerificationSchema).safeParse(data).success;
    const wordText = word === undefined ? 'no status word' : `status word ${JSON.stringify(word)}${known ? '' : ' (not in the table)'}`;
    return {
      ok,
      text: `${wordText}; ${read}; createOkidClient's typed ${api === 'v2' ? 'getVerificationDetails' : 'getVerification'} ${strict ? 'reads it too' : 'would refuse it (the proxy does not need it)'}; fields: ${fieldsOf(data)}`,
    };
  };

  let allOk = true;

  // v2: create, details, QR code.
  const created = await call('POST /api/generate-verification', () => client.generateVerification({ extra_data: { okid_verify_check: true } }), (v) => ({
    ok: GeneratedVerificationSchema.safeParse(v).success,
    text: `verification ${v.verificationId}; fields: ${fieldsOf(v)}${v.verificationUrl ? `; portal ${v.verificationUrl}` : ''}`,
  }));
  allOk &&= created.ok;
  const id = created.value?.verificationId;
  if (id === undefined) {
    say(`${SKIP}  GET /api/get-verification-details/…  (no verification was created)`);
    say(`${SKIP}  GET /api/get-verification-qrcode/…  (no verification was created)`);
    allOk = false;
  } else {
    const details = await call(`GET /api/get-verification-details/${id}`, () => readV2Text(id), (text) => describeDetails('v2', id, text));
    allOk &&= details.ok;
    const qr = await call(`GET /api/get-verification-qrcode/${id}`, () => client.getQrCode(id), (bytes) => ({ ok: true, text: `a PNG of ${bytes.byteLength} bytes` }));
    allOk &&= qr.ok;
  }

  // v1: a process token, and its record.
  if (options.v1) {
    const token = await call('POST /v1/verification/generate', () => client.generateToken({ metadata: { okid_verify_check: true } }), (v) => ({
      ok: GeneratedTokenSchema.safeParse(v).success,
      text: `token ${v.process_token}; fields: ${fieldsOf(v)}`,
    }));
    allOk &&= token.ok;
    const tok = token.value?.process_token;
    if (tok === undefined) {
      say(`${SKIP}  GET /v1/verification/…  (no token was created)`);
      allOk = false;
    } else {
      const record = await call(`GET /v1/verification/${tok}`, () => readV1Text(tok), (text) => describeDetails('v1', tok, text));
      allOk &&= record.ok;
    }
  }

  if (options.baseUrl !== DEFAULT_BASE_URL) advise(`baseUrl: '${options.baseUrl}'`, 'v2 calls went to this host, not the default');
  if (options.v1 && options.v1BaseUrl !== DEFAULT_V1_BASE_URL) advise(`v1BaseUrl: '${options.v1BaseUrl}'`, 'v1 calls went to this host, not the default');
  return allOk;
}
