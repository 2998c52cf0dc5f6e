// The React app around <Verify>: asks the backend for a verification (the okid proxy's create
// route, POST /okid/verifications), shows the element, and keeps what the element reports in
// React state. Run it with `npx vite examples/react-app` beside a server that mounts the okid
// proxy at /okid (see docs/server.md); e2e/frameworks.test.ts builds and runs it.
import { useEffect, useState } from 'react';
import type { OkidCompleteDetail, OkidErrorDetail } from 'okid-verify/react';
import { Verify } from '../react/Verify.js';

/** Asks the backend for a new verification; it creates it at okID with the secret key. */
async function createVerification(): Promise<string> {
  const response = await fetch('/okid/verifications', { method: 'POST' });
  if (!response.ok) throw new Error(`Could not start a verification (${response.status})`);
  return ((await response.json()) as { verificationId: string }).verificationId;
}

export function App({ verificationId: initialId }: { verificationId?: string }) {
  const [verificationId, setVerificationId] = useState(initialId);
  const [results, setResults] = useState<OkidCompleteDetail[]>([]);
  const [failure, setFailure] = useState<string>();

  useEffect(() => {
    if (verificationId) return;
    let cancelled = false;
    createVerification().then(
      (id) => cancelled || setVerificationId(id),
      (error: Error) => cancelled || setFailure(error.message),
    );
    return () => {
      cancelled = true;
    };
  }, [verificationId]);

  return (
    <main data-verification-id={verificationId}>
      <h1>Verify your identity</h1>
      {verificationId && (
        <Verify
          verificationId={verificationId}
          onVerified={(detail) => setResults((previous) => [...previous, detail])}
          onFailed={(detail: OkidErrorDetail) => setFailure(detail.message)}
        />
      )}
      {results.length > 0 && (
        <ul aria-label="Completed verifications">
          {results.map((result, index) => (
            <li key={index}>
              {result.verificationId}: {result.outcome}
            </li>
          ))}
        </ul>
      )}
      {failure && <p role="alert">{failure}</p>}
    </main>
  );
}
