// The camera controller choosing among several rear cameras, against Chromium's fake camera: the
// streams are real (getUserMedia of the fake device), the phone around them is a Galaxy S22's as
// its Chrome reports it (camera-choice.test.ts): its `enumerateDevices()` list, and each track
// saying which camera it comes from and what it can do (focus modes, torch). What a person would
// notice is checked: which camera is live, that no other camera stays on, the torch.
import { expect, waitUntil } from '@open-wc/testing';
import { ReactiveElement } from 'lit';
import { CameraController } from '../../src/controllers/camera-controller.js';

class Host extends ReactiveElement {
  camera = new CameraController(this);
}
customElements.define('camera-switch-host', Host);

/** The Galaxy S22's cameras as Chrome lists them (the ultrawide, id 2, before the main one, id 0). */
const DEVICES = [
  { id: 'sg-1', label: 'camera2 1, facing front', facing: 'user', caps: { focusMode: ['manual', 'single-shot', 'continuous'], torch: false } },
  { id: 'sg-2', label: 'camera2 2, facing back', facing: 'environment', caps: { focusMode: ['manual'], torch: false } },
  { id: 'sg-0', label: 'camera2 0, facing back', facing: 'environment', caps: { focusMode: ['manual', 'single-shot', 'continuous'], torch: true } },
];

const restores: Array<() => void> = [];
function stub<T extends object>(object: T, key: PropertyKey, value: unknown): void {
  const previous = Object.getOwnPropertyDescriptor(object, key);
  Object.defineProperty(object, key, { configurable: true, writable: true, value });
  restores.push(() => (previous ? Object.defineProperty(object, key, previous) : delete (object as Record<PropertyKey, unknown>)[key]));
}

const realGetUserMedia = (constraints: MediaStreamConstraints) => MediaDevices.prototype.getUserMedia.call(navigator.mediaDevices, constraints);

/**
 * The phone: `facingMode: environment` gives the first rear camera listed (the ultrawide, as
 * Chrome does), `deviceId: { exact }` that camera; `refuse` lists cameras that fail to open.
 */
function galaxyS22(refuse: string[] = []) {
  const asked: Array<string | undefined> = [];
  const streams: MediaStream[] = [];
  const torch: boolean[] = [];
  stub(navigator.mediaDevices, 'enumerateDevices', async () =>
    DEVICES.map((d) => ({ kind: 'videoinput', deviceId: d.id, groupId: d.id, label: d.label, getCapabilities: () => ({ facingMode: [d.facing], width: { max: 4000 } }) })),
  );
  stub(navigator.mediaDevices, 'getUserMedia', async (constraints: MediaStreamConstraints) => {
    const video = constraints.video as MediaTrackConstraints;
    const exact = (video.deviceId as ConstrainDOMStringParameters | undefined)?.exact as string | undefined;
    asked.push(exact);
    if (exact && refuse.includes(exact)) throw new DOMException('Could not start video source', 'NotReadableError');
    const facing = (video.facingMode as ConstrainDOMStringParameters | undefined)?.ideal;
    const device = DEVICES.find((d) => d.id === exact) ?? DEVICES.find((d) => d.facing === facing)!;
    const stream = await realGetUserMedia({ video: true });
    const [track] = stream.getVideoTracks();
    const settings = track!.getSettings();
    Object.assign(track!, {
      getSettings: () => ({ ...settings, deviceId: device.id, facingMode: device.facing }),
      getCapabilities: () => ({ deviceId: device.id, facingMode: [device.facing], width: { max: 4000 }, ...device.caps }),
      applyConstraints: async (c: { advanced?: Array<{ torch?: boolean }> }) => void torch.push(Boolean(c.advanced?.[0]?.torch)),
    });
    streams.push(stream);
    return stream;
  });
  const live = () => streams.flatMap((s) => s.getTracks()).filter((t) => t.readyState === 'live');
  return { asked, streams, torch, live };
}

describe('CameraController with several rear cameras', () => {
  let el: Host;
  beforeEach(() => {
    el = document.createElement('camera-switch-host') as Host;
    document.body.append(el);
  });
  afterEach(() => {
    el.camera.stop();
    el.remove();
    for (const restore of restores.splice(0).reverse()) restore();
  });

  it('opens the rear camera, sees the ultrawide came, switches to the main one and stops the ultrawide', async () => {
    const phone = galaxyS22();
    await el.camera.start('environment');
    expect(el.camera.state).to.equal('live');
    expect(phone.asked).to.deep.equal([undefined, 'sg-0']);
    expect(el.camera.stream!.getVideoTracks()[0]!.getSettings().deviceId).to.equal('sg-0');
    expect(phone.live(), 'only the main camera is on').to.have.length(1);
    expect(el.camera.cameras.map((c) => c.deviceId), 'Switch camera is offered: main, then ultrawide').to.deep.equal(['sg-0', 'sg-2']);
    expect(el.camera.torch, 'the main camera has a torch').to.equal(true);
  });

  it('Switch camera moves to the next rear camera and back, one camera on at a time, and stop() ends it', async () => {
    const phone = galaxyS22();
    await el.camera.start('environment');
    await el.camera.switchCamera();
    expect(el.camera.stream!.getVideoTracks()[0]!.getSettings().deviceId).to.equal('sg-2');
    expect([el.camera.state, el.camera.torch]).to.deep.equal(['live', false]);
    expect(phone.live()).to.have.length(1);
    await el.camera.switchCamera();
    expect(el.camera.stream!.getVideoTracks()[0]!.getSettings().deviceId).to.equal('sg-0');
    expect(phone.asked.slice(2)).to.deep.equal(['sg-2', 'sg-0']);
    el.camera.stop();
    expect(phone.live(), 'every track stopped').to.have.length(0);
  });

  it('Light: the torch goes on and off through applyConstraints, and is off after a switch', async () => {
    const phone = galaxyS22();
    await el.camera.start('environment');
    await el.camera.setTorch(true);
    expect(el.camera.torchOn).to.equal(true);
    await el.camera.setTorch(false);
    expect(el.camera.torchOn).to.equal(false);
    await el.camera.setTorch(true);
    await el.camera.switchCamera();
    expect([el.camera.torch, el.camera.torchOn]).to.deep.equal([false, false]);
    expect(phone.torch).to.deep.equal([true, false, true]);
  });

  it('keeps the browser’s camera when the main one will not open', async () => {
    const phone = galaxyS22(['sg-0']);
    await el.camera.start('environment');
    expect(el.camera.state).to.equal('live');
    expect(phone.asked).to.deep.equal([undefined, 'sg-0', 'sg-2']);
    expect(el.camera.stream!.getVideoTracks()[0]!.getSettings().deviceId).to.equal('sg-2');
    expect(phone.live()).to.have.length(1);
  });

  it('a stop() while the cameras are being listed leaves no camera on', async () => {
    const phone = galaxyS22();
    let release = () => {};
    const listing = navigator.mediaDevices.enumerateDevices.bind(navigator.mediaDevices);
    stub(navigator.mediaDevices, 'enumerateDevices', () => new Promise((resolve) => (release = () => resolve(listing()))));
    const started = el.camera.start('environment');
    await waitUntil(() => phone.streams.length === 1, 'the first camera opened');
    el.camera.stop();
    release();
    await started;
    expect(el.camera.state).to.equal('idle');
    expect(phone.live()).to.have.length(0);
    expect(phone.asked, 'the main camera was not opened after the stop').to.deep.equal([undefined]);
  });

  it('the front camera is never swapped for another', async () => {
    const phone = galaxyS22();
    await el.camera.start('user');
    expect(phone.asked).to.deep.equal([undefined]);
    expect(el.camera.cameras.map((c) => c.deviceId)).to.deep.equal(['sg-1']);
  });
});
