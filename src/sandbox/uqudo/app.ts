/**
 * uqudo's "QR Code App", emulated: the session API (`POST /api/v1/session` with a bearer token),
 * the WebSocket server (`/ws/v1/session`), the reader endpoints (`GET /api/v1/session` with
 * `Authorization: {qrCodeText}`, `GET` and `DELETE /api/v1/session/{qrCodeText}`), a reader-app
 * page that plays the phone (`/reader/{qrCodeText}`), and a stand-in for the Info API.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError, header, readJsonObject, sendJson } from '../http.js';
import { SlidingWindowLimiter } from '../rate-limit.js';
import { dispatchTable, routePattern, type TableRoute } from '../router.js';
import { TOKEN_PATTERN, readStepField, seeOther, sendPage, type VendorApp, type VendorOptions } from '../vendor.js';
import { UqudoSockets } from './sockets.js';
import { UqudoStore, type UqudoService, type UqudoSession } from './store.js';
import { readerPage } from './views.js';

interface UqudoState {
  options: VendorOptions;
  store: UqudoStore;
  sockets: UqudoSockets;
  limiter: SlidingWindowLimiter;
}

type Route = TableRoute<UqudoState>;

/** Creates per key per minute, as the okID sandbox allows generations. */
const CREATES_PER_MINUTE = 100;

/** The bearer token of a request when it is an accepted key, else 401 (never echoed). */
function requireBearer(state: UqudoState, req: IncomingMessage): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header(req, 'Authorization') ?? '');
  if (!match) throw new HttpError(401, 'Missing bearer token', 'Send Authorization: Bearer <token>.');
  if (!state.options.apiKeys.has(match[1]!)) throw new HttpError(401, 'Invalid bearer token', 'The bearer token is not valid.');
  return match[1]!;
}

const notFound = () => new HttpError(404, 'Session not found', 'No session exists for this qrCodeText; it may have been deleted or expired.');

/** The session of a well-formed, known `qrCodeText`, else 404 (a malformed one never reaches the store). */
function findByText(state: UqudoState, qrCodeText: string | undefined): UqudoSession {
  const session = qrCodeText !== undefined && TOKEN_PATTERN.test(qrCodeText) ? state.store.byText(qrCodeText) : undefined;
  if (!session) throw notFound();
  return session;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** `data`: standard base64 (padding optional) of a UTF-8 JSON object, else 400. */
function decodeData(data: unknown): Record<string, unknown> {
  const invalid = (details: string) => new HttpError(400, 'Invalid data', details);
  if (typeof data !== 'string' || data === '') throw invalid('data must be a non-empty string: the base64 of a JSON object.');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data) || Buffer.from(data, 'base64').toString('base64').replace(/=+$/, '') !== data.replace(/=+$/, '')) {
    throw invalid('data must be standard base64.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fatalUtf8.decode(Buffer.from(data, 'base64')));
  } catch {
    throw invalid('data must be the base64 of UTF-8 JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('data must be the base64 of a JSON object.');
  return parsed as Record<string, unknown>;
}

/** An optional object field (`null` counts as absent), else 400 naming it. */
function optionalObject(value: unknown, field: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, 'Invalid data', `data.${field} must be an object.`);
  return value as Record<string, unknown>;
}

/** An optional `enabled` flag, else 400 naming it. */
function enabled(object: Record<string, unknown> | undefined, field: string): boolean {
  const value = object?.enabled;
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new HttpError(400, 'Invalid data', `data.${field}.enabled must be true or false.`);
  return value;
}

/**
 * The services the reader plays for this `data`: SCAN, READ when a document has
 * `reading.enabled`, FACE with `facialRecognition.enabled`, BACKGROUND_CHECK with
 * `backgroundCheck.enabled`, then INFO.
 */
function servicesOf(config: Record<string, unknown>): UqudoService[] {
  const documents = config.documents ?? [];
  if (!Array.isArray(documents)) throw new HttpError(400, 'Invalid data', 'data.documents must be a list.');
  const reading = documents.some((document, n) => enabled(optionalObject(optionalObject(document, `documents[${n}]`)?.reading, `documents[${n}].reading`), `documents[${n}].reading`));
  const face = enabled(optionalObject(config.facialRecognition, 'facialRecognition'), 'facialRecognition');
  const background = enabled(optionalObject(config.backgroundCheck, 'backgroundCheck'), 'backgroundCheck');
  return ['SCAN', ...(reading ? ['READ' as const] : []), ...(face ? ['FACE' as const] : []), ...(background ? ['BACKGROUND_CHECK' as const] : []), 'INFO'];
}

const handleCreate: Route['handler'] = async (state, req, res) => {
  const key = requireBearer(state, req);
  const body = await readJsonObject(req);
  const services = servicesOf(decodeData(body.data));
  const allowed = state.limiter.take(key);
  if (!allowed.allowed) {
    throw new HttpError(429, 'Rate limit exceeded', `At most ${CREATES_PER_MINUTE} sessions per minute per token; retry in ${allowed.retryAfterSeconds} s.`, {}, {
      'Retry-After': String(allowed.retryAfterSeconds),
    });
  }
  const session = state.store.create({ apiKey: key, data: body.data as string, services, ttlSeconds: state.options.ttlSeconds });
  sendJson(res, 200, {
    sessionId: session.sessionId,
    qrCodeText: session.qrCodeText,
    qrCodeTextWithDynamicLink: `${state.options.frontendUrl()}/reader/${session.qrCodeText}`,
  });
};

const readerAnswer = (session: UqudoSession) => ({ sessionId: session.sessionId, token: session.token, data: session.data });

/** `GET /api/v1/session` with `Authorization: {qrCodeText}`. */
const handleReaderByHeader: Route['handler'] = (state, req, res) => {
  const text = header(req, 'Authorization')?.trim();
  if (!text) throw new HttpError(401, 'Missing qrCodeText', 'Send the qrCodeText as the Authorization header, or use /api/v1/session/{qrCodeText}.');
  sendJson(res, 200, readerAnswer(findByText(state, text)));
};

const handleReaderByPath: Route['handler'] = (state, _req, res, [text]) => {
  sendJson(res, 200, readerAnswer(findByText(state, text)));
};

const handleDelete: Route['handler'] = (state, _req, res, [text]) => {
  state.store.delete(findByText(state, text));
  res.writeHead(204, { 'Cache-Control': 'no-store' }).end();
};

/**
 * `GET /api/v1/info/{sessionId}`: a stand-in for uqudo's Info API, once INFO was played: the
 * session id and a fake, unsigned JWS whose `jti` is the session id (as the document says the
 * real one's is). 404 for an unknown or another token's session, 409 before INFO.
 */
const handleInfo: Route['handler'] = (state, req, res, [sessionId]) => {
  const key = requireBearer(state, req);
  const session = sessionId && /^[0-9a-f-]{36}$/.test(sessionId) ? state.store.byId(sessionId) : undefined;
  if (!session || session.apiKey !== key) throw new HttpError(404, 'Session not found', 'No session exists with this id.');
  if (!state.store.finished(session)) throw new HttpError(409, 'Onboarding not finished', 'The result exists once the reader app has sent INFO.');
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const jws = `${part({ alg: 'none', typ: 'JWT' })}.${part({ jti: session.sessionId, iss: 'uqudo-sandbox', iat: Math.floor(session.createdAt / 1000) })}.${Buffer.from('sandbox').toString('base64url')}`;
  sendJson(res, 200, { sessionId: session.sessionId, jws });
};

const pageNotFound = (res: Parameters<Route['handler']>[2]) =>
  sendPage(res, 404, 'Not found · uqudo reader (sandbox)', '<h1>This QR code is not valid</h1>\n<p>It may have been deleted, or it expired.</p>');

const handleReaderPage: Route['handler'] = (state, _req, res, [text]) => {
  const session = text !== undefined && TOKEN_PATTERN.test(text) ? state.store.byText(text) : undefined;
  if (!session) return pageNotFound(res);
  const page = readerPage(session);
  sendPage(res, 200, page.title, page.body);
};

/** A reader button: that service's message to every authenticated socket; after INFO they close (1000). */
const handleReaderStep: Route['handler'] = async (state, req, res, [text]) => {
  const session = text !== undefined && TOKEN_PATTERN.test(text) ? state.store.byText(text) : undefined;
  if (!session) {
    req.resume();
    return pageNotFound(res);
  }
  const service = state.store.play(session, await readStepField(req));
  if (service) {
    const sockets = state.sockets.broadcast(session, service);
    state.options.log(`uqudo ${service} for session ${session.sessionId} → ${sockets} socket(s)`);
    if (service === 'INFO') state.sockets.closeSession(session, 1000, 'Onboarding done');
  }
  seeOther(res, `/reader/${session.qrCodeText}`);
};

const handleIndex: Route['handler'] = (_state, _req, res) => {
  sendJson(res, 200, {
    name: 'okid-sandbox (uqudo)',
    description: "Local emulator of uqudo's QR Code App, from its document.",
    routes: [
      'POST /api/v1/session',
      'GET /ws/v1/session (WebSocket; first message: qrCodeText)',
      'GET /api/v1/session (Authorization: qrCodeText)',
      'GET /api/v1/session/{qrCodeText}',
      'DELETE /api/v1/session/{qrCodeText}',
      'GET /api/v1/info/{sessionId}',
      'GET /reader/{qrCodeText}',
      'GET /healthz',
    ],
    auth: 'Authorization: Bearer <token> on POST /api/v1/session and /api/v1/info/*',
  });
};

const ROUTES: readonly Route[] = [
  { method: 'GET', pattern: routePattern('/'), handler: handleIndex },
  { method: 'GET', pattern: routePattern('/healthz'), handler: (_s, _q, res) => sendJson(res, 200, { status: 'ok' }) },
  { method: 'POST', pattern: routePattern('/api/v1/session'), handler: handleCreate },
  { method: 'GET', pattern: routePattern('/api/v1/session'), handler: handleReaderByHeader },
  { method: 'GET', pattern: routePattern('/api/v1/session/:p'), handler: handleReaderByPath },
  { method: 'DELETE', pattern: routePattern('/api/v1/session/:p'), handler: handleDelete },
  { method: 'GET', pattern: routePattern('/api/v1/info/:p'), handler: handleInfo },
  { method: 'GET', pattern: routePattern('/reader/:p'), handler: handleReaderPage },
  { method: 'POST', pattern: routePattern('/reader/:p/step'), handler: handleReaderStep },
];

/** The uqudo emulator behind `startSandbox({ provider: 'uqudo' })`. */
export function createUqudoApp(options: VendorOptions): VendorApp {
  let store: UqudoStore | undefined;
  const sockets = new UqudoSockets(() => store!, options.authTimeoutMs, options.log);
  store = new UqudoStore({
    maxHeldBytes: options.maxHeldBytes,
    onGone: (session, why) => sockets.closeSession(session, 1000, why === 'deleted' ? 'Session deleted' : 'Session expired'),
  });
  const state: UqudoState = { options, store, sockets, limiter: new SlidingWindowLimiter(CREATES_PER_MINUTE, 60_000) };
  return {
    handle: (req, res) => void dispatchTable(ROUTES, state, req, res, options.log),
    upgrade: (req, socket, head) => sockets.upgrade(req, socket, head),
    close: () => {
      store.close();
      sockets.close();
    },
  };
}
