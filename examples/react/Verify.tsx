// A React 19 component around <okid-verify>. `okid-verify/react` registers the element and types
// the tag in JSX; React 19 passes the kebab-case attributes through (server rendering included)
// and listens to the element's events with `onokid-…` props.
'use client'; // Next.js: the element runs in the browser; importing it on the server is safe.

import 'okid-verify/react';
import type { OkidCompleteDetail, OkidErrorDetail } from 'okid-verify/react';

export interface VerifyProps {
  /** The `ver_…` id your backend created. */
  verificationId: string;
  onVerified: (detail: OkidCompleteDetail) => void;
  onFailed?: (detail: OkidErrorDetail) => void;
}

export function Verify({ verificationId, onVerified, onFailed }: VerifyProps) {
  return (
    <okid-verify
      process-token={verificationId}
      proxy-url="/okid"
      locale="en"
      onokid-complete={(event) => onVerified(event.detail)}
      onokid-error={(event) => {
        if (!event.detail.recoverable) onFailed?.(event.detail);
      }}
    />
  );
}
