/**
 * The capture screens as pure views: each is rendered from plain state, words and actions, in
 * Chromium without a camera or a network, and checked for what a person sees and can do, and
 * with axe.
 */
import { expect, fixture, html } from '@open-wc/testing';
import { captureEn } from '../../src/i18n/en-capture.js';
import { capture as captureNl } from '../../src/i18n/nl.js';
import type { StatusSnapshot } from '../../src/core/status.js';
import type { CaptureWords } from '../../src/capture/views/words.js';
import { documentCameraView, fileStepView, livenessCameraView } from '../../src/capture/views/camera-views.js';
import { blockedView, documentTypeView, resultView, reviewView, sendingView, termsView } from '../../src/capture/views/screens.js';
import { noticeView, stopConfirmView, stopFailedView, stopLinkView, stoppedView } from '../../src/capture/views/stop-views.js';

const en = captureEn as CaptureWords;
const online = { pending: 0, online: true };

/** The view in a container of its own, as the element's shadow root would hold it. */
const show = (view: unknown): Promise<HTMLElement> => fixture<HTMLElement>(html`<div>${view}</div>`);

/** Counts the calls of an action. */
function spy<A extends unknown[]>(): ((...args: A) => void) & { calls: A[] } {
  const calls: A[] = [];
  return Object.assign((...args: A) => void calls.push(args), { calls });
}

const text = (el: Element | null | undefined): string => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();

const snapshot = (status: StatusSnapshot['status'], outcome?: StatusSnapshot['outcome']): StatusSnapshot => ({
  verificationId: 'ver_viewTest1234',
  status,
  progress: { terms: 'completed', document: 'completed', liveness: 'completed' },
  updatedAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-01T01:00:00.000Z',
  ...(outcome ? { outcome } : {}),
});

describe('capture views', () => {
  it('terms: say what is needed, and agree once (disabled while saving)', async () => {
    const accept = spy();
    const el = await show(termsView({ busy: false }, en, { accept }));
    expect(text(el.querySelector('h2'))).to.equal(en.termsTitle);
    expect([...el.querySelectorAll('li')].map(text)).to.deep.equal([...en.termsWhat]);
    el.querySelector<HTMLButtonElement>('button[part="primary-button"]')!.click();
    expect(accept.calls).to.have.length(1);
    await expect(el).to.be.accessible();
    const busy = await show(termsView({ busy: true }, en, { accept }));
    expect(busy.querySelector<HTMLButtonElement>('button')!.disabled).to.equal(true);
  });

  it('document type: one button per document the verification takes', async () => {
    const choose = spy<[string]>();
    const el = await show(documentTypeView({ types: ['passport', 'driving_licence'] }, en, { choose }));
    const buttons = [...el.querySelectorAll<HTMLButtonElement>('button[part="choice"]')];
    expect(buttons.map(text)).to.deep.equal(['Passport', 'Driving licence']);
    buttons[1]!.click();
    expect(choose.calls).to.deep.equal([['driving_licence']]);
    await expect(el).to.be.accessible();
  });

  it('review: the still with its description, keep or retake', async () => {
    const retake = spy();
    const use = spy();
    const el = await show(reviewView({ url: 'data:image/gif;base64,R0lGODlhAQABAAAAACw=', busy: false }, en, { retake, use }));
    expect(el.querySelector('img[part="review-image"]')!.getAttribute('alt')).to.equal(en.reviewAlt);
    const [retakeButton, useButton] = [...el.querySelectorAll<HTMLButtonElement>('button')];
    retakeButton!.click();
    useButton!.click();
    expect([retake.calls.length, use.calls.length]).to.deep.equal([1, 1]);
    await expect(el).to.be.accessible();
  });

  it('document camera: the advice is announced, the shutter shoots, uploads say what they wait for', async () => {
    const shoot = spy();
    const camera = { shoot, switchCamera: spy(), toggleLight: spy() };
    const title = en.sideTitle(en.documentTypes.id_card, 'back');
    const first = await show(documentCameraView({ title, uploads: online }, en, camera));
    expect(text(first.querySelector('h2'))).to.equal('ID card: back side');
    expect(text(first.querySelector('[role="status"]'))).to.equal(en.placeDocument);
    first.querySelector<HTMLButtonElement>('button[part="shutter"]')!.click();
    expect(shoot.calls).to.have.length(1);
    expect(first.querySelector('[part="switch-camera-button"], [part="light-button"]'), 'one camera without a torch: no camera buttons').to.equal(null);
    await expect(first).to.be.accessible();

    const glare = await show(documentCameraView({ title, advice: 'glare', uploads: { pending: 2, online: true } }, en, camera));
    expect(text(glare.querySelector('[role="status"]'))).to.equal(en.advice.glare);
    expect(text(glare.querySelector('p.muted'))).to.equal('Sending 2 photos…');
    const offline = await show(documentCameraView({ title, uploads: { pending: 1, online: false } }, en, camera));
    expect(text(offline.querySelector('p.muted'))).to.equal(en.waitingForNetwork);
    // A capture held in memory only must not be promised to wait for the network.
    const unsaved = await show(documentCameraView({ title, uploads: { pending: 1, unsaved: 1, online: false } }, en, camera));
    expect(text(unsaved.querySelector('p.muted'))).to.equal(`Sending 1 photo… ${en.keepPageOpen}`);
  });

  it('document camera: Switch camera where several cameras face back, Light (pressed while lit) where there is a torch', async () => {
    const actions = { shoot: spy(), switchCamera: spy(), toggleLight: spy() };
    const title = en.sideTitle(en.documentTypes.passport, 'front');
    const el = await show(documentCameraView({ title, uploads: online, canSwitch: true, torch: true, torchOn: false }, en, actions));
    const switchButton = el.querySelector<HTMLButtonElement>('button[part="switch-camera-button"]')!;
    const light = el.querySelector<HTMLButtonElement>('button[part="light-button"]')!;
    expect([text(switchButton), text(light), light.getAttribute('aria-pressed')]).to.deep.equal(['Switch camera', 'Light', 'false']);
    switchButton.click();
    light.click();
    expect([actions.switchCamera.calls.length, actions.toggleLight.calls.length]).to.deep.equal([1, 1]);
    await expect(el).to.be.accessible();
    const lit = await show(documentCameraView({ title, uploads: online, torch: true, torchOn: true }, en, actions));
    expect(lit.querySelector('button[part="light-button"]')!.getAttribute('aria-pressed')).to.equal('true');
    expect(lit.querySelector('button[part="switch-camera-button"]'), 'one camera facing back: nothing to switch to').to.equal(null);
  });

  it('face check: which prompt of how many, the guidance, a hint, and the camera app for the photo asked after a while', async () => {
    const pick = spy<[Event]>();
    const state = { index: 1, total: 3, guidance: 'turn_left' as const, offerFiles: false, prompt: 'left' as const, uploads: online };
    const el = await show(livenessCameraView(state, en, { pick }));
    expect(text(el.querySelector('p.muted'))).to.equal('Step 2 of 3');
    const progress = el.querySelector('progress')!;
    expect([progress.max, progress.value, progress.getAttribute('aria-label')]).to.deep.equal([3, 1, 'Step 2 of 3']);
    expect(text(el.querySelector('[role="status"]'))).to.equal(en.faceGuidance.turn_left);
    expect(text(el.querySelector('[part="face-hint"]'))).to.equal('');
    expect(el.querySelector('input[type="file"]')).to.equal(null);
    await expect(el).to.be.accessible();

    const hinted = await show(livenessCameraView({ ...state, hint: 'turn_further' }, en, { pick }));
    expect(text(hinted.querySelector('[part="face-hint"]'))).to.equal(en.faceHints.turn_further);
    expect(hinted.querySelector('input[type="file"]'), 'a hint comes before the camera app').to.equal(null);

    const stuck = await show(livenessCameraView({ ...state, hint: 'more_light', offerFiles: true }, en, { pick }));
    expect(text(stuck.querySelector('[part="face-hint"]'))).to.equal(en.faceHints.more_light);
    // One tap opens the camera app for the photo asked now: a file input in the button, front camera.
    expect(text(stuck.querySelector('label[part="file-button"]'))).to.equal(en.filePrompt.left);
    const input = stuck.querySelector<HTMLInputElement>('label[part="file-button"] input[type="file"]')!;
    expect([input.accept, input.getAttribute('capture')]).to.deep.equal(['image/*', 'user']);
    expect(stuck.textContent).to.contain(en.useFileKept);
    input.dispatchEvent(new Event('change'));
    expect(pick.calls).to.have.length(1);
    await expect(stuck).to.be.accessible();
  });

  it('file input: says why the camera is not live, asks the right camera, offers the camera again', async () => {
    const pick = spy<[Event]>();
    const retryCamera = spy();
    const el = await show(fileStepView({ title: 'ID card: front side', facing: 'environment', problem: 'The camera is blocked.' }, en, { pick, retryCamera }));
    expect(text(el.querySelector('[role="alert"]'))).to.equal('The camera is blocked.');
    const input = el.querySelector<HTMLInputElement>('input[type="file"]')!;
    expect([input.accept, input.getAttribute('capture')]).to.deep.equal(['image/*', 'environment']);
    expect(text(el.querySelector('label[part="file-button"]'))).to.equal(en.useFile);
    input.dispatchEvent(new Event('change'));
    expect(pick.calls).to.have.length(1);
    el.querySelector<HTMLButtonElement>('button')!.click();
    expect(retryCamera.calls).to.have.length(1);
    await expect(el).to.be.accessible();

    const selfie = await show(fileStepView({ title: en.filePrompt.left, facing: 'user' }, en, { pick, retryCamera }));
    expect(text(selfie.querySelector('label'))).to.equal(en.useFileSelfie);
    expect(selfie.querySelector('[role="alert"], button')).to.equal(null);
  });

  it('sending: how many photos are left, and the one warning that matters', async () => {
    const el = await show(sendingView({ pending: 3, online: false }, en));
    expect(text(el.querySelector('[role="status"]'))).to.equal('Sending 3 photos…');
    expect([...el.querySelectorAll('.banner')].map(text)).to.deep.equal([en.waitingForNetwork]);
    const unsaved = await show(sendingView({ pending: 1, unsaved: 1, online: false }, en));
    expect([...unsaved.querySelectorAll('.banner')].map(text)).to.deep.equal([en.keepPageOpen]);
    const done = await show(sendingView({ pending: 0, online: true }, en));
    expect(text(done.querySelector('[role="status"]'))).to.equal(en.submitting);
    expect(done.querySelector('.banner')).to.equal(null);
  });

  it('result: the outcome, and the countdown back to the site only where it applies', async () => {
    const back = 'https://shop.example/back';
    const verified = await show(resultView({ snapshot: snapshot('completed', 'verified'), returnUrl: back, seconds: 2 }, en));
    expect(text(verified.querySelector('[part="outcome"]'))).to.equal(en.doneVerified);
    expect(text(verified.querySelector('[role="timer"]'))).to.equal('Taking you back in 2…');
    expect(verified.querySelector<HTMLAnchorElement>('a[part="return-link"]')!.href).to.equal(back);
    await expect(verified).to.be.accessible();

    const review = await show(resultView({ snapshot: snapshot('completed', 'manual_review') }, en));
    expect(text(review.querySelector('[part="outcome"]'))).to.equal(en.doneReview);
    expect(text(review.querySelector('p.muted'))).to.equal(en.doneHint);
    const expired = await show(resultView({ snapshot: snapshot('expired'), returnUrl: back, seconds: 1 }, en));
    expect(text(expired)).to.equal(en.expired);
    const failed = await show(resultView({ snapshot: snapshot('failed') }, en));
    expect(text(failed.querySelector('[part="outcome"]'))).to.equal(en.failed);
  });

  it('blocked: a retry only where trying again can help', async () => {
    const retry = spy();
    const network = await show(blockedView({ message: en.networkProblem, retry: true }, en, { retry }));
    network.querySelector<HTMLButtonElement>('button')!.click();
    expect(retry.calls).to.have.length(1);
    const otherDevice = await show(blockedView({ message: en.otherDevice }, en, { retry }));
    expect(otherDevice.querySelector('button')).to.equal(null);
    expect(text(otherDevice)).to.equal(en.otherDevice);
  });

  it('stop: the link, the question (Escape goes back), a stop that failed, and the end', async () => {
    const ask = spy();
    const link = await show(stopLinkView(en, { ask }));
    link.querySelector<HTMLButtonElement>('button[part="stop-button"]')!.click();
    expect(ask.calls).to.have.length(1);

    const back = spy();
    const confirm = spy();
    const question = await show(stopConfirmView({ busy: false }, en, { back, confirm }));
    question.querySelector('.stop-confirm')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    question.querySelector<HTMLButtonElement>('button[part="stop-confirm-button"]')!.click();
    expect([back.calls.length, confirm.calls.length]).to.deep.equal([1, 1]);
    await expect(question).to.be.accessible();
    const stopping = await show(stopConfirmView({ busy: true }, en, { back, confirm }));
    expect(text(stopping.querySelector('[role="status"]'))).to.equal(en.stopping);
    expect([...stopping.querySelectorAll<HTMLButtonElement>('button')].every((b) => b.disabled)).to.equal(true);

    const resume = spy();
    const failed = await show(stopFailedView({ busy: false }, en, { resume, confirm }));
    expect(text(failed.querySelector('[role="alert"]'))).to.equal(en.stopFailedBody);
    failed.querySelector<HTMLButtonElement>('button')!.click();
    expect(resume.calls).to.have.length(1);

    const withReturn = await show(stoppedView({ returnUrl: 'https://shop.example/' }, en));
    expect(text(withReturn.querySelector('a[part="return-link"]'))).to.equal(en.stoppedReturn);
    const without = await show(stoppedView({}, en));
    expect(text(without.querySelector('p.muted'))).to.equal(en.stoppedHint);
    await expect(without).to.be.accessible();
  });

  it('a notice shows as an alert, and nothing without one', async () => {
    const el = await show(noticeView(en.unreadablePhoto));
    expect(text(el.querySelector('[role="alert"][part="notice"]'))).to.equal(en.unreadablePhoto);
    expect((await show(noticeView(undefined))).children).to.have.length(0);
  });

  it('speaks the words it is given (a translation)', async () => {
    const nl = captureNl as CaptureWords;
    const el = await show(termsView({ busy: false }, nl, { accept: () => undefined }));
    expect(text(el.querySelector('h2'))).to.equal(nl.termsTitle);
    expect(nl.termsTitle).to.not.equal(en.termsTitle);
  });
});

