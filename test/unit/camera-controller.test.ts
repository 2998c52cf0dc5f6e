// The camera controller against Chromium's fake camera (a real getUserMedia, launched with
// --use-fake-device-for-media-stream). Faults a real device cannot be made to show here
// (refusals, a camera that never answers) come from a stubbed getUserMedia, restored after
// each test, as is every other stubbed device property.
import { expect, waitUntil } from '@open-wc/testing';
import { ReactiveElement } from 'lit';
import { CameraController, detectInAppBrowser } from '../../src/controllers/camera-controller.js';
import type { CameraControllerOptions } from '../../src/controllers/camera-controller.js';

let tagCount = 0;

class CameraHost extends ReactiveElement {
  camera!: CameraController;
  requests = 0;
  override requestUpdate(...args: Parameters<ReactiveElement['requestUpdate']>): void {
    super.requestUpdate(...args);
    this.requests++;
  }
}

/** A fresh host element with its own tag, in the document. */
function mountHost(options: CameraControllerOptions = {}): CameraHost {
  const tag = `camera-host-${tagCount++}-${Math.random().toString(36).slice(2, 7)}`;
  const Host = class extends CameraHost {
    constructor() {
      super();
      this.camera = new CameraController(this, options);
    }
  };
  customElements.define(tag, Host);
  const el = document.createElement(tag) as CameraHost;
  document.body.append(el);
  return el;
}

const restores: Array<() => void> = [];
/** Replaces `object[key]` with an own property for this test only. */
function stubProperty<T extends object>(object: T, key: PropertyKey, value: unknown): void {
  const had = Object.prototype.hasOwnProperty.call(object, key);
  const previous = Object.getOwnPropertyDescriptor(object, key);
  Object.defineProperty(object, key, { configurable: true, writable: true, value });
  restores.push(() => {
    if (had && previous) Object.defineProperty(object, key, previous);
    else delete (object as Record<PropertyKey, unknown>)[key];
  });
}

let visibility: DocumentVisibilityState = 'visible';
function stubVisibility(): void {
  visibility = 'visible';
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility });
  restores.push(() => delete (document as unknown as Record<string, unknown>).visibilityState);
}
function setVisibility(state: DocumentVisibilityState): void {
  visibility = state;
  document.dispatchEvent(new Event('visibilitychange'));
}

const realGetUserMedia = (constraints: MediaStreamConstraints) =>
  MediaDevices.prototype.getUserMedia.call(navigator.mediaDevices, constraints);

/** Records every stream and the constraints getUserMedia gave or was asked for, still calling the real one. */
function spyGetUserMedia() {
  const streams: MediaStream[] = [];
  const asked: MediaStreamConstraints[] = [];
  stubProperty(navigator.mediaDevices, 'getUserMedia', async (constraints: MediaStreamConstraints) => {
    asked.push(constraints);
    const stream = await realGetUserMedia(constraints);
    streams.push(stream);
    return stream;
  });
  return { streams, asked, tracks: () => streams.flatMap((s) => s.getTracks()) };
}

/** A getUserMedia that answers only when the test says so. */
function heldGetUserMedia() {
  const calls: Array<{ resolve(stream: MediaStream): void; reject(error: unknown): void }> = [];
  stubProperty(navigator.mediaDevices, 'getUserMedia', () => new Promise((resolve, reject) => calls.push({ resolve, reject })));
  return calls;
}

const rejectWith = (...names: string[]) => {
  const queue = [...names];
  const asked: MediaStreamConstraints[] = [];
  stubProperty(navigator.mediaDevices, 'getUserMedia', async (constraints: MediaStreamConstraints) => {
    asked.push(constraints);
    const name = queue.shift();
    if (name) throw new DOMException(`stubbed ${name}`, name);
    return realGetUserMedia(constraints);
  });
  return asked;
};

const until = (predicate: () => boolean, message: string, timeout = 5000) => waitUntil(predicate, message, { timeout, interval: 10 });

const allEnded = (tracks: MediaStreamTrack[]) => tracks.length > 0 && tracks.every((t) => t.readyState === 'ended');

function makeVideo(): HTMLVideoElement {
  const video = document.createElement('video');
  document.body.append(video);
  return video;
}

const IN_APP_UAS: Array<[string, string]> = [
  [
    'Instagram',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 325.0.3.26.104 (iPhone14,5; iOS 17_4; en_US; en; scale=3.00; 1170x2532; 586391034)',
  ],
  [
    'Facebook',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/21D61 [FBAN/FBIOS;FBAV/452.0.0.39.110;FBBV/567033414;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.3.1;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5;FBRV/569432115]',
  ],
  [
    'Facebook',
    'Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/122.0.6261.105 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/454.0.0.44.108;]',
  ],
  [
    'Messenger',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/MessengerForiOS;FBAV/440.0.0.38.105;FBBV/524125218;FBDV/iPhone13,2;FBMD/iPhone;FBSN/iOS;FBSV/16.6;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]',
  ],
  [
    'TikTok',
    'Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230805.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 trill_310503 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/musical_ly app_version/31.5.3 ByteLocale/en ByteFullLocale/en Region/US BytedanceWebview/d8a21c6',
  ],
  [
    'LinkedIn',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [LinkedInApp]/9.29.6537',
  ],
  [
    'Snapchat',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Snapchat/12.70.0.37 (like Safari/8617.1.17.10.9, panda)',
  ],
  [
    'LINE',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari Line/13.21.0',
  ],
  [
    'WeChat',
    'Mozilla/5.0 (Linux; Android 12; M2102J20SG Build/SKQ1.211006.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 MMWEBSDK/20230202 MMWEBID/2585 MicroMessenger/8.0.33.2320(0x2800213D) WeChat/arm64 Weixin NetType/WIFI Language/en ABI/arm64',
  ],
];

const REGULAR_UAS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0',
];

describe('CameraController', () => {
  const hosts: CameraHost[] = [];
  const videos: HTMLVideoElement[] = [];
  const host = (options?: CameraControllerOptions) => {
    const el = mountHost(options);
    hosts.push(el);
    return el;
  };
  const video = () => {
    const v = makeVideo();
    videos.push(v);
    return v;
  };

  afterEach(() => {
    for (const el of hosts.splice(0)) {
      el.camera.stop();
      el.remove();
    }
    for (const v of videos.splice(0)) v.remove();
    for (const restore of restores.splice(0).reverse()) restore();
  });

  it('opens the rear camera at 1080p ideal, goes live, and plays in an attached <video>', async () => {
    const spy = spyGetUserMedia();
    const el = host();
    const v = video();
    const requestsBefore = el.requests;
    const started = el.camera.start('environment');
    expect(el.camera.state).to.equal('starting');
    await started;
    expect(el.camera.state).to.equal('live');
    expect(el.camera.fault).to.equal(undefined);
    expect(el.camera.facingMode).to.equal('environment');
    expect(el.requests - requestsBefore, 'an update for starting and for live').to.be.at.least(2);
    expect(spy.asked[0]).to.deep.equal({
      audio: false,
      video: { facingMode: { ideal: 'environment' }, width: { ideal: 1920 }, height: { ideal: 1080 } },
    });
    el.camera.attach(v);
    expect(v.srcObject).to.equal(el.camera.stream);
    expect(v.muted && v.playsInline && v.hasAttribute('playsinline')).to.equal(true);
    await until(() => !v.paused && v.readyState >= 2 && v.videoWidth > 0, 'the video plays');
  });

  it('opens the front camera at 720p ideal for selfies', async () => {
    const spy = spyGetUserMedia();
    const el = host();
    await el.camera.start('user');
    expect(el.camera.state).to.equal('live');
    expect(spy.asked[0]!.video).to.deep.equal({ facingMode: { ideal: 'user' }, width: { ideal: 1280 }, height: { ideal: 720 } });
  });

  it('stop() ends every track it got, clears the video, and may be called again', async () => {
    const spy = spyGetUserMedia();
    const el = host();
    const v = video();
    el.camera.attach(v);
    await el.camera.start('environment');
    expect(v.srcObject).to.equal(el.camera.stream);
    expect(spy.tracks().every((t) => t.readyState === 'live')).to.equal(true);
    el.camera.stop();
    expect(allEnded(spy.tracks())).to.equal(true);
    expect(el.camera.state).to.equal('idle');
    expect(el.camera.stream).to.equal(undefined);
    expect(v.srcObject).to.equal(null);
    el.camera.stop();
    expect(el.camera.state).to.equal('idle');
  });

  it('detach() clears the srcObject of that video only', async () => {
    spyGetUserMedia();
    const el = host();
    const a = video();
    const b = video();
    await el.camera.start('user');
    el.camera.attach(a);
    el.camera.attach(b);
    el.camera.detach(a);
    expect(a.srcObject).to.equal(null);
    expect(b.srcObject).to.equal(el.camera.stream);
  });

  it('ends every track when the host leaves the DOM, and reopens the same camera when it comes back', async () => {
    const spy = spyGetUserMedia();
    const el = host();
    await el.camera.start('user');
    const first = spy.tracks();
    el.remove();
    expect(allEnded(first)).to.equal(true);
    expect(el.camera.state).to.equal('idle');
    document.body.append(el);
    await until(() => el.camera.state === 'live', 'reopened on reconnect');
    expect(el.camera.facingMode).to.equal('user');
    el.remove();
    expect(allEnded(spy.tracks())).to.equal(true);
  });

  it('pauses (tracks ended) while the tab is hidden and restarts the same camera when visible', async () => {
    stubVisibility();
    const spy = spyGetUserMedia();
    const el = host();
    const v = video();
    el.camera.attach(v);
    await el.camera.start('environment');
    const first = spy.tracks();
    setVisibility('hidden');
    expect(el.camera.state).to.equal('paused');
    expect(allEnded(first)).to.equal(true);
    expect(v.srcObject).to.equal(null);
    expect(el.camera.facingMode).to.equal('environment');
    setVisibility('visible');
    await until(() => el.camera.state === 'live', 'restarted when visible');
    expect(spy.asked).to.have.length(2);
    expect((spy.asked[1]!.video as MediaTrackConstraints).deviceId, 'the same camera').to.deep.equal({ exact: first[0]!.getSettings().deviceId });
    expect(v.srcObject, 'the attached video shows the new stream').to.equal(el.camera.stream);
    expect(el.camera.stream!.getTracks().every((t) => t.readyState === 'live')).to.equal(true);
  });

  it('a start() while hidden waits for the tab to be seen', async () => {
    stubVisibility();
    const spy = spyGetUserMedia();
    const el = host();
    setVisibility('hidden');
    await el.camera.start('user');
    expect(el.camera.state).to.equal('paused');
    expect(spy.asked).to.have.length(0);
    setVisibility('visible');
    await until(() => el.camera.state === 'live', 'started when visible');
  });

  it('a start() replaced by another start() leaves only the new stream live', async () => {
    const calls = heldGetUserMedia();
    const el = host();
    const first = el.camera.start('environment');
    const second = el.camera.start('user');
    expect(calls).to.have.length(2);
    const late = await realGetUserMedia({ video: true });
    const current = await realGetUserMedia({ video: true });
    calls[1]!.resolve(current);
    await second;
    calls[0]!.resolve(late);
    await first;
    expect(el.camera.state).to.equal('live');
    expect(el.camera.facingMode).to.equal('user');
    expect(el.camera.stream).to.equal(current);
    expect(allEnded(late.getTracks()), 'the replaced run’s stream is stopped on arrival').to.equal(true);
    el.camera.stop();
    expect(allEnded(current.getTracks())).to.equal(true);
  });

  it('a new start() after a live one stops the old tracks first', async () => {
    const spy = spyGetUserMedia();
    const el = host();
    await el.camera.start('environment');
    const first = spy.tracks();
    await el.camera.start('user');
    expect(allEnded(first)).to.equal(true);
    expect(spy.tracks().filter((t) => t.readyState === 'live')).to.have.length(1);
  });

  for (const [name, code] of [
    ['NotAllowedError', 'CAMERA_DENIED'],
    ['SecurityError', 'CAMERA_DENIED'],
    ['NotReadableError', 'CAMERA_BUSY'],
    ['AbortError', 'CAMERA_BUSY'],
  ] as const) {
    it(`maps ${name} to ${code}`, async () => {
      rejectWith(name);
      const el = host();
      await el.camera.start('environment');
      expect(el.camera.state).to.equal('error');
      expect(el.camera.fault?.code).to.equal(code);
      expect(el.camera.stream).to.equal(undefined);
    });
  }

  for (const name of ['OverconstrainedError', 'NotFoundError']) {
    it(`retries once without resolution on ${name}, then reports CAMERA_UNAVAILABLE`, async () => {
      const asked = rejectWith(name, name);
      const el = host();
      await el.camera.start('environment');
      expect(asked).to.have.length(2);
      expect(asked[1]!.video).to.deep.equal({ facingMode: { ideal: 'environment' } });
      expect(el.camera.fault?.code).to.equal('CAMERA_UNAVAILABLE');
    });

    it(`goes live when the retry without resolution after ${name} works`, async () => {
      const asked = rejectWith(name);
      const el = host();
      await el.camera.start('environment');
      expect(asked).to.have.length(2);
      expect(el.camera.state).to.equal('live');
    });
  }

  it('says how to allow the camera in the browser at hand', async () => {
    const cases: Array<[string, RegExp]> = [
      [REGULAR_UAS[0]!, /Website Settings|Settings app/],
      [REGULAR_UAS[1]!, /In Chrome.*Android Settings/],
      [REGULAR_UAS[2]!, /Samsung Internet/],
      [REGULAR_UAS[3]!, /Firefox/],
    ];
    for (const [userAgent, pattern] of cases) {
      rejectWith('NotAllowedError');
      const el = host({ userAgent });
      await el.camera.start('user');
      expect(el.camera.fault?.code).to.equal('CAMERA_DENIED');
      expect(el.camera.fault?.message).to.match(pattern);
      expect(el.camera.fault?.message).to.match(/upload photos/);
    }
  });

  it('says another app is using a busy camera', async () => {
    rejectWith('NotReadableError');
    const el = host();
    await el.camera.start('user');
    expect(el.camera.fault?.message).to.match(/Another app is using the camera/);
  });

  it('reports INSECURE_CONTEXT without mediaDevices on an http page', async () => {
    stubProperty(navigator, 'mediaDevices', undefined);
    stubProperty(window, 'isSecureContext', false);
    const el = host();
    await el.camera.start('environment');
    expect(el.camera.fault?.code).to.equal('INSECURE_CONTEXT');
    expect(el.camera.fault?.message).to.match(/https:\/\//);
  });

  it('reports UNSUPPORTED_BROWSER without mediaDevices on a secure page', async () => {
    stubProperty(navigator, 'mediaDevices', undefined);
    const el = host();
    await el.camera.start('environment');
    expect(el.camera.fault?.code).to.equal('UNSUPPORTED_BROWSER');
  });

  it('in an in-app browser, still tries the camera, and when it fails says to open the page in the browser', async () => {
    const userAgent = IN_APP_UAS[0]![1];
    const el = host({ userAgent });
    expect(el.camera.inAppBrowser).to.equal('Instagram');
    spyGetUserMedia();
    await el.camera.start('user');
    expect(el.camera.state, 'a working in-app camera is used').to.equal('live');
    restores.pop()!();

    rejectWith('NotAllowedError');
    await el.camera.start('user');
    expect(el.camera.fault?.code).to.equal('IN_APP_BROWSER');
    expect(el.camera.fault?.message).to.match(/Instagram/).and.to.match(/Open in browser/);

    stubProperty(navigator, 'mediaDevices', undefined);
    await el.camera.start('user');
    expect(el.camera.fault?.code).to.equal('IN_APP_BROWSER');
  });

  it('times out a getUserMedia that never answers, and stops the stream that arrives late', async () => {
    const calls = heldGetUserMedia();
    const el = host({ timeoutMs: 150, promptTimeoutMs: 150 });
    const t0 = performance.now();
    await el.camera.start('environment');
    expect(performance.now() - t0).to.be.within(100, 2000);
    expect(el.camera.state).to.equal('error');
    expect(el.camera.fault?.code).to.equal('CAMERA_TIMEOUT');
    const late = await realGetUserMedia({ video: true });
    calls[0]!.resolve(late);
    await until(() => allEnded(late.getTracks()), 'the late stream is stopped');
    expect(el.camera.state).to.equal('error');
    expect(el.camera.stream).to.equal(undefined);
  });

  it('a stream that arrives after stop() is stopped at once', async () => {
    const calls = heldGetUserMedia();
    const el = host();
    const started = el.camera.start('user');
    el.camera.stop();
    await started;
    const late = await realGetUserMedia({ video: true });
    calls[0]!.resolve(late);
    await until(() => allEnded(late.getTracks()), 'the late stream is stopped');
    expect(el.camera.state).to.equal('idle');
  });

  it('a track that ends by itself is an error while visible, with every other track stopped', async () => {
    stubVisibility();
    const el = host();
    await el.camera.start('user');
    const [track] = el.camera.stream!.getVideoTracks();
    track!.dispatchEvent(new Event('ended')); // as when the system takes the camera
    expect(el.camera.state).to.equal('error');
    expect(el.camera.fault?.code).to.equal('CAMERA_UNAVAILABLE');
    expect(track!.readyState).to.equal('ended');
  });

  it('a track that ends while hidden pauses, and the camera restarts when visible', async () => {
    stubVisibility();
    const el = host();
    await el.camera.start('user');
    const [track] = el.camera.stream!.getVideoTracks();
    visibility = 'hidden'; // the system ended the track before the page heard of the change
    track!.dispatchEvent(new Event('ended'));
    expect(el.camera.state).to.equal('paused');
    setVisibility('visible');
    await until(() => el.camera.state === 'live', 'restarted');
  });

  it('capture() returns a JPEG still at the video’s resolution, capped by maxWidth', async () => {
    const el = host();
    const v = video();
    el.camera.attach(v);
    await el.camera.start('environment');
    await until(() => v.readyState >= 2 && v.videoWidth > 0, 'a frame');
    const full = await el.camera.capture(v);
    expect(full.type).to.equal('image/jpeg');
    const head = new Uint8Array(await full.slice(0, 3).arrayBuffer());
    expect([...head]).to.deep.equal([0xff, 0xd8, 0xff]);
    const bitmap = await createImageBitmap(full);
    expect([bitmap.width, bitmap.height]).to.deep.equal([Math.min(1920, v.videoWidth), Math.round(v.videoHeight * Math.min(1, 1920 / v.videoWidth))]);
    const small = await createImageBitmap(await el.camera.capture(v, { maxWidth: 320, quality: 0.5 }));
    expect(small.width).to.equal(320);
    expect(small.height).to.equal(Math.round((320 * v.videoHeight) / v.videoWidth));
  });

  it('capture() rejects before the video has a frame', async () => {
    const el = host();
    let error: unknown;
    await el.camera.capture(video()).catch((e) => (error = e));
    expect(error).to.be.instanceOf(Error);
  });
});

describe('detectInAppBrowser', () => {
  for (const [name, ua] of IN_APP_UAS) {
    it(`finds ${name} in its user agent`, () => {
      expect(detectInAppBrowser(ua)).to.equal(name);
    });
  }

  it('finds nothing in regular browsers', () => {
    for (const ua of REGULAR_UAS) expect(detectInAppBrowser(ua), ua).to.equal(undefined);
  });
});
