// Which camera the document step uses, on the camera lists of real phones. Each list is what the
// browser of that phone reports: the `enumerateDevices()` labels (Chrome on Android names cameras
// "camera2 <Android id>, facing <back|front>"; Safari on iOS names the lenses and the virtual
// multi-lens cameras), each camera's `InputDeviceInfo.getCapabilities()` where the browser has it
// (Chrome: facing and the largest width; Safari: none), and the open track's capabilities (focus
// modes, torch) for the camera `facingMode: environment` opened first. Labels and capability
// shapes come from published reports of these phones (Chromium's and WebKit's naming, bug reports
// quoting the lists); widths are the sensors' published 4:3 widths.
import { expect } from '@open-wc/testing';
import { camerasFacing, chooseDocumentCamera, facingOf } from '../../src/controllers/camera-choice.js';
import type { CameraInfo } from '../../src/controllers/camera-choice.js';

/** Chrome's capabilities of an open rear main camera (Samsung Galaxy A51, as Chrome's console prints them). */
const MAIN_TRACK = { focusMode: ['manual', 'single-shot', 'continuous'], maxWidth: 4000 };
/** A fixed-focus lens (ultrawide, macro): Chrome lists no continuous focus. */
const FIXED_FOCUS_TRACK = { focusMode: ['manual'] };

/** Pixel 7, Chrome 120: one logical camera each way. */
const PIXEL_7: CameraInfo[] = [
  { deviceId: 'px-1', label: 'camera2 1, facing front', facingMode: ['user'], maxWidth: 3840 },
  { deviceId: 'px-0', label: 'camera2 0, facing back', facingMode: ['environment'], maxWidth: 4080 },
];

/** Samsung Galaxy S22, Chrome 120: two cameras each way, the ultrawide (id 2) listed before the main one (id 0). */
const GALAXY_S22: CameraInfo[] = [
  { deviceId: 'sg-1', label: 'camera2 1, facing front', facingMode: ['user'], maxWidth: 3648 },
  { deviceId: 'sg-3', label: 'camera2 3, facing front', facingMode: ['user'], maxWidth: 3648 },
  { deviceId: 'sg-2', label: 'camera2 2, facing back', facingMode: ['environment'], maxWidth: 4000 },
  { deviceId: 'sg-0', label: 'camera2 0, facing back', facingMode: ['environment'], maxWidth: 4000 },
];

/** iPhone 15 Pro, Safari 17: each lens and the virtual multi-lens cameras; no per-device capabilities. */
const IPHONE_15_PRO: CameraInfo[] = [
  { deviceId: 'ip-front', label: 'Front Camera' },
  { deviceId: 'ip-back', label: 'Back Camera' },
  { deviceId: 'ip-ultra', label: 'Back Ultra Wide Camera' },
  { deviceId: 'ip-tele', label: 'Back Telephoto Camera' },
  { deviceId: 'ip-triple', label: 'Back Triple Camera' },
  { deviceId: 'ip-dualwide', label: 'Back Dual Wide Camera' },
  { deviceId: 'ip-dual', label: 'Back Dual Camera' },
];

/** A Windows laptop: a webcam and the infrared camera of face unlock, neither saying which way it faces. */
const LAPTOP: CameraInfo[] = [
  { deviceId: 'lt-ir', label: 'Integrated IR Camera (04f2:b67c)' },
  { deviceId: 'lt-cam', label: 'Integrated Camera (04f2:b67c)' },
];

/** The list as the controller sees it: the open camera carries its track's capabilities. */
const opened = (list: CameraInfo[], deviceId: string, track: Partial<CameraInfo>): CameraInfo[] =>
  list.map((camera) => (camera.deviceId === deviceId ? { ...camera, ...track } : camera));

const ids = (cameras: CameraInfo[]) => cameras.map((camera) => camera.deviceId);

describe('camera choice on real phones', () => {
  it('Pixel 7: one rear camera, nothing to choose and nothing to switch to', () => {
    const list = opened(PIXEL_7, 'px-0', MAIN_TRACK);
    expect(chooseDocumentCamera(list)).to.equal(undefined);
    expect(ids(camerasFacing(list, 'environment'))).to.deep.equal(['px-0']);
    expect(ids(camerasFacing(list, 'user'))).to.deep.equal(['px-1']);
  });

  it('Galaxy S22: the browser opened the ultrawide (fixed focus): the main camera (id 0) is chosen', () => {
    const list = opened(GALAXY_S22, 'sg-2', FIXED_FOCUS_TRACK);
    expect(chooseDocumentCamera(list)?.label).to.equal('camera2 0, facing back');
    expect(ids(camerasFacing(list, 'environment')), 'Switch camera goes main → ultrawide').to.deep.equal(['sg-0', 'sg-2']);
    expect(ids(camerasFacing(list, 'user'))).to.deep.equal(['sg-1', 'sg-3']);
  });

  it('Galaxy S22: the browser opened the main camera (continuous focus): it stays', () => {
    const list = opened(GALAXY_S22, 'sg-0', MAIN_TRACK);
    expect(chooseDocumentCamera(list)?.deviceId).to.equal('sg-0');
  });

  it('Galaxy S22: a main camera that streams less than 1080p loses to one that does', () => {
    const list = GALAXY_S22.map((camera) => (camera.deviceId === 'sg-0' ? { ...camera, maxWidth: 1280 } : camera));
    expect(chooseDocumentCamera(list)?.deviceId).to.equal('sg-2');
  });

  it('iPhone 15 Pro: "Back Camera" (the main lens), before the virtual cameras and far before ultrawide and telephoto', () => {
    const list = opened(IPHONE_15_PRO, 'ip-triple', { facingMode: ['environment'], maxWidth: 4032 });
    expect(chooseDocumentCamera(list)?.label).to.equal('Back Camera');
    const order = camerasFacing(list, 'environment').map((camera) => camera.label);
    expect(order[0]).to.equal('Back Camera');
    expect(order.slice(1, 4)).to.have.members(['Back Triple Camera', 'Back Dual Wide Camera', 'Back Dual Camera']);
    expect(order.slice(4)).to.have.members(['Back Ultra Wide Camera', 'Back Telephoto Camera']);
    expect(ids(camerasFacing(list, 'user'))).to.deep.equal(['ip-front']);
  });

  it('a laptop: the infrared camera is never offered; one webcam leaves nothing to choose', () => {
    expect(chooseDocumentCamera(LAPTOP)).to.equal(undefined);
    expect(ids(camerasFacing(LAPTOP, 'environment'))).to.deep.equal(['lt-cam']);
    expect(ids(camerasFacing(LAPTOP, 'user'))).to.deep.equal(['lt-cam']);
  });

  it('tells the facing from the browser first, else from labels in several languages', () => {
    expect(facingOf({ deviceId: 'a', label: 'Rückkamera' })).to.equal('environment');
    expect(facingOf({ deviceId: 'b', label: 'Caméra arrière' })).to.equal('environment');
    expect(facingOf({ deviceId: 'c', label: 'Caméra avant' })).to.equal('user');
    expect(facingOf({ deviceId: 'd', label: 'Front TrueDepth Camera' })).to.equal('user');
    expect(facingOf({ deviceId: 'e', label: 'USB Camera', facingMode: ['environment'] })).to.equal('environment');
    expect(facingOf({ deviceId: 'f', label: '' })).to.equal(undefined);
  });
});
