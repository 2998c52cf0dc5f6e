/**
 * **Start again** on a desktop whose verification failed, expired or was canceled: offered only
 * where the operator's proxy can create verifications, and at most one create in flight.
 */
import type { ReactiveControllerHost } from 'lit';
import { ErrorCode } from '../core/status.js';
import { checkWire, createdVerification } from '../core/wire-checks.js';
import type { CreatedVerification } from '../core/status.js';
import { joinUrl } from '../core/verification-id.js';

export class RestartOffer {
  /** `busy` while **Start again** runs (a second press does nothing), `failed` after it failed. */
  state: 'idle' | 'busy' | 'failed' = 'idle';
  /**
   * Whether the proxy can create verifications (it has a `create` hook): asked once per proxy,
   * when a verification first ends in failure; `available` stays false until it answers.
   */
  #offer?: { proxyUrl: string; available: boolean };

  readonly #host: ReactiveControllerHost;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
  }

  /**
   * Asks the proxy, creating nothing, whether it can create verifications: its create route
   * exists only with a `create` hook, so `GET {proxy}/verifications` answers 405 (`Allow: POST`)
   * there and 404 without one.
   */
  ask(proxyUrl: string): void {
    if (this.#offer?.proxyUrl === proxyUrl) return;
    const offer: { proxyUrl: string; available: boolean } = (this.#offer = { proxyUrl, available: false });
    fetch(joinUrl(proxyUrl, '/verifications'), { cache: 'no-store' }).then(
      (response) => {
        offer.available = response.status === 405 && (response.headers.get('Allow') ?? 'POST').includes('POST');
        this.#host.requestUpdate();
      },
      () => {
        // No answer is no button; the next verification that ends asks again.
        if (this.#offer === offer) this.#offer = undefined;
      },
    );
  }

  /** Whether **Start again** shows for a verification followed through `proxyUrl`. */
  offeredFor(proxyUrl: string | undefined): boolean {
    return proxyUrl !== undefined && this.#offer?.proxyUrl === proxyUrl && this.#offer.available;
  }

  /**
   * One new verification through the proxy's create route. A create that gives none rejects with
   * the code the page hears (a plain value, not an Error: it never leaves the element).
   */
  async create(proxyUrl: string): Promise<CreatedVerification> {
    let status = 0;
    try {
      const response = await fetch(joinUrl(proxyUrl, '/verifications'), { method: 'POST', cache: 'no-store', headers: { Accept: 'application/json' } });
      status = response.status;
      const created = checkWire(createdVerification, status === 201 ? await response.json() : undefined);
      if (created.ok) return created.value;
    } catch {
      // No answer, or not JSON: a network fault below.
    }
    throw status === 401 || status === 403 ? ErrorCode.AccessDenied : ErrorCode.Network;
  }
}
