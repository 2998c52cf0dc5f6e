/**
 * The sandbox's route table and dispatcher: path patterns to handlers, 404 and 405 as JSON,
 * CORS on the capture API, and one place that turns every thrown error into an okID error body,
 * so no input can crash the server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Handler, SandboxContext } from './context.js';
import { HttpError, header, sendError } from './http.js';
import { FLOW_CORS_HEADERS, handleFlowCancel, handleFlowCapture, handleFlowGet, handleFlowSubmit, handleFlowTerms } from './routes-flow.js';
import { handleFlowForm } from './routes-form.js';
import {
  handleAsset,
  handleElementScript,
  handleHealth,
  handleIndex,
  handleVerifyPage,
  handleVerifyScript,
  handleVerifyStyles,
} from './routes-pages.js';
import { handleV1Generate, handleV1Get } from './routes-v1.js';
import { handleDetails, handleGenerate, handleImage, handleQrCode } from './routes-v2.js';
import { StoreError } from './store.js';
import { redactPath } from './vendor.js';

interface Route {
  method: 'GET' | 'POST' | 'PUT';
  /** Anchored; each group is one path segment, URL-decoded before the handler sees it. */
  pattern: RegExp;
  handler: Handler;
}

const SEGMENT = '([^/]+)';
const path = (source: string): RegExp => new RegExp(`^${source.replaceAll(':p', SEGMENT)}/?$`);

const ROUTES: Route[] = [
  { method: 'GET', pattern: path('/'), handler: handleIndex },
  { method: 'GET', pattern: path('/healthz'), handler: handleHealth },
  { method: 'GET', pattern: path('/verify'), handler: handleVerifyPage },
  { method: 'GET', pattern: path('/verify\\.js'), handler: handleVerifyScript },
  { method: 'GET', pattern: path('/verify\\.css'), handler: handleVerifyStyles },
  { method: 'GET', pattern: path('/okid-verify\\.iife\\.js'), handler: handleElementScript },
  { method: 'GET', pattern: path('/okid-verify-capture\\.js'), handler: handleAsset },
  { method: 'GET', pattern: path('/capture-chunks/:p'), handler: handleAsset },
  { method: 'GET', pattern: path('/models/:p'), handler: handleAsset },
  { method: 'GET', pattern: path('/locales/:p'), handler: handleAsset },
  { method: 'POST', pattern: path('/api/generate-verification'), handler: handleGenerate },
  { method: 'GET', pattern: path('/api/get-verification-details/:p'), handler: handleDetails },
  { method: 'GET', pattern: path('/api/get-verification-qrcode/:p'), handler: handleQrCode },
  { method: 'GET', pattern: path('/api/get-verification-image-front/:p'), handler: handleImage('front') },
  { method: 'GET', pattern: path('/api/get-verification-image-back/:p'), handler: handleImage('back') },
  { method: 'GET', pattern: path('/api/get-verification-image-selfie/:p'), handler: handleImage('selfie') },
  { method: 'POST', pattern: path('/v1/verification/generate'), handler: handleV1Generate },
  { method: 'GET', pattern: path('/v1/verification/:p'), handler: handleV1Get },
  { method: 'GET', pattern: path('/v1/flow/:p'), handler: handleFlowGet },
  { method: 'POST', pattern: path('/v1/flow/:p/terms'), handler: handleFlowTerms },
  { method: 'PUT', pattern: path('/v1/flow/:p/captures/:p'), handler: handleFlowCapture },
  { method: 'POST', pattern: path('/v1/flow/:p/form'), handler: handleFlowForm },
  { method: 'POST', pattern: path('/v1/flow/:p/submit'), handler: handleFlowSubmit },
  { method: 'POST', pattern: path('/v1/flow/:p/cancel'), handler: handleFlowCancel },
];

const STORE_ERROR_STATUS: Record<StoreError['reason'], number> = { not_allowed: 409, conflict: 409, invalid: 400, too_large: 413, full: 429 };

function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof StoreError) {
    // A full sandbox frees room as verifications end or expire: a minute is a fair wait.
    const headers: Record<string, string> = error.reason === 'full' ? { 'Retry-After': '60' } : {};
    return new HttpError(STORE_ERROR_STATUS[error.reason], error.message, error.details, {}, headers);
  }
  return undefined;
}

/**
 * With `captureApi: false`, whether a capture API request comes from the sandbox's own `/verify`
 * page. Browsers send `Origin` on every cross-origin request and on same-origin writes; a
 * same-origin GET carries only `Sec-Fetch-Site: same-origin`. A request with neither (curl, a
 * server) is not a page of ours. The origin's host is compared with the `Host` the request was
 * sent to, so the check holds on every address and scheme the sandbox answers on.
 */
function fromOwnPortal(ctx: SandboxContext, req: IncomingMessage): boolean {
  const origin = header(req, 'Origin');
  if (origin === undefined) return header(req, 'Sec-Fetch-Site') === 'same-origin';
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, privacy redirects) or garbage
  }
  return parsed.host === header(req, 'Host') || parsed.origin === new URL(ctx.frontendUrl()).origin;
}

/** Handles one request; never rejects. */
/** The v1 keyed API: on its own origin when `ctx.v1OwnOrigin` (and only there). */
const isV1Route = (route: Route): boolean => route.handler === handleV1Generate || route.handler === handleV1Get;

/**
 * Answers one request. `origin` is which listener took it: `'main'` (everything, less v1 when v1
 * has its own origin) or `'v1'` (the v1 keyed API and `/healthz` only).
 */
export async function dispatch(ctx: SandboxContext, req: IncomingMessage, res: ServerResponse, origin: 'main' | 'v1' = 'main'): Promise<void> {
  const started = Date.now();
  const rawPath = req.url?.startsWith('/') ? req.url : '/';
  const url = new URL(`http://sandbox.invalid${rawPath}`);
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  res.on('finish', () => ctx.log(`${req.method} ${url.pathname} ${res.statusCode} ${Date.now() - started}ms`));

  const isFlow = url.pathname.startsWith('/v1/flow/');
  if (isFlow) for (const [name, value] of Object.entries(FLOW_CORS_HEADERS)) res.setHeader(name, value);

  try {
    if (isFlow && !ctx.captureApi && !fromOwnPortal(ctx, req)) {
      throw new HttpError(404, 'Not found', `No route for ${method} ${url.pathname}.`);
    }
    if (isFlow && method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const routes = origin === 'v1' ? ROUTES.filter((route) => isV1Route(route) || route.handler === handleHealth) : ctx.v1OwnOrigin ? ROUTES.filter((route) => !isV1Route(route)) : ROUTES;
    const matches = routes.map((route) => ({ route, groups: route.pattern.exec(url.pathname) })).filter((m) => m.groups);
    if (matches.length === 0) throw new HttpError(404, 'Not found', `No route for ${method} ${url.pathname}.`);
    const match = matches.find((m) => m.route.method === method);
    if (!match?.groups) {
      const allow = [...new Set(matches.map((m) => m.route.method))].join(', ');
      throw new HttpError(405, 'Method not allowed', `Use ${allow} for this route.`, {}, { Allow: allow });
    }
    let params: string[];
    try {
      params = match.groups.slice(1).map((segment) => decodeURIComponent(segment ?? ''));
    } catch {
      throw new HttpError(404, 'Not found', 'The path is not validly URL-encoded.');
    }
    await match.route.handler(ctx, req, res, params, url);
  } catch (error) {
    const httpError = toHttpError(error);
    if (!httpError) ctx.log(`error on ${req.method} ${url.pathname}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendError(res, httpError ?? new HttpError(500, 'Internal error', 'The sandbox hit an unexpected error; see its log.'));
  }
}

/** A route of a vendor's table (`ooto/`, `uqudo/`): its handler gets that vendor's own state. */
export interface TableRoute<C> {
  method: 'GET' | 'POST' | 'DELETE';
  /** Anchored; each group is one path segment, URL-decoded before the handler sees it. */
  pattern: RegExp;
  handler: (state: C, req: IncomingMessage, res: ServerResponse, params: string[], url: URL) => Promise<void> | void;
}

/** `routePattern('/flow/:p/next')`: the anchored pattern of a route, one group per `:p`. */
export const routePattern = path;

/**
 * Answers one request from a vendor's route table: 404 and 405 as `{ error, details }`, every
 * thrown `HttpError` as its body, anything else as a logged 500. The log line names the route
 * with tokens cut short. Never rejects.
 */
export async function dispatchTable<C>(
  routes: readonly TableRoute<C>[],
  state: C,
  req: IncomingMessage,
  res: ServerResponse,
  log: (line: string) => void,
): Promise<void> {
  const started = Date.now();
  const rawPath = req.url?.startsWith('/') ? req.url : '/';
  const url = new URL(`http://sandbox.invalid${rawPath}`);
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  res.on('finish', () => log(`${req.method} ${redactPath(url.pathname)} ${res.statusCode} ${Date.now() - started}ms`));
  try {
    const matches = routes.map((route) => ({ route, groups: route.pattern.exec(url.pathname) })).filter((m) => m.groups);
    if (matches.length === 0) throw new HttpError(404, 'Not found', `No route for ${method} ${redactPath(url.pathname)}.`);
    const match = matches.find((m) => m.route.method === method);
    if (!match?.groups) {
      const allow = [...new Set(matches.map((m) => m.route.method))].join(', ');
      throw new HttpError(405, 'Method not allowed', `Use ${allow} for this route.`, {}, { Allow: allow });
    }
    let params: string[];
    try {
      params = match.groups.slice(1).map((segment) => decodeURIComponent(segment ?? ''));
    } catch {
      throw new HttpError(404, 'Not found', 'The path is not validly URL-encoded.');
    }
    await match.route.handler(state, req, res, params, url);
  } catch (error) {
    const httpError = error instanceof HttpError ? error : undefined;
    if (!httpError) log(`error on ${req.method} ${redactPath(url.pathname)}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendError(res, httpError ?? new HttpError(500, 'Internal error', 'The sandbox hit an unexpected error; see its log.'));
  }
}
