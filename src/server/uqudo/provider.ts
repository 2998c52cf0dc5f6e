/**
 * `uqudoProvider({ token, baseUrl, secret, documents, … })`: uqudo's QR Code App behind the
 * proxy. Create is `POST {baseUrl}/api/v1/session` with the operator's bearer token and `data`
 * (base64 JSON built once from the typed options); the QR code holds `qrCodeTextWithDynamicLink`
 * (a link that opens uqudo's reader app), or `qrCodeText` when uqudo sends no link (text for the
 * app: `handoff: 'app'`). Status comes only from uqudo's WebSocket, held server-side
 * (`relay.ts`); the browser never holds the token nor talks to uqudo. The browser's id seals
 * `sessionId`, `qrCodeText` and the creation time (`sealed-id.ts`). A cancel is
 * `DELETE /api/v1/session/{qrCodeText}`.
 */
import { refuseUnknownOptions } from '../../core/option-names.js';
import { ProxyErrorCode } from '../../core/protocol.js';
import type { StatusSnapshot } from '../../core/protocol.js';
import { OkidProxyError } from '../common/errors.js';
import { PROVIDER_BRAND } from '../providers/provider.js';
import type { ProviderInstance, ProviderRead, ProviderRuntime, ProviderSession, VerificationProvider } from '../providers/provider.js';
import { callVendor, credential, isLoopbackHost, vendorUrl } from '../providers/vendor-http.js';
import type { VendorHttp } from '../providers/vendor-http.js';
import { VENDOR_TOKEN_PATTERN, isRecord, parseJson, text } from '../providers/vendor-text.js';
import { UQUDO_SESSION_MS, SocketRelay } from './relay.js';
import { openSession, sealSession, sealingKey } from './sealed-id.js';
import type { UqudoSession } from './sealed-id.js';
import type { UqudoSteps } from './status.js';

/** One document of uqudo's `data.documents` (its SDK's Enrollment Flow names each field). */
export interface UqudoDocument {
  /** uqudo's document type, e.g. `'PASSPORT'`, `'UAE_ID'`. */
  documentType: string;
  /** Chip (NFC) reading; with `enabled`, the desktop waits for READ before the document step is done. */
  reading?: { enabled: boolean; isForceReading?: boolean; isForceReadingIfSupported?: boolean; timeoutInSeconds?: number };
  isExpiredDocumentAllowed?: boolean;
  isFrontSideReviewEnabled?: boolean;
  isBackSideReviewEnabled?: boolean;
  isUploadEnabled?: boolean;
  isHelpPageDisabled?: boolean;
  faceScanMinimumMatchLevel?: number;
  faceReadMinimumMatchLevel?: number;
}

/** Options of {@link uqudoProvider}. */
export interface UqudoProviderOptions {
  /**
   * uqudo's authorisation token, sent as `Authorization: Bearer …`; or a function that returns
   * the current one (uqudo's tokens expire: fetch and cache it in your code). Never logged.
   */
  token: string | (() => string | Promise<string>);
  /** uqudo's "web socket server base url" (http or https): where `/api/v1/session` is. */
  baseUrl: string;
  /** The socket's URL. Default: `baseUrl` as ws(s), with `/ws/v1/session`. wss only, ws for localhost. */
  wsUrl?: string;
  /**
   * The key (at least 32 characters) that seals each session into the id the browser gets. Give
   * every instance the same one; changing it makes the ids in flight unknown (404).
   */
  secret: string;
  /** `data.documents`: at least one. */
  documents: readonly UqudoDocument[];
  /** `data.facialRecognition`; with `enabled`, the desktop shows a face step. */
  facialRecognition?: { enabled: boolean; isEnrollFace?: boolean; scanMinimumMatchLevel?: number; readMinimumMatchLevel?: number; maxAttempts?: number };
  /** `data.backgroundCheck`. */
  backgroundCheck?: { enabled: boolean; checkType?: string; disableConsent?: boolean; enableMonitoring?: boolean; skipView?: boolean };
  /** `data.generalConfig`. */
  generalConfig?: { secureWindowsEnabled?: boolean; isRootedDeviceAllowed?: boolean; userIdentifier?: string | null; returnDataForIncompleteSession?: boolean };
  /** The QR code holds `qrCodeText` (text for your own app) instead of uqudo's dynamic link. Default false. */
  qrCodeText?: boolean;
  /**
   * Called with each new session's ids, before the browser gets its answer: store `sessionId` to
   * read the result from uqudo's Info API later (the browser's id seals it). A throw fails the
   * create (500, logged).
   */
  onSession?: (session: { verificationId: string; sessionId: string }) => void | Promise<void>;
  /** The `fetch` used to call uqudo. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Milliseconds one uqudo call (or the socket's handshake) may take. Default 10000. */
  timeoutMs?: number;
  /** Backoff of socket reconnects: `{ baseMs, maxMs }`, default `{ baseMs: 500, maxMs: 30000 }`. */
  reconnect?: { baseMs?: number; maxMs?: number };
}

const WHERE = 'uqudoProvider';
const OPTION_NAMES = [
  'token', 'baseUrl', 'wsUrl', 'secret', 'documents', 'facialRecognition', 'backgroundCheck', 'generalConfig', 'qrCodeText', 'onSession', 'fetch', 'timeoutMs', 'reconnect',
] as const satisfies readonly (keyof UqudoProviderOptions)[];

/** uqudo as the proxy's provider. Throws a `TypeError` naming the option when one is wrong. */
export function uqudoProvider(options: UqudoProviderOptions): VerificationProvider {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${WHERE}: options must be an object.`);
  refuseUnknownOptions(WHERE, options, OPTION_NAMES);
  const token = options.token;
  if (typeof token !== 'function') credential(WHERE, 'token', token);
  const baseUrl = vendorUrl(WHERE, 'baseUrl', options.baseUrl);
  const wsUrl = options.wsUrl === undefined ? `${baseUrl.replace(/^http/, 'ws')}/ws/v1/session` : vendorUrl(WHERE, 'wsUrl', options.wsUrl, ['ws:', 'wss:']);
  const ws = new URL(wsUrl);
  if (ws.protocol !== 'wss:' && !isLoopbackHost(ws.hostname)) throw new TypeError(`${WHERE}: wsUrl must be wss (the socket carries the session's qrCodeText); ws only for localhost, 127.0.0.1 and [::1].`);
  if (typeof options.secret !== 'string' || options.secret.length < 32) throw new TypeError(`${WHERE}: secret must be a string of at least 32 characters (it seals the ids browsers get).`);
  const { data, steps } = buildData(options);
  if (options.qrCodeText !== undefined && typeof options.qrCodeText !== 'boolean') throw new TypeError(`${WHERE}: qrCodeText must be true or false.`);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError(`${WHERE}: fetch must be a function.`);
  if (options.onSession !== undefined && typeof options.onSession !== 'function') throw new TypeError(`${WHERE}: onSession must be a function.`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError(`${WHERE}: timeoutMs must be a positive number of milliseconds.`);
  const reconnect = options.reconnect ?? {};
  if (!isRecord(reconnect)) throw new TypeError(`${WHERE}: reconnect must be { baseMs?, maxMs? }.`);
  refuseUnknownOptions(`${WHERE}: reconnect`, reconnect, ['baseMs', 'maxMs']);
  const reconnectBaseMs = reconnect.baseMs ?? 500;
  const reconnectMaxMs = reconnect.maxMs ?? 30_000;
  for (const [name, value] of [['reconnect.baseMs', reconnectBaseMs], ['reconnect.maxMs', reconnectMaxMs]] as const)
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError(`${WHERE}: ${name} must be a positive number of milliseconds.`);
  const settings: UqudoSettings = {
    token,
    baseUrl,
    wsUrl,
    key: sealingKey(options.secret),
    data,
    steps,
    useText: options.qrCodeText === true,
    onSession: options.onSession,
    fetch: fetchImpl,
    timeoutMs,
    reconnectBaseMs,
    reconnectMaxMs,
  };
  return {
    [PROVIDER_BRAND]: true,
    name: 'uqudo',
    secrets: typeof token === 'string' ? [token, options.secret] : [options.secret],
    start: (runtime) => startUqudo(settings, runtime),
  } as VerificationProvider;
}

interface UqudoSettings {
  token: UqudoProviderOptions['token'];
  baseUrl: string;
  wsUrl: string;
  key: Buffer;
  /** `data`, base64 of its JSON. */
  data: string;
  steps: UqudoSteps;
  useText: boolean;
  onSession: UqudoProviderOptions['onSession'];
  fetch: typeof fetch;
  timeoutMs: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
}

/** Checks the data options and builds `data` (base64 JSON) once. */
function buildData(options: UqudoProviderOptions): { data: string; steps: UqudoSteps } {
  const { documents } = options;
  if (!Array.isArray(documents) || documents.length === 0) throw new TypeError(`${WHERE}: documents must be a non-empty list, like [{ documentType: 'PASSPORT' }].`);
  documents.forEach((document, index) => {
    if (!isRecord(document) || typeof document.documentType !== 'string' || !/^[A-Z0-9_]{2,64}$/.test(document.documentType))
      throw new TypeError(`${WHERE}: documents[${index}].documentType must be uqudo's document type, like 'PASSPORT'.`);
    if (document.reading !== undefined && (!isRecord(document.reading) || typeof document.reading.enabled !== 'boolean'))
      throw new TypeError(`${WHERE}: documents[${index}].reading must be { enabled: boolean, … }.`);
  });
  for (const name of ['facialRecognition', 'backgroundCheck'] as const) {
    const value = options[name];
    if (value !== undefined && (!isRecord(value) || typeof value.enabled !== 'boolean')) throw new TypeError(`${WHERE}: ${name} must be { enabled: boolean, … }.`);
  }
  if (options.generalConfig !== undefined && !isRecord(options.generalConfig)) throw new TypeError(`${WHERE}: generalConfig must be an object.`);
  const json: Record<string, unknown> = { documents };
  if (options.generalConfig !== undefined) json.generalConfig = options.generalConfig;
  if (options.backgroundCheck !== undefined) json.backgroundCheck = options.backgroundCheck;
  if (options.facialRecognition !== undefined) json.facialRecognition = options.facialRecognition;
  let text: string;
  try {
    text = JSON.stringify(json);
  } catch {
    throw new TypeError(`${WHERE}: documents, facialRecognition, backgroundCheck and generalConfig must be plain JSON values.`);
  }
  return {
    data: Buffer.from(text, 'utf8').toString('base64'),
    steps: { reading: documents.some((document) => document.reading?.enabled === true), face: options.facialRecognition?.enabled === true },
  };
}

function startUqudo(settings: UqudoSettings, runtime: ProviderRuntime): ProviderInstance {
  const http: VendorHttp = {
    vendor: 'uqudo',
    credentialOption: 'the token option of uqudoProvider',
    fetch: settings.fetch,
    timeoutMs: settings.timeoutMs,
    logger: runtime.logger,
  };
  const bearer = async (): Promise<string> => {
    let value: unknown;
    try {
      value = typeof settings.token === 'function' ? await settings.token() : settings.token;
    } catch {
      runtime.logger.error('okid-verify: the token function of uqudoProvider threw.');
      throw new OkidProxyError(502, ProxyErrorCode.UpstreamAuth, 'The verification service refused the server credentials.');
    }
    if (typeof value !== 'string' || !/^[\x21-\x7e]+$/.test(value)) {
      runtime.logger.error('okid-verify: the token function of uqudoProvider must return a non-empty string of header-safe characters.');
      throw new OkidProxyError(502, ProxyErrorCode.UpstreamAuth, 'The verification service refused the server credentials.');
    }
    return value;
  };
  const deleteSession = async (session: UqudoSession): Promise<void> => {
    await callVendor(http, 'DELETE /api/v1/session/{qrCodeText}', `${settings.baseUrl}/api/v1/session/${encodeURIComponent(session.qrCodeText)}`, { method: 'DELETE' }, new AbortController().signal);
  };
  const relay = new SocketRelay({
    wsUrl: settings.wsUrl,
    steps: settings.steps,
    runtime,
    timeoutMs: settings.timeoutMs,
    reconnectBaseMs: settings.reconnectBaseMs,
    reconnectMaxMs: settings.reconnectMaxMs,
    deleteSession,
  });
  const notFound = () => new OkidProxyError(404, ProxyErrorCode.VerificationNotFound, 'Verification not found.');
  const open = (id: string): UqudoSession => openSession(settings.key, id) ?? (() => { throw notFound(); })();

  async function create(_input: unknown, signal: AbortSignal): Promise<ProviderSession> {
    const authorization = `Bearer ${await bearer()}`;
    const answer = await callVendor(
      http,
      'POST /api/v1/session',
      `${settings.baseUrl}/api/v1/session`,
      { method: 'POST', headers: { Authorization: authorization, 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify({ data: settings.data }) },
      signal,
    );
    const created = parseJson(answer.text);
    const sessionId = isRecord(created) ? text(created.sessionId) : undefined;
    const qrCodeText = isRecord(created) ? text(created.qrCodeText) : undefined;
    const link = isRecord(created) ? text(created.qrCodeTextWithDynamicLink) : undefined;
    const unreadable = () => {
      runtime.logger.warn("okid-verify: uqudo's answer to POST /api/v1/session could not be read (no sessionId or qrCodeText of URL-safe characters).");
      return new OkidProxyError(502, ProxyErrorCode.UpstreamError, 'The verification service answered with an error.');
    };
    if (sessionId === undefined || qrCodeText === undefined || !VENDOR_TOKEN_PATTERN.test(sessionId) || !VENDOR_TOKEN_PATTERN.test(qrCodeText)) throw unreadable();
    const createdAt = Math.floor(Date.now() / 1000);
    const session: UqudoSession = { sessionId, qrCodeText, createdAt };
    const id = sealSession(settings.key, session);
    if (id === undefined) {
      runtime.logger.warn("okid-verify: uqudo's qrCodeText is too long to seal into a verification id of 200 characters.");
      throw unreadable();
    }
    if (settings.onSession) {
      try {
        await settings.onSession({ verificationId: id, sessionId });
      } catch (error) {
        runtime.logger.error('okid-verify: the onSession hook of uqudoProvider threw; the session is not handed out.');
        await deleteSession(session).catch(() => undefined);
        throw new OkidProxyError(500, ProxyErrorCode.InternalError, 'Internal error.', { cause: error });
      }
    }
    // Held from now on: uqudo replays nothing to a socket opened after the phone's first step.
    relay.follow(id, session);
    // uqudo's link as it sent it, when it is an http(s) URL (the element applies its own https rule).
    const useLink = !settings.useText && link !== undefined && isHttpLink(link);
    return {
      verificationId: id,
      verificationUrl: useLink ? link : qrCodeText,
      expiresAt: new Date(createdAt * 1000 + UQUDO_SESSION_MS).toISOString(),
      handoff: useLink ? 'url' : 'app',
    };
  }

  async function read(id: string): Promise<ProviderRead> {
    const session = open(id);
    relay.follow(id, session);
    return { snapshot: await relay.latest(id, session), timeSynthesized: true };
  }

  async function cancel(id: string, signal: AbortSignal): Promise<StatusSnapshot> {
    const session = open(id);
    try {
      await callVendor(http, 'DELETE /api/v1/session/{qrCodeText}', `${settings.baseUrl}/api/v1/session/${encodeURIComponent(session.qrCodeText)}`, { method: 'DELETE' }, signal);
    } catch (error) {
      // Already gone at uqudo (done, or past 30 minutes): ended all the same.
      if (!(error instanceof OkidProxyError && error.status === 404)) throw error;
    }
    return relay.end(id, session, 'canceled');
  }

  return {
    create,
    read,
    cancel,
    async close() {
      relay.close();
    },
  };
}

const isHttpLink = (value: string): boolean => {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password;
  } catch {
    return false;
  }
};
