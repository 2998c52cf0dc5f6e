// A React 19 component around <okid-verify>. `okid-verify/react` registers the element and types
// the tag in JSX; React 19 passes the kebab-case attributes through (server rendering included).
//
// The listeners go on through a ref, not `onokid-complete` props: React 19 attaches a custom
// element's `on…` props when it renders on the client, but not when it hydrates server-rendered
// HTML (react/react#35446), so in Next.js or any renderToString + hydrateRoot page those props
// would never hear okid-complete. A ref is attached either way (e2e/frameworks.test.ts runs both).
// In a client-only app, `onokid-complete={(event) => …}` works as well.
'use client'; // Next.js: the element runs in the browser; importing it on the server is safe.

import { useCallback, useLayoutEffect, useRef } from 'react';
import 'okid-verify/react';
import type { OkidCompleteDetail, OkidCompleteEvent, OkidErrorDetail, OkidErrorEvent } from 'okid-verify/react';

export interface VerifyProps {
  /** The `ver_…` id your backend created. */
  verificationId: string;
  onVerified: (detail: OkidCompleteDetail) => void;
  onFailed?: (detail: OkidErrorDetail) => void;
}

export function Verify({ verificationId, onVerified, onFailed }: VerifyProps) {
  // The latest handlers, read when an event comes, so the listeners are added once per element.
  const handlers = useRef({ onVerified, onFailed });
  useLayoutEffect(() => {
    handlers.current = { onVerified, onFailed };
  });
  const listen = useCallback((element: HTMLElementTagNameMap['okid-verify'] | null) => {
    if (!element) return;
    const complete = (event: OkidCompleteEvent) => handlers.current.onVerified(event.detail);
    const error = (event: OkidErrorEvent) => {
      if (!event.detail.recoverable) handlers.current.onFailed?.(event.detail);
    };
    element.addEventListener('okid-complete', complete);
    element.addEventListener('okid-error', error);
    return () => {
      element.removeEventListener('okid-complete', complete);
      element.removeEventListener('okid-error', error);
    };
  }, []);

  return <okid-verify ref={listen} process-token={verificationId} proxy-url="/okid" locale="en" />;
}
