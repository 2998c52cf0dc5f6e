/**
 * A camera made by the test page, for engines whose test camera cannot play a chosen picture
 * (WebKitGTK's mock devices and Firefox's fake streams show their own pattern; only Chromium
 * plays a video file). The page's `navigator.mediaDevices.getUserMedia` is answered, before the
 * element loads, with a `canvas.captureStream()` that draws chosen frames on a timeline: the
 * element's own code runs unchanged on a real `MediaStream`, in every engine.
 *
 * The rear camera (`facingMode: environment`) shows `environment`'s frames, the front camera
 * (`user`) `user`'s; each frame is drawn for `ms` milliseconds, the list looping from the moment
 * the camera opens, shifted by a pixel or two from frame to frame (a hand-held phone is never
 * perfectly still). `enumerateDevices()` lists one camera each way.
 */

/** One picture of a camera's timeline: a URL on the test page's origin, shown for `ms` milliseconds. */
export interface CameraFrame {
  src: string;
  ms: number;
}

export interface PageCameraPlan {
  environment: CameraFrame[];
  user: CameraFrame[];
  /** Frames drawn a second; default 10. */
  fps?: number;
}

/** The script to run in the page before the element (an inline `<script>` or an init script). */
export function pageCameraScript(plan: PageCameraPlan): string {
  return `(() => {
  const plan = ${JSON.stringify(plan)};
  const W = 640, H = 480, FPS = plan.fps || 10;
  const images = new Map();
  const load = (src) => {
    if (!images.has(src)) {
      images.set(src, fetch(src).then((response) => {
        if (!response.ok) throw new Error('page camera: cannot load ' + src + ' (' + response.status + ')');
        return response.blob();
      }).then((blob) => createImageBitmap(blob)));
    }
    return images.get(src);
  };
  const devices = [
    { deviceId: 'page-camera-back', groupId: 'page-camera', kind: 'videoinput', label: 'Back Camera', facing: 'environment' },
    { deviceId: 'page-camera-front', groupId: 'page-camera', kind: 'videoinput', label: 'Front Camera', facing: 'user' },
  ];
  const wanted = (value) => (value && typeof value === 'object' ? value.exact ?? value.ideal : value);
  const facingOf = (video) => {
    if (!video || typeof video !== 'object') return 'user';
    const id = wanted(video.deviceId);
    const byId = devices.find((d) => d.deviceId === (Array.isArray(id) ? id[0] : id));
    if (byId) return byId.facing;
    const mode = wanted(video.facingMode);
    return (Array.isArray(mode) ? mode[0] : mode) === 'environment' ? 'environment' : 'user';
  };
  if (!navigator.mediaDevices) throw new Error('page camera: navigator.mediaDevices is missing (not a secure page?)');
  window.__pageCamera = { opened: [], errors: [] };
  // On MediaDevices.prototype, not on the navigator.mediaDevices object: WebKit lets that
  // object's JS wrapper be garbage-collected and makes a fresh one later, without the page's own
  // properties, so an override set on it is lost after a while (the element then met WebKitGTK's
  // native getUserMedia, with no camera: OverconstrainedError, CAMERA_UNAVAILABLE on the back side).
  Object.defineProperty(MediaDevices.prototype, 'enumerateDevices', {
    configurable: true,
    writable: true,
    value: async () => devices.map((d) => ({ deviceId: d.deviceId, groupId: d.groupId, kind: d.kind, label: d.label, toJSON() { return this; } })),
  });
  Object.defineProperty(MediaDevices.prototype, 'getUserMedia', {
    configurable: true,
    writable: true,
    value: (constraints) =>
      open(constraints).catch((error) => {
        window.__pageCamera.errors.push(String(error && error.name) + ': ' + String(error && error.message));
        throw error;
      }),
  });
  const open = async (constraints) => {
    if (!constraints || !constraints.video) throw new DOMException('page camera: video only', 'NotSupportedError');
    const facing = facingOf(constraints.video);
    const frames = plan[facing];
    const pictures = await Promise.all(frames.map((frame) => load(frame.src)));
    const loop = frames.reduce((sum, frame) => sum + frame.ms, 0);
    const canvas = document.createElement('canvas');
    canvas.width = W;
    canvas.height = H;
    const context = canvas.getContext('2d');
    const started = performance.now();
    let count = 0;
    const draw = () => {
      let at = (performance.now() - started) % loop;
      let index = 0;
      while (at >= frames[index].ms) at -= frames[index++].ms;
      const sway = [[0, 0], [2, 1], [1, 2]][count++ % 3];
      context.fillStyle = '#000';
      context.fillRect(0, 0, W, H);
      context.drawImage(pictures[index], sway[0], sway[1], W, H);
      // A frame counter in the corner, outside the document guide: two photos of the same
      // picture are still two photos (a real camera's noise does the same).
      context.fillStyle = 'rgb(' + (count % 256) + ',' + ((count >> 8) % 256) + ',0)';
      context.fillRect(0, 0, 6, 6);
    };
    draw();
    const timer = setInterval(draw, 1000 / FPS);
    const stream = canvas.captureStream(FPS);
    const device = devices.find((d) => d.facing === facing);
    window.__pageCamera.opened.push(facing);
    for (const track of stream.getVideoTracks()) {
      const stop = track.stop.bind(track);
      track.stop = () => {
        clearInterval(timer);
        stop();
      };
      const settings = track.getSettings ? track.getSettings.bind(track) : () => ({});
      track.getSettings = () => ({ ...settings(), deviceId: device.deviceId, facingMode: facing, width: W, height: H });
    }
    return stream;
  };
})();`;
}
