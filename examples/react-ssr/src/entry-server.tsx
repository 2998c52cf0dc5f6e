// The server half: renders the page's HTML with React's renderToString. Node imports
// okid-verify without a DOM (Lit's `node` build stands in for HTMLElement), and React writes the
// element's attributes into the HTML, so the tag is there before any script runs; its
// `onokid-…` listeners are attached when the client hydrates (entry-client.tsx).
import { renderToString } from 'react-dom/server';
import { App } from '../../react-app/App.js';

/** The app's HTML for one verification, created by the server before it renders. */
export function render(verificationId: string): string {
  return renderToString(<App verificationId={verificationId} />);
}

/**
 * The whole page: the client build's index.html (its script and style tags included) with the
 * rendered app in place of `<!--app-html-->`. No inline script carries the verification id: the
 * client reads it back from the rendered `data-verification-id`, so a strict CSP holds.
 */
export function renderPage(template: string, verificationId: string): string {
  return template.replace('<!--app-html-->', render(verificationId));
}
