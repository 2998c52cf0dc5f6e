/**
 * okID as a provider (`providers/provider.ts`): the default one. Its create is okID v2's
 * generate, its read the tolerant reading of v2 details or the v1 record (`read-snapshot.ts`),
 * its handoff okID's hosted page. okID's signed webhooks and its QR code image stay on their own
 * routes (`webhooks/`, `http/routes.ts`), wired by `proxy.ts` when okID is the provider.
 */
import { joinUrl } from '../../core/verification-id.js';
import type { ProviderCreateInput, ProviderRead, ProviderSession } from '../providers/provider.js';
import type { OkidAnswers } from './answers.js';
import { readSnapshot } from './read-snapshot.js';
import type { GenerateVerificationBody, UpstreamClient } from './upstream.js';

/** What the okID provider is built from (the proxy's okID edge). */
export interface OkidProviderParts {
  upstream: UpstreamClient;
  answers: OkidAnswers;
  /** Host of okID's verification page. */
  frontendUrl: string;
}

/** The okID provider's create and read. */
export function okidSessions({ upstream, answers, frontendUrl }: OkidProviderParts) {
  return {
    async create(input: ProviderCreateInput, signal: AbortSignal): Promise<ProviderSession> {
      const body: GenerateVerificationBody = {};
      if (input.extra_data !== undefined) body.extra_data = input.extra_data;
      if (input.return_url !== undefined) body.return_url = input.return_url;
      const generated = await upstream.generateVerification(body, signal);
      return {
        verificationId: generated.verificationId,
        verificationUrl: joinUrl(frontendUrl, `/verify?verification_id=${encodeURIComponent(generated.verificationId)}`),
        expiresAt: generated.expiresAt,
        handoff: 'url',
      };
    },
    read(id: string, signal: AbortSignal): Promise<ProviderRead> {
      return readSnapshot(upstream, answers, id, signal);
    },
  };
}
