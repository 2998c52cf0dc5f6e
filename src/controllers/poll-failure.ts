/**
 * How the status controller reads a failed status request: which answers stop following for good
 * (wrong proxy-url, no access, unknown verification) and which are an outage to retry, with the
 * proxy's `Retry-After`. Kept apart from the controller's scheduling so each reads on its own.
 */
import { parseRetryAfter } from '../core/backoff.js';
import { ErrorCode } from '../core/status.js';
import { checkWire, proxyErrorBody } from '../core/wire-checks.js';
import type { OkidErrorDetail } from '../core/status.js';

/** The longest `Retry-After` we wait for before asking again, in milliseconds. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/** Thrown inside a poll to say how the failure should be handled. */
export class PollFailure extends Error {
  constructor(
    readonly detail: OkidErrorDetail,
    readonly retryAfterMs?: number,
  ) {
    super(detail.message);
  }
}

/** A recoverable fault of the network or the proxy: polling goes on with backoff. */
export function networkFault(verificationId: string, message: string): OkidErrorDetail {
  return { code: ErrorCode.Network, message, recoverable: true, verificationId };
}

/** The failure an unsuccessful status answer (not 2xx, not 304) stands for. */
export async function failureFromResponse(response: Response, verificationId: string): Promise<PollFailure> {
  const body = checkWire(proxyErrorBody, await response.json().catch(() => undefined));
  const fatal = (code: ErrorCode, message: string): PollFailure =>
    new PollFailure({ code, message, recoverable: false, verificationId });
  if (response.status === 404 && body.ok && body.value.code === 'VERIFICATION_NOT_FOUND') {
    return fatal(ErrorCode.VerificationNotFound, 'This verification does not exist.');
  }
  if (response.status === 404 || response.status === 405) {
    // Not an answer of an okid proxy at all: the page points proxy-url at the wrong place.
    return fatal(ErrorCode.ConfigInvalid, `proxy-url does not lead to an okid proxy (HTTP ${response.status}).`);
  }
  if (response.status === 401 || response.status === 403) {
    return fatal(ErrorCode.AccessDenied, 'The proxy refused access to this verification.');
  }
  if (response.status === 400) {
    return fatal(ErrorCode.ConfigInvalid, 'The proxy refused this verification id.');
  }
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
  return new PollFailure(
    networkFault(verificationId, `The verification service is unavailable (HTTP ${response.status}).`),
    retryAfter === undefined ? undefined : Math.min(retryAfter, MAX_RETRY_AFTER_MS),
  );
}
