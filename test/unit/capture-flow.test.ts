/**
 * The capture flow's step machine against the real sandbox and Chromium's fake camera: each step's
 * work ends when the person leaves it (the camera light goes off on the stop question), comes back
 * with the step, and ends for good when the page leaves.
 */
import { expect, fixture, html } from '@open-wc/testing';
import { LitElement, nothing } from 'lit';
import { CaptureFlow } from '../../src/capture/flow.js';
import { forgetVerification } from '../../src/capture/progress/forget.js';
import type { ResolvedConfig } from '../../src/core/config.js';
import type { OkidErrorDetail, StatusSnapshot } from '../../src/core/status.js';
import { captureEn } from '../../src/i18n/en-capture.js';
import { createVerification, sandbox } from './capture-support.js';
import { until } from './helpers.js';

/** A bare host: renders what the flow renders, as the element does in capture mode. */
class FlowHost extends LitElement {
  flow?: CaptureFlow;
  override render() {
    return this.flow?.render() ?? nothing;
  }
}
customElements.define('capture-flow-test-host', FlowHost);

const realGetUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
let streams: MediaStream[] = [];
const liveTracks = () => streams.flatMap((s) => s.getTracks()).filter((t) => t.readyState === 'live');
const ids: string[] = [];
const frames = (n: number): Promise<void> =>
  new Promise((resolve) => {
    const next = (left: number) => (left === 0 ? resolve() : requestAnimationFrame(() => next(left - 1)));
    next(n);
  });

async function start(): Promise<{ host: FlowHost; seen: StatusSnapshot[]; errors: OkidErrorDetail[] }> {
  const verificationId = await createVerification();
  ids.push(verificationId);
  const config: ResolvedConfig = {
    verificationId,
    mode: 'capture',
    capture: 'embedded',
    handoffUrl: `https://verify.example/verify?verification_id=${verificationId}`,
    hostedUrl: `https://verify.example/verify?verification_id=${verificationId}`,
    apiUrl: await sandbox(),
  };
  const host = await fixture<FlowHost>(html`<capture-flow-test-host></capture-flow-test-host>`);
  const seen: StatusSnapshot[] = [];
  const errors: OkidErrorDetail[] = [];
  host.flow = new CaptureFlow(host, config, { onSnapshot: (s) => void seen.push(s), onError: (e) => void errors.push(e) });
  return { host, seen, errors };
}

const $ = <E extends Element = HTMLElement>(host: FlowHost, selector: string) => host.renderRoot.querySelector<E>(selector);
const heading = (host: FlowHost) => $(host, 'h2')?.textContent?.trim();

/** From the terms to the front of an ID card, with the camera live in the step's video. */
async function toDocumentCamera(host: FlowHost): Promise<HTMLVideoElement> {
  await until(() => heading(host) === captureEn.termsTitle, 'the terms are shown');
  $<HTMLButtonElement>(host, 'button[part="primary-button"]')!.click();
  await until(() => heading(host) === captureEn.chooseDocument, 'the document choice is shown');
  [...host.renderRoot.querySelectorAll<HTMLButtonElement>('button[part="choice"]')].find((b) => b.textContent === 'ID card')!.click();
  await until(() => liveTracks().length === 1 && Boolean($<HTMLVideoElement>(host, 'video[part="camera"]')?.srcObject), 'the rear camera is live');
  return $<HTMLVideoElement>(host, 'video[part="camera"]')!;
}

describe('capture flow steps', () => {
  beforeEach(() => {
    streams = [];
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      const stream = await realGetUserMedia(constraints);
      streams.push(stream);
      return stream;
    };
  });

  afterEach(async () => {
    navigator.mediaDevices.getUserMedia = realGetUserMedia;
    for (const track of streams.flatMap((s) => s.getTracks())) track.stop();
    for (const id of ids.splice(0)) await forgetVerification(id);
  });

  it('the stop question ends the camera step, and "Go back" starts it again', async () => {
    const { host, seen } = await start();
    await toDocumentCamera(host);
    expect(heading(host)).to.equal('ID card: front side');
    // Opening the flow on this phone is what okID reports first.
    expect(seen.map((s) => s.status)).to.deep.equal(['opened']);

    $<HTMLButtonElement>(host, 'button[part="stop-button"]')!.click();
    await until(() => heading(host) === captureEn.stopTitle, 'the stop question is shown');
    expect(liveTracks()).to.have.length(0);
    expect($(host, 'video')).to.equal(null);

    $<HTMLButtonElement>(host, 'button[part="stop-back-button"]')!.click();
    await until(() => liveTracks().length === 1 && Boolean($<HTMLVideoElement>(host, 'video[part="camera"]')?.srcObject), 'the camera is live again');
    expect(heading(host)).to.equal('ID card: front side');
    expect(streams).to.have.length(2);
  });

  it('the shutter ends the camera step for the review, and retake opens the camera again', async () => {
    const { host } = await start();
    await toDocumentCamera(host);
    await until(() => (($(host, 'video') as HTMLVideoElement | null)?.videoWidth ?? 0) > 0, 'the video has a frame');
    $<HTMLButtonElement>(host, 'button[part="shutter"]')!.click();
    await until(() => heading(host) === captureEn.reviewTitle, 'the still is shown for review');
    expect(liveTracks()).to.have.length(0);
    expect($<HTMLImageElement>(host, 'img[part="review-image"]')!.src).to.match(/^blob:/);

    [...host.renderRoot.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent === captureEn.retake)!.click();
    await until(() => liveTracks().length === 1, 'the camera is live again');
    expect(heading(host)).to.equal('ID card: front side');
  });

  it('a page that leaves ends the camera and the step for good', async () => {
    const { host } = await start();
    await toDocumentCamera(host);
    host.remove();
    expect(liveTracks()).to.have.length(0);
    // Nothing the step had running starts the camera again behind the page's back: its frame
    // loop would have run on these frames.
    await frames(10);
    expect(liveTracks()).to.have.length(0);
    expect(streams).to.have.length(1);
    host.flow!.dispose();
  });
});
