/**
 * OOTO-AI's wire shapes and the hosted flow page. Get Status is exactly the document's shape
 * (`status`, `scopes`, `nextStep`, `expiresAt`, `uiHints`, `returnUrl`, and `result` once DONE);
 * the result is fixed, fake, and shaped as the document's example, one key per scope it shows.
 */
import { buttonForm, escapeHtml } from '../vendor.js';
import type { OotoSession, OotoStep, OotoStore } from './store.js';

/** The Get Status body, also the callback's body. */
export function toStatusView(store: OotoStore, session: OotoSession): Record<string, unknown> {
  const view: Record<string, unknown> = {
    status: session.status,
    scopes: [...session.scopes],
    nextStep: store.nextStep(session),
    expiresAt: new Date(session.expiresAt).toISOString(),
    uiHints: { needCaptcha: session.status === 'CREATED' },
    returnUrl: session.returnUrl,
  };
  if (session.status === 'DONE') view.result = fakeResult(session);
  return view;
}

/**
 * A result shaped as the document's example: the face box, quality, landmarks and demography
 * always; `liveness`, `deepfake` and `search` for those scopes. `enroll` adds no key (the
 * document shows none). The same numbers every time: outcomes are deterministic.
 */
function fakeResult(session: OotoSession): Record<string, unknown> {
  const fine = (score: number) => ({ fine: true, score });
  const result: Record<string, unknown> = {
    box: { h: 451, w: 351, x: 182, y: 420 },
    quality: {
      yaw: 2.15,
      roll: -0.1,
      pitch: -2.33,
      blur: fine(0.0002),
      flare: fine(0.12),
      crfiqa: fine(0.59),
      emotion: fine(0.01),
      contrast: { fine: true, value: 0.54 },
      exposure: { fine: true, value: 0.45 },
      occlusion: fine(0.07),
      distortion: fine(0.82),
      uniformity: { fine: true, value: 0.72 },
      macroblocks: fine(0.00006),
      leftEyeClosed: fine(0.000001),
      rightEyeClosed: fine(0.0000002),
    },
    landmarks: [
      [288, 604],
      [435, 604],
      [367, 685],
      [303, 762],
      [422, 763],
    ],
    demography: { age: 31, race: 'white', gender: 'male' },
  };
  if (session.scopes.includes('liveness')) result.liveness = fine(0.96);
  if (session.scopes.includes('deepfake')) result.deepfake = fine(0.95);
  // A stable template id per session, so two reads of one session agree.
  if (session.scopes.includes('search')) result.search = { similarity: 0.89, templateId: session.sessionId };
  return result;
}

const STEP_WORDS: Record<OotoStep, string> = {
  LIVENESS: 'liveness',
  DEEPFAKE: 'deepfake check',
  ENROLL: 'enrolment',
  SEARCH: 'search',
};

/** The hosted flow page of a session: one button for what comes next, and Cancel. */
export function flowPage(store: OotoStore, session: OotoSession): { title: string; body: string } {
  const base = `/flow/${encodeURIComponent(session.token)}`;
  const next = (label: string) => buttonForm(`${base}/next`, session.phase, label);
  const cancel = buttonForm(`${base}/cancel`, session.phase, 'Cancel');
  const back = session.returnUrl ? `<p><a href="${escapeHtml(session.returnUrl)}">Back to the site</a></p>` : '';
  const steps = session.steps.map((step) => STEP_WORDS[step]).join(', ');
  switch (session.status) {
    case 'CREATED':
      return { title: 'Verify · OOTO-AI sandbox', body: `<h1>Before we start</h1>\n<p>Steps: ${escapeHtml(steps)}.</p>\n${next("I'm not a robot")}\n${cancel}` };
    case 'CAPTCHA_OK': {
      const first = session.steps[0];
      return { title: 'Verify · OOTO-AI sandbox', body: `<h1>Ready</h1>\n<p>Steps: ${escapeHtml(steps)}.</p>\n${next(`Start ${first ? STEP_WORDS[first] : ''}`.trim())}\n${cancel}` };
    }
    case 'IN_PROGRESS': {
      const step = store.nextStep(session);
      const index = session.phase - 2;
      return {
        title: 'Verify · OOTO-AI sandbox',
        body: `<h1>Step ${index + 1} of ${session.steps.length}: ${escapeHtml(step ? STEP_WORDS[step] : '')}</h1>\n${next('Continue')}\n${cancel}`,
      };
    }
    case 'DONE':
      return { title: 'Done · OOTO-AI sandbox', body: `<h1>Verification done</h1>\n<p>You can close this page.</p>\n${back}` };
    case 'FAILED':
      return { title: 'Failed · OOTO-AI sandbox', body: `<h1>Verification failed</h1>\n${back}` };
    case 'CANCELED':
      return { title: 'Canceled · OOTO-AI sandbox', body: `<h1>Verification canceled</h1>\n${back}` };
    case 'EXPIRED':
      return { title: 'Expired · OOTO-AI sandbox', body: `<h1>This link has expired</h1>\n<p>Ask the site for a new one.</p>\n${back}` };
  }
}
