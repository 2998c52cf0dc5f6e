/**
 * OOTO-AI's "Verification Link", emulated: the sessions API (`POST /api/v1.0/flow/sessions`,
 * `GET /api/v1.0/flow/sessions/{token}` with `APP-ID` and `APP-KEY`), the hosted flow page a phone
 * opens (`/flow/{token}`, script-free: one form per step) and the unsigned callback at the end.
 */
import { isHttpUrl, HttpError, header, readJsonObject, sendJson } from '../http.js';
import { SlidingWindowLimiter } from '../rate-limit.js';
import { dispatchTable, routePattern, type TableRoute } from '../router.js';
import { TOKEN_PATTERN, readStepField, seeOther, sendPage, type VendorApp, type VendorOptions } from '../vendor.js';
import { CallbackSender } from './callback.js';
import { OOTO_SCOPES, OotoStore, type OotoScope, type OotoSession } from './store.js';
import { flowPage, toStatusView } from './views.js';

/** What the routes share. */
interface OotoState {
  options: VendorOptions;
  store: OotoStore;
  limiter: SlidingWindowLimiter;
}

/** Creates per key per minute, as the okID sandbox allows generations. */
const CREATES_PER_MINUTE = 100;

/** The `APP-KEY` of a request whose `APP-ID` and `APP-KEY` are both right, else 401 (neither is ever echoed). */
function requireApp(state: OotoState, req: Parameters<TableRoute<OotoState>['handler']>[1]): string {
  const id = header(req, 'APP-ID')?.trim();
  const key = header(req, 'APP-KEY')?.trim();
  if (!id || !key) throw new HttpError(401, 'Missing credentials', 'Send your APP-ID and APP-KEY headers.');
  if (id !== state.options.appId || !state.options.apiKeys.has(key)) {
    throw new HttpError(401, 'Invalid credentials', 'The APP-ID or APP-KEY header is not valid.');
  }
  return key;
}

/** The session of a well-formed, known token, else 404 (a malformed one never reaches the store). */
function findSession(state: OotoState, token: string | undefined): OotoSession | undefined {
  return token !== undefined && TOKEN_PATTERN.test(token) ? state.store.get(token) : undefined;
}

const notFound = () => new HttpError(404, 'Session not found', 'No session exists with this token.');

function parseScopes(value: unknown): OotoScope[] {
  const allowed = OOTO_SCOPES.join(', ');
  if (!Array.isArray(value) || value.length === 0) {
    throw new HttpError(400, 'Invalid scopes', `scopes must be a non-empty list of: ${allowed}.`);
  }
  const scopes: OotoScope[] = [];
  for (const scope of value) {
    if (typeof scope !== 'string' || !(OOTO_SCOPES as readonly string[]).includes(scope)) {
      throw new HttpError(400, 'Invalid scopes', `Each scope must be one of: ${allowed}.`);
    }
    if (scopes.includes(scope as OotoScope)) throw new HttpError(400, 'Invalid scopes', 'A scope must not be repeated.');
    scopes.push(scope as OotoScope);
  }
  return scopes;
}

function optionalUrlField(body: Record<string, unknown>, field: string): string | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (!isHttpUrl(value) || value.length > 2048) throw new HttpError(400, `Invalid ${field}`, `${field} must be an absolute http(s) URL of at most 2048 characters.`);
  return value;
}

/**
 * Beyond loopback, whether `callbackUrl` is the configured webhook URL or beneath it (same
 * origin, its path or a path under it): a proxy puts a per-session secret in the callback's path
 * (OOTO signs nothing), while nobody on the network can point the sandbox at an address of theirs.
 */
export function underWebhookUrl(callbackUrl: string, webhookUrl: string | undefined): boolean {
  if (webhookUrl === undefined) return false;
  const callback = new URL(callbackUrl);
  const base = new URL(webhookUrl);
  if (callback.origin !== base.origin || callback.username || callback.password) return false;
  const root = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  return callback.pathname === base.pathname || callback.pathname.startsWith(root);
}

const handleCreate: TableRoute<OotoState>['handler'] = async (state, req, res) => {
  const key = requireApp(state, req);
  const body = await readJsonObject(req);
  const scopes = parseScopes(body.scopes);
  const metadata = body.metadata ?? null;
  if (metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata))) {
    throw new HttpError(400, 'Invalid metadata', 'metadata must be a JSON object.');
  }
  const outcome = (metadata as Record<string, unknown> | null)?.sandbox_outcome ?? 'DONE';
  if (outcome !== 'DONE' && outcome !== 'FAILED') {
    throw new HttpError(400, 'Invalid sandbox_outcome', 'metadata.sandbox_outcome must be DONE or FAILED.');
  }
  const callbackUrl = optionalUrlField(body, 'callbackUrl');
  const returnUrl = optionalUrlField(body, 'returnUrl');
  const allowed = state.options.callbackUrls;
  if (callbackUrl !== null && allowed !== 'any' && !underWebhookUrl(callbackUrl, allowed.only)) {
    throw new HttpError(400, 'Invalid callbackUrl', 'This sandbox is reachable from the network: callbackUrl may only be its configured webhook URL or a path beneath it.');
  }
  const ttlSec = body.ttlSec;
  if (ttlSec !== undefined && ttlSec !== null && (typeof ttlSec !== 'number' || !Number.isInteger(ttlSec) || ttlSec < 1)) {
    throw new HttpError(400, 'Invalid ttlSec', 'ttlSec must be a whole number of seconds, at least 1.');
  }
  const ttlSeconds = Math.min(typeof ttlSec === 'number' ? ttlSec : state.options.ttlSeconds, state.options.ttlSeconds);
  const allowedNow = state.limiter.take(key);
  if (!allowedNow.allowed) {
    throw new HttpError(
      429,
      'Rate limit exceeded',
      `At most ${CREATES_PER_MINUTE} sessions per minute per APP-KEY; retry in ${allowedNow.retryAfterSeconds} s.`,
      {},
      { 'Retry-After': String(allowedNow.retryAfterSeconds) },
    );
  }
  const session = state.store.create({
    appKey: key,
    scopes,
    metadata: metadata as Record<string, unknown> | null,
    callbackUrl,
    returnUrl,
    outcome,
    ttlSeconds,
  });
  sendJson(res, 200, { sessionId: session.sessionId, token: session.token, url: `${state.options.frontendUrl()}/flow/${session.token}` });
};

const handleStatus: TableRoute<OotoState>['handler'] = (state, req, res, [token]) => {
  const key = requireApp(state, req);
  const session = findSession(state, token);
  // Another key's session is as unknown as a made-up token.
  if (!session || session.appKey !== key) throw notFound();
  sendJson(res, 200, toStatusView(state.store, session));
};

const pageNotFound = (res: Parameters<TableRoute<OotoState>['handler']>[2]) =>
  sendPage(res, 404, 'Not found · OOTO-AI sandbox', '<h1>This link is not valid</h1>\n<p>It may have been mistyped, or it ended long ago.</p>');

const handlePage: TableRoute<OotoState>['handler'] = (state, _req, res, [token]) => {
  const session = findSession(state, token);
  if (!session) return pageNotFound(res);
  const page = flowPage(state.store, session);
  sendPage(res, 200, page.title, page.body);
};

const handleNext: TableRoute<OotoState>['handler'] = async (state, req, res, [token]) => {
  const session = findSession(state, token);
  if (!session) {
    req.resume();
    return pageNotFound(res);
  }
  state.store.advance(session, await readStepField(req));
  seeOther(res, `/flow/${session.token}`);
};

const handleCancel: TableRoute<OotoState>['handler'] = async (state, req, res, [token]) => {
  const session = findSession(state, token);
  if (!session) {
    req.resume();
    return pageNotFound(res);
  }
  await readStepField(req);
  state.store.cancel(session);
  seeOther(res, `/flow/${session.token}`);
};

const handleIndex: TableRoute<OotoState>['handler'] = (_state, _req, res) => {
  sendJson(res, 200, {
    name: 'okid-sandbox (OOTO-AI)',
    description: "Local emulator of OOTO-AI's Verification Link, from its document.",
    routes: ['POST /api/v1.0/flow/sessions', 'GET /api/v1.0/flow/sessions/{token}', 'GET /flow/{token}', 'GET /healthz'],
    auth: 'APP-ID and APP-KEY headers on /api/*',
    sandbox_outcome: 'metadata.sandbox_outcome: DONE | FAILED',
  });
};

const ROUTES: readonly TableRoute<OotoState>[] = [
  { method: 'GET', pattern: routePattern('/'), handler: handleIndex },
  { method: 'GET', pattern: routePattern('/healthz'), handler: (_s, _q, res) => sendJson(res, 200, { status: 'ok' }) },
  { method: 'POST', pattern: routePattern('/api/v1\\.0/flow/sessions'), handler: handleCreate },
  { method: 'GET', pattern: routePattern('/api/v1\\.0/flow/sessions/:p'), handler: handleStatus },
  { method: 'GET', pattern: routePattern('/flow/:p'), handler: handlePage },
  { method: 'POST', pattern: routePattern('/flow/:p/next'), handler: handleNext },
  { method: 'POST', pattern: routePattern('/flow/:p/cancel'), handler: handleCancel },
];

/** The OOTO-AI emulator behind `startSandbox({ provider: 'ooto' })`. */
export function createOotoApp(options: VendorOptions): VendorApp {
  const callbacks = new CallbackSender(options.log);
  const store: OotoStore = new OotoStore({
    retainEndedMs: options.retainEndedMs,
    maxHeldBytes: options.maxHeldBytes,
    onEnd: (session) => {
      if (session.callbackUrl) callbacks.send(session.callbackUrl, toStatusView(store, session), `${session.status} ${session.sessionId}`);
    },
  });
  const state: OotoState = { options, store, limiter: new SlidingWindowLimiter(CREATES_PER_MINUTE, 60_000) };
  return {
    handle: (req, res) => void dispatchTable(ROUTES, state, req, res, options.log),
    close: () => {
      store.close();
      callbacks.close();
    },
  };
}
