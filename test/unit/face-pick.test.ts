/**
 * One photo per pick (issue 22, part 3): the live face check offers the camera app for a prompt it
 * cannot follow; a second pick while the first photo saves, or a late answer of the camera app to
 * a screen that is gone, never stores that photo twice. Real parts: the sandbox over HTTP,
 * Chromium's fake camera (its test pattern: no face) and the bundled face detector, which sees no
 * face there, so the live check offers the camera app after its wait.
 */
import { expect, fixture, html } from '@open-wc/testing';
import { LitElement, nothing } from 'lit';
import { OFFER_FILES_AFTER_MS } from '../../src/capture/face/face-coach.js';
import { loadFaceDetector } from '../../src/capture/face/face-detector.js';
import { CaptureFlow } from '../../src/capture/flow.js';
import { forgetVerification } from '../../src/capture/progress/forget.js';
import type { ResolvedConfig } from '../../src/core/config.js';
import { captureEn } from '../../src/i18n/en-capture.js';
import { jpeg, sandbox } from './capture-support.js';
import { until } from './helpers.js';

class PickHost extends LitElement {
  flow?: CaptureFlow;
  override render() {
    return this.flow?.render() ?? nothing;
  }
}
customElements.define('face-pick-test-host', PickHost);

const MODELS = '/node_modules/@vladmandic/face-api/model/';

/** A verification whose flow is the face check alone. */
async function faceOnlyVerification(): Promise<string> {
  const response = await fetch('/__sandbox/verifications', { method: 'POST', body: JSON.stringify({ extra_data: { sandbox_flow: 'liveness' } }) });
  return ((await response.json()) as { verificationId: string }).verificationId;
}

/** Picks `photo` in `input` as the camera app hands it back: the input's files, then `change`. */
function pick(input: HTMLInputElement, photo: File): void {
  const transfer = new DataTransfer();
  transfer.items.add(photo);
  input.files = transfer.files;
  input.dispatchEvent(new Event('change', { bubbles: true }));
}

/** How many times this page sent capture `kind` of verification `id` (Resource Timing: every request, cross-origin too). */
const uploads = (id: string, kind: string): number =>
  performance.getEntriesByType('resource').filter((entry) => new URL(entry.name).pathname.endsWith(`/v1/flow/${id}/captures/${kind}`)).length;

/** The mean colour of the image the sandbox holds as the selfie: red or blue. */
async function storedSelfieColour(id: string): Promise<'red' | 'blue' | 'other'> {
  const response = await fetch(`/__sandbox/images/selfie/${id}`);
  expect(response.status, 'the sandbox holds a selfie').to.equal(200);
  const bitmap = await createImageBitmap(await response.blob());
  const canvas = new OffscreenCanvas(1, 1);
  const context = canvas.getContext('2d')!;
  context.drawImage(bitmap, 0, 0, 1, 1);
  const [r, , b] = context.getImageData(0, 0, 1, 1).data;
  return r! > 2 * b! ? 'red' : b! > 2 * r! ? 'blue' : 'other';
}

describe('face check: one photo per pick', function () {
  this.timeout(90_000);
  const ids: string[] = [];

  before(async function () {
    if (!(await fetch(`${MODELS}tiny_face_detector_model-weights_manifest.json`)).ok) this.skip();
  });
  afterEach(async () => {
    for (const id of ids.splice(0)) await forgetVerification(id);
  });

  it('a second pick while the first saves, and a late pick from the screen that offered it, store the selfie once', async () => {
    const verificationId = await faceOnlyVerification();
    ids.push(verificationId);
    const config: ResolvedConfig = {
      verificationId,
      mode: 'capture',
      capture: 'embedded',
      handoffUrl: `https://verify.example/verify?verification_id=${verificationId}`,
      hostedUrl: `https://verify.example/verify?verification_id=${verificationId}`,
      apiUrl: await sandbox(),
    };
    const host = await fixture<PickHost>(html`<face-pick-test-host></face-pick-test-host>`);
    const flow = new CaptureFlow(host, config, { onSnapshot: () => undefined, onError: () => undefined });
    host.flow = flow;
    const root = host.renderRoot;
    try {
      // The real bundled detector, with its model from node_modules: it finds no face in the fake camera's pattern.
      flow.detector = (await loadFaceDetector({ native: false, modelBaseUrl: MODELS })) ?? null;
      expect(flow.detector?.kind).to.equal('bundled');
      await until(() => root.querySelector('h2')?.textContent?.trim() === captureEn.livenessTitle, 'the face check is introduced', 20_000);
      root.querySelector<HTMLButtonElement>('button[part="primary-button"]')!.click();
      await until(() => Boolean(root.querySelector('video[part="camera"]')), 'the live face check runs');
      // No face: after its wait the live check offers the camera app for the selfie, on the live screen.
      const offer = 'label[part="file-button"] input[type="file"]';
      await until(() => Boolean(root.querySelector(offer)), 'the camera app is offered', OFFER_FILES_AFTER_MS + 30_000);
      const offered = root.querySelector<HTMLInputElement>(offer)!;
      expect(root.querySelector('label[part="file-button"]')!.textContent).to.contain(captureEn.filePrompt.straight);

      const red = new File([await jpeg('#d00000')], 'first.jpg', { type: 'image/jpeg' });
      const blue = new File([await jpeg('#0000d0')], 'second.jpg', { type: 'image/jpeg' });
      // Two picks back to back: the second arrives while the first is still saving.
      pick(offered, red);
      pick(offered, blue);
      // The selfie is kept: the flow asks the camera app for the next photo still missing.
      await until(() => flow.step.name === 'liveness_files', 'the next photo is asked for', 20_000);
      expect(flow.step).to.deep.include({ index: 1 });
      // The camera app answers late to the live screen, which is gone: its button offered the selfie.
      pick(offered, blue);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await flow.queue!.whenIdle();
      expect(flow.step).to.deep.include({ name: 'liveness_files', index: 1 });
      expect(uploads(verificationId, 'selfie'), 'the selfie was sent once').to.equal(1);
      expect(uploads(verificationId, 'liveness_0'), 'the late pick did not become the next photo').to.equal(0);
      // The other photos from the camera app, one pick each, then the submit.
      for (let index = 1; index <= flow.prompts.length; index++) {
        await until(() => flow.step.name === 'liveness_files' && flow.step.index === index, `the camera app is asked for photo ${index}`, 20_000);
        pick(root.querySelector<HTMLInputElement>(offer)!, new File([await jpeg('#00a000')], `${index}.jpg`, { type: 'image/jpeg' }));
      }
      await until(() => flow.step.name === 'result', 'the outcome is shown', 30_000);
      for (const kind of ['selfie', 'liveness_0', 'liveness_1', 'liveness_2']) expect(uploads(verificationId, kind), `${kind} sent once`).to.equal(1);
      expect(await storedSelfieColour(verificationId), 'the sandbox keeps the first photo picked').to.equal('red');
    } finally {
      host.remove();
      flow.detector?.close?.();
    }
  });
});
