/**
 * The pieces the capture steps are built from, in Chromium without a camera: the frame loop that
 * ends with its step's signal, the failure table, the document guide, and the one canvas → JPEG.
 */
import { expect } from '@open-wc/testing';
import { captureEn } from '../../src/i18n/en-capture.js';
import type { CaptureWords } from '../../src/capture/views/words.js';
import { guideRegion } from '../../src/capture/camera/card-guide.js';
import { startFrameLoop } from '../../src/capture/camera/frame-loop.js';
import { CaptureApiError } from '../../src/capture/capture-client.js';
import { apiFailure } from '../../src/capture/steps/errors.js';
import { encodeImage, fileToJpeg } from '../../src/controllers/encode-image.js';

const en = captureEn as CaptureWords;
const frames = (n: number): Promise<void> =>
  new Promise((resolve) => {
    const next = (left: number) => (left === 0 ? resolve() : requestAnimationFrame(() => next(left - 1)));
    next(n);
  });

describe('capture step pieces', () => {
  it('the frame loop works on frames, one call at a time, until its step is left', async () => {
    const steps = new AbortController();
    let calls = 0;
    let running = 0;
    let overlapped = false;
    let release: () => void = () => undefined;
    startFrameLoop(steps.signal, 0, async () => {
      calls++;
      running++;
      overlapped ||= running > 1;
      await new Promise<void>((resolve) => (release = resolve));
      running--;
    });
    await frames(5);
    // The first call has not returned: no second one started meanwhile.
    expect([calls, overlapped]).to.deep.equal([1, false]);
    release();
    await frames(3);
    expect(calls).to.be.greaterThan(1);
    steps.abort();
    release();
    const atAbort = calls;
    await frames(5);
    expect(calls).to.equal(atAbort);
    expect(overlapped).to.equal(false);
  });

  it('the frame loop also stops by its own stop function (a shot was taken), and never starts on a left step', async () => {
    const steps = new AbortController();
    let calls = 0;
    const stop = startFrameLoop(steps.signal, 0, () => void calls++);
    await frames(3);
    stop();
    const atStop = calls;
    await frames(4);
    expect(atStop).to.be.greaterThan(0);
    expect(calls).to.equal(atStop);

    const left = new AbortController();
    left.abort();
    let late = 0;
    startFrameLoop(left.signal, 0, () => void late++);
    await frames(3);
    expect(late).to.equal(0);
  });

  it('maps each capture API failure to its screen and okid-error code', () => {
    const error = (code: ConstructorParameters<typeof CaptureApiError>[1]['code'], retryable = false) =>
      new CaptureApiError(code, { status: 409, code, retryable });
    expect(apiFailure(error('OTHER_DEVICE'), en)).to.deep.equal({ message: en.otherDevice, code: 'ACCESS_DENIED', recoverable: false });
    expect(apiFailure(error('NOT_FOUND'), en)).to.deep.equal({ message: en.notFound, code: 'VERIFICATION_NOT_FOUND', recoverable: false });
    expect(apiFailure(error('EXPIRED'), en)).to.deep.equal({ message: en.expired, code: 'VERIFICATION_EXPIRED', recoverable: false });
    expect(apiFailure(error('FINISHED'), en)).to.deep.equal({ reload: true });
    for (const unknown of [error('SERVER', true), new TypeError('Failed to fetch'), undefined]) {
      expect(apiFailure(unknown, en)).to.deep.equal({ message: en.networkProblem, code: 'NETWORK', recoverable: true });
    }
  });

  it('the document guide is a centred card inside the visible 4:3 view', () => {
    const region = guideRegion(1920, 1080);
    expect(region.width / region.height).to.be.closeTo(85.6 / 54, 0.01);
    expect(region.x * 2 + region.width).to.be.closeTo(1920, 1);
    expect(region.y * 2 + region.height).to.be.closeTo(1080, 1);
    // 1080 × 4/3 = 1440 px of the 1920 are visible: the guide fits in them.
    expect(region.width).to.be.at.most(1440);
  });

  it('encodes a picture as a JPEG no wider than asked, and a picked PNG the same way', async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 800;
    canvas.height = 400;
    const context = canvas.getContext('2d')!;
    context.fillStyle = '#3366cc';
    context.fillRect(0, 0, 800, 400);
    const still = await encodeImage(canvas, 800, 400, { maxWidth: 200 });
    expect(still.type).to.equal('image/jpeg');
    const decoded = await createImageBitmap(still);
    expect([decoded.width, decoded.height]).to.deep.equal([200, 100]);

    const png = await new Promise<Blob>((resolve) => canvas.toBlob((blob) => resolve(blob!), 'image/png'));
    const jpeg = await fileToJpeg(png, 1920);
    expect(jpeg.type).to.equal('image/jpeg');
    const kept = await createImageBitmap(jpeg);
    expect([kept.width, kept.height]).to.deep.equal([800, 400]);
    let unreadable: unknown;
    await fileToJpeg(new Blob(['not a picture'], { type: 'image/png' })).catch((error: unknown) => (unreadable = error));
    expect(unreadable).to.be.instanceOf(Error);
  });
});
