/**
 * The create route's CSRF guard. Creating a verification spends the operator's okID quota on
 * behalf of whoever's cookies came along, so a browser request must come from the proxy's own
 * origin (scheme, host and port, as the browser saw them) or from one the operator listed.
 */
import { ProxyErrorCode } from '../../core/protocol.js';
import { OkidProxyError } from '../common/errors.js';

/** What the check needs to know about the proxy. */
export interface OriginPolicy {
  /** Normalized origins (`URL.origin`) that may call the create route besides the proxy's own. */
  allowedOrigins: ReadonlySet<string>;
  /**
   * With `trustProxy`, the scheme the client used is the one the trusted proxy in front reports
   * in `X-Forwarded-Proto` (TLS usually ends there, so this server only sees `http:`).
   */
  trustForwardedProto: boolean;
}

/** Why a request was refused, for the operator's (rate-limited) log line. */
export type OriginRefusal = 'cross-site' | 'foreign-origin' | 'no-origin';

/**
 * The request's own origin: its URL's, with the scheme from `X-Forwarded-Proto` when a trusted
 * proxy in front ends TLS. A browser cannot set that header on a cross-site request without a
 * CORS preflight, which the proxy never grants.
 */
export function ownOrigin(request: Request, policy: OriginPolicy): string {
  const url = new URL(request.url);
  if (policy.trustForwardedProto) {
    const proto = request.headers.get('X-Forwarded-Proto')?.split(',')[0]?.trim().toLowerCase();
    if (proto === 'https' || proto === 'http') {
      const port = url.port === '' || url.port === (url.protocol === 'https:' ? '443' : '80') ? '' : `:${url.port}`;
      return new URL(`${proto}://${url.hostname.includes(':') ? `[${url.hostname}]` : url.hostname}${port}`).origin;
    }
  }
  return url.origin;
}

/**
 * Returns why the request must be refused, or `undefined` to let it through:
 * - with `Origin`: its scheme, host and port equal the request's own origin or one of
 *   `allowedOrigins`, and `Sec-Fetch-Site` does not say `cross-site`;
 * - without `Origin`: only `Sec-Fetch-Site: same-origin`, or neither header (a server-to-server
 *   call: browsers send at least one of them on every POST).
 */
export function checkOrigin(request: Request, policy: OriginPolicy): OriginRefusal | undefined {
  const origin = request.headers.get('Origin');
  const fetchSite = request.headers.get('Sec-Fetch-Site')?.trim().toLowerCase();
  if (origin === null) {
    if (fetchSite === undefined || fetchSite === 'same-origin') return undefined;
    // `same-site` is a sibling subdomain (maybe another tenant's), `none` a typed-in URL.
    return fetchSite === 'cross-site' ? 'cross-site' : 'no-origin';
  }
  let parsed: string | undefined;
  try {
    const url = new URL(origin.trim());
    if (url.protocol === 'http:' || url.protocol === 'https:') parsed = url.origin;
  } catch {
    // `null` (sandboxed frames, some redirects) or garbage: not a page we can trust.
  }
  if (parsed === undefined) return 'foreign-origin';
  // A listed origin is cross-site by definition when the page lives on another site.
  if (policy.allowedOrigins.has(parsed)) return undefined;
  if (fetchSite === 'cross-site') return 'cross-site';
  return parsed === ownOrigin(request, policy) ? undefined : 'foreign-origin';
}

/** The 403 of a refused create request. */
export const crossOriginRefused = (): OkidProxyError =>
  new OkidProxyError(403, ProxyErrorCode.AccessDenied, 'Cross-origin request refused.');
