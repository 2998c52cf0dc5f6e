/**
 * The reader-app page: the phone's part of uqudo's QR Code App, played with no script. It lists
 * the session's services and shows one button, for the next one; the last page says the
 * onboarding is done.
 */
import { buttonForm, escapeHtml } from '../vendor.js';
import type { UqudoService, UqudoSession } from './store.js';

/** The reader's button for each service. */
export const SERVICE_LABELS: Record<UqudoService, string> = {
  SCAN: 'Scan document',
  READ: 'Read chip',
  FACE: 'Face check',
  BACKGROUND_CHECK: 'Background check',
  INFO: 'Finish',
};

export function readerPage(session: UqudoSession): { title: string; body: string } {
  const items = session.services
    .map((service, n) => `<li>${escapeHtml(SERVICE_LABELS[service])}: ${n < session.played ? 'done' : n === session.played ? 'next' : 'waiting'}</li>`)
    .join('\n');
  const next = session.services[session.played];
  if (!next) {
    return { title: 'Done · uqudo reader (sandbox)', body: `<h1>Onboarding done</h1>\n<p>You can go back to the web page.</p>\n<ol>\n${items}\n</ol>` };
  }
  const action = `/reader/${encodeURIComponent(session.qrCodeText)}/step`;
  return {
    title: 'uqudo reader (sandbox)',
    body: `<h1>uqudo reader</h1>\n<ol>\n${items}\n</ol>\n${buttonForm(action, session.played, SERVICE_LABELS[next])}`,
  };
}
