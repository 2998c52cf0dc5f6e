/**
 * Test camera videos for Chromium's `--use-file-for-fake-video-capture`, generated at test
 * time instead of committed: each frame is an HTML scene rendered by Chromium and screenshotted,
 * then encoded here as YUV4MPEG2 (raw 4:2:0), which Chromium loops as a camera.
 *
 * - {@link documentVideo}: an ID card on a dark table, sharp and evenly lit, filling most of
 *   the frame, so the document step's quality checks advise `ok` on it.
 * - {@link faceVideo}: one frontal face looking straight, then turning to the image's left,
 *   back, to the image's right, back (see {@link FACE_VIDEO_TIMELINE}).
 *
 * Videos are cached by a hash of everything that makes them (scene, timeline, encoder) in
 * `os.tmpdir()/okid-videos`, so only the first run on a machine pays for rendering.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, link, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Browser } from 'playwright';
import { PNG } from 'pngjs';
import { launchChromium } from './support.js';

/** Bumped whenever the encoder's output changes for the same scene. */
const ENCODER_VERSION = 1;

/** Where generated videos are kept between runs. */
export const VIDEO_CACHE_DIR = join(tmpdir(), 'okid-videos');

/** Size, rate and length shared by both videos: 640×480 at 15 fps (460,800 bytes a frame). */
export const VIDEO_WIDTH = 640;
export const VIDEO_HEIGHT = 480;
export const VIDEO_FPS = 15;

/** Where the card lies in a document video frame, in pixels (before the drift of a few frames). */
export const DOCUMENT_CARD = { x: 40, y: 64, width: 560, height: 352 } as const;

/** Frames of the document video: 1.33 s, still but for a one-pixel drift in a few frames. */
const DOCUMENT_FRAMES = 20;

/** One segment of the face video: from `startS` to `endS` (seconds into the loop) the head does `pose`. */
export interface FaceSegment {
  pose: 'straight' | 'turning_image_left' | 'image_left' | 'turning_image_right' | 'image_right' | 'returning';
  startS: number;
  endS: number;
}

/** Peak head turn in the face video, degrees about the vertical axis. */
export const FACE_TURN_DEGREES = 30;

/**
 * The face video's loop, in frames at 15 fps: straight for 1.4 s, then each side in turn (0.4 s
 * turning, 0.6 s held, 0.4 s back), 4.2 s in all. "Image left" is the left of the picture as
 * the camera delivers it (unmirrored): the person turns to their own right, and a mirrored
 * selfie preview shows the head going right.
 */
const FACE_PLAN: Array<[FaceSegment['pose'], number]> = [
  ['straight', 21],
  ['turning_image_left', 6],
  ['image_left', 9],
  ['returning', 6],
  ['turning_image_right', 6],
  ['image_right', 9],
  ['returning', 6],
];

export const FACE_VIDEO_TIMELINE: FaceSegment[] = (() => {
  let frame = 0;
  return FACE_PLAN.map(([pose, frames]) => {
    const segment = { pose, startS: frame / VIDEO_FPS, endS: (frame + frames) / VIDEO_FPS };
    frame += frames;
    return segment;
  });
})();

/** One face frame: head yaw in degrees (negative turns to the image's left) and a shift in pixels. */
interface FaceFrame {
  yaw: number;
  dx: number;
  dy: number;
}

/**
 * The face video's frames. A person holding still still sways a little (a frozen frame looks like
 * a photo), on a three-frame cycle so that equal frames repeat and are rendered once.
 */
function faceFrames(): FaceFrame[] {
  const sway = [[0, 0], [1, 1], [0, 1.5]] as const;
  const ease = (t: number) => (1 - Math.cos(Math.PI * t)) / 2;
  const pose = (yaw: number, n: number): FaceFrame => ({ yaw, dx: yaw * 0.9 + sway[n % 3]![0], dy: sway[n % 3]![1] });
  const frames: FaceFrame[] = [];
  for (const [segment, count] of FACE_PLAN) {
    const side = segment.endsWith('right') ? 1 : -1;
    const lastYaw = frames.at(-1)?.yaw ?? 0;
    for (let i = 0; i < count; i++) {
      if (segment === 'straight') frames.push(pose(0, i));
      else if (segment.startsWith('turning')) frames.push(pose(side * FACE_TURN_DEGREES * ease((i + 1) / count), 0));
      else if (segment === 'returning') frames.push(pose(lastYaw * ease((count - 1 - i) / count), 0));
      else frames.push(pose(side * FACE_TURN_DEGREES, i));
    }
  }
  return frames;
}

/** A card on a table; `setFrame({ dx, dy })` moves the card by a few pixels. */
function documentScene(): string {
  const { x, y, width, height } = DOCUMENT_CARD;
  const guilloche = Array.from({ length: 18 }, (_, i) => {
    const points = Array.from({ length: 57 }, (_, k) => `${k * 10},${40 + i * 11 + 9 * Math.sin(k / 3.5 + i / 2)}`).join(' ');
    return `<polyline points="${points}" fill="none" stroke="rgba(60,110,150,.28)" stroke-width="1"/>`;
  }).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><style>
  html, body { margin: 0; width: ${VIDEO_WIDTH}px; height: ${VIDEO_HEIGHT}px; overflow: hidden; }
  body { background: repeating-linear-gradient(100deg, #3a3029 0 7px, #342b25 7px 13px, #3d332b 13px 22px); }
  #light { position: absolute; inset: 0; background: radial-gradient(ellipse at 40% 35%, rgba(255,240,220,.10), rgba(0,0,0,.25)); }
  #card { position: absolute; left: ${x}px; top: ${y}px; width: ${width}px; height: ${height}px; border-radius: 22px; overflow: hidden;
    background: linear-gradient(160deg, #e3e9ec, #d7dfe4); box-shadow: 0 6px 18px rgba(0,0,0,.55); font-family: 'DejaVu Sans', sans-serif; color: #111820; }
  #card svg { position: absolute; left: 0; top: 0; }
  header { position: absolute; left: 0; top: 0; right: 0; height: 56px; background: #2d5a88; color: #eef3f7; font: bold 22px 'DejaVu Sans', sans-serif; padding: 15px 24px; box-sizing: border-box; letter-spacing: .5px; }
  #photo { position: absolute; left: 24px; top: 74px; width: 140px; height: 176px; background: #9aa4ad; border-radius: 4px; overflow: hidden; }
  .field { position: absolute; left: 190px; }
  .label { font-size: 12px; color: #55626d; letter-spacing: .6px; }
  .value { font-size: 20px; font-weight: bold; margin-top: 2px; }
  #mrz { position: absolute; left: 0; right: 0; bottom: 0; height: 74px; background: #eef1f2; padding: 10px 24px; box-sizing: border-box;
    font: 19px/26px 'DejaVu Sans Mono', monospace; white-space: pre; }
  #sign { position: absolute; left: 400px; top: 214px; white-space: nowrap; font: italic 22px 'DejaVu Serif', serif; color: #1d3c6a; }
</style></head><body><div id="light"></div>
<div id="card">
  <svg width="${width}" height="${height}">${guilloche}</svg>
  <header>REPUBLIC OF OKID · IDENTITY CARD</header>
  <div id="photo"><svg width="140" height="176"><ellipse cx="70" cy="70" rx="36" ry="45" fill="#5b4a40"/><path d="M14 176 C 20 120, 120 120, 126 176 Z" fill="#5b4a40"/></svg></div>
  <div class="field" style="top:72px"><div class="label">SURNAME</div><div class="value">MUSTERMANN</div></div>
  <div class="field" style="top:118px"><div class="label">GIVEN NAMES</div><div class="value">ERIKA JANE</div></div>
  <div class="field" style="top:164px"><div class="label">DATE OF BIRTH</div><div class="value">12.08.1990</div></div>
  <div class="field" style="top:210px"><div class="label">DOCUMENT NO.</div><div class="value">OK1234567</div></div>
  <div class="field" style="left:400px;top:72px"><div class="label">NATIONALITY</div><div class="value">OKD</div></div>
  <div class="field" style="left:400px;top:118px"><div class="label">EXPIRES</div><div class="value">01.01.2034</div></div>
  <div id="sign">E. Mustermann</div>
  <div id="mrz">IDOKD1234567&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;
9008124F3401012OKD&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;4</div>
</div>
<script>
  window.setFrame = ({ dx, dy }) => {
    document.getElementById('card').style.transform = 'translate(' + dx + 'px,' + dy + 'px)';
  };
</script></body></html>`;
}

let photo: Buffer | undefined;

/** The face photo: sample6.jpg of @vladmandic/face-api (MIT), a group photo of which one frontal face is used. */
function facePhoto(): Buffer {
  if (photo) return photo;
  const require = createRequire(import.meta.url);
  let path: string;
  try {
    path = join(require.resolve('@vladmandic/face-api/package.json'), '../demo/sample6.jpg');
  } catch {
    throw new Error('faceVideo needs the devDependency @vladmandic/face-api: its demo/sample6.jpg is the face');
  }
  if (!existsSync(path)) throw new Error(`faceVideo: ${path} is missing`);
  return (photo = readFileSync(path));
}

/**
 * The face: a feathered oval crop of one person in the photo, mapped onto a vertical cylinder
 * of slices (CSS 3D, rotateY per slice inside a perspective container) so that turning the head
 * moves the nose across the face as a real turn does, where a flat rotateY would only squeeze it.
 */
function faceScene(photo: Buffer): string {
  // The person second from the left in sample6.jpg (1920×1537): head and hair, in photo pixels.
  const crop = { x: 622, y: 262, width: 286, height: 400 };
  const scale = 1.1;
  const W = Math.round(crop.width * scale);
  const H = Math.round(crop.height * scale);
  const slices = 36;
  const arc = 1.0; // radians either side of the nose: the face wraps a third of the cylinder
  const WALL_RGB = '207, 199, 188';
  return `<!doctype html><html><head><meta charset="utf-8"><style>
  html, body { margin: 0; width: ${VIDEO_WIDTH}px; height: ${VIDEO_HEIGHT}px; overflow: hidden; }
  body { background: radial-gradient(ellipse at 50% 35%, rgb(${WALL_RGB}) 20%, #a79d91 80%); }
  #torso { position: absolute; left: 170px; top: 410px; width: 300px; height: 200px; border-radius: 150px 150px 0 0; background: #6e1f2c; }
  #stage { position: absolute; left: 0; top: 0; width: ${VIDEO_WIDTH}px; height: ${VIDEO_HEIGHT}px; perspective: 900px; perspective-origin: 50% 45%; }
  #head { position: absolute; left: ${(VIDEO_WIDTH - W) / 2}px; top: ${Math.round((VIDEO_HEIGHT - H) / 2) - 10}px; width: ${W}px; height: ${H}px; transform-style: preserve-3d; }
  .slice { position: absolute; top: 0; height: ${H}px; background-repeat: no-repeat; backface-visibility: hidden; }
</style></head><body><div id="torso"></div><div id="stage"><div id="head"></div></div>
<script>
  window.ready = (async () => {
    const image = new Image();
    image.src = 'data:image/jpeg;base64,${photo.toString('base64')}';
    await image.decode();
    const W = ${W}, H = ${H}, slices = ${slices}, arc = ${arc};
    const canvas = document.createElement('canvas');
    canvas.width = W;
    canvas.height = H;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(image, ${crop.x}, ${crop.y}, ${crop.width}, ${crop.height}, 0, 0, W, H);
    // Feather the crop into the wall's colour towards an oval's rim, then cut the oval out: no
    // edge of the photo (nor a neighbour's face) shows, and the oval is opaque, so the slices'
    // overlaps cannot stack translucent edges into stripes.
    ctx.translate(W / 2, H / 2);
    ctx.scale(1, H / W);
    const rim = ctx.createRadialGradient(0, 0, W * 0.38, 0, 0, W * 0.49);
    rim.addColorStop(0, 'rgba(${WALL_RGB}, 0)');
    rim.addColorStop(1, 'rgba(${WALL_RGB}, 1)');
    ctx.fillStyle = rim;
    ctx.fillRect(-W, -W, 2 * W, 2 * W);
    ctx.globalCompositeOperation = 'destination-in';
    ctx.fillStyle = '#000';
    ctx.beginPath();
    ctx.arc(0, 0, W * 0.49, 0, Math.PI * 2);
    ctx.fill();
    const url = canvas.toDataURL('image/png');
    // The photo's width W spread over the arc of a cylinder of radius R; slices overlap by a pixel each side so no seam shows.
    const R = W / (2 * arc);
    const step = W / slices;
    const head = document.getElementById('head');
    for (let i = 0; i < slices; i++) {
      const slice = document.createElement('div');
      slice.className = 'slice';
      const angle = -arc + (i + 0.5) * (2 * arc / slices);
      slice.style.left = (W / 2 - step / 2 - 1) + 'px';
      slice.style.width = (step + 2) + 'px';
      slice.style.backgroundImage = 'url(' + url + ')';
      slice.style.backgroundSize = W + 'px ' + H + 'px';
      slice.style.backgroundPosition = (-i * step + 1) + 'px 0';
      slice.style.transform = 'rotateY(' + angle + 'rad) translateZ(' + R + 'px)';
      head.appendChild(slice);
    }
    window.setFrame = ({ yaw, dx, dy }) => {
      head.style.transform = 'translate(' + dx + 'px,' + dy + 'px) translateZ(' + (-R) + 'px) rotateY(' + yaw + 'deg)';
    };
  })();
</script></body></html>`;
}

/** Converts RGBA pixels to planar 4:2:0 YCbCr (BT.601, studio range 16..235, the range Chromium assumes for I420), into `out`. */
export function rgbaToI420(rgba: Uint8Array, width: number, height: number, out: Uint8Array): void {
  const ySize = width * height;
  const cw = width >> 1;
  const uBase = ySize;
  const vBase = ySize + cw * (height >> 1);
  for (let i = 0, p = 0; i < ySize; i++, p += 4) {
    out[i] = (16 + (65.738 * rgba[p]! + 129.057 * rgba[p + 1]! + 25.064 * rgba[p + 2]!) / 256 + 0.5) | 0;
  }
  // Chroma of each 2×2 block, centred between its pixels as C420jpeg says.
  for (let y = 0; y < height >> 1; y++) {
    for (let x = 0; x < cw; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of BLOCK) {
        const p = ((2 * y + dy) * width + 2 * x + dx) * 4;
        r += rgba[p]!;
        g += rgba[p + 1]!;
        b += rgba[p + 2]!;
      }
      r /= 4;
      g /= 4;
      b /= 4;
      out[uBase + y * cw + x] = (128 + (-37.945 * r - 74.494 * g + 112.439 * b) / 256 + 0.5) | 0;
      out[vBase + y * cw + x] = (128 + (112.439 * r - 94.154 * g - 18.285 * b) / 256 + 0.5) | 0;
    }
  }
}
const BLOCK = [
  [0, 0],
  [1, 0],
  [0, 1],
  [1, 1],
] as const;

/** The stream header Chromium's y4m reader expects. */
export function y4mHeader(width: number, height: number, fps: number): string {
  return `YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`;
}

/** Bytes of a y4m file of `frames` frames. */
export function y4mSize(width: number, height: number, fps: number, frames: number): number {
  return Buffer.byteLength(y4mHeader(width, height, fps)) + frames * (6 + (width * height * 3) / 2);
}

interface VideoJob<F> {
  name: string;
  html: string;
  frames: F[];
}

/** One Chromium for the videos rendered at the same time (`Promise.all([documentVideo(d), faceVideo(d)])`), closed by the last. */
let shared: { browser: Promise<Browser>; users: number } | undefined;

async function withBrowser<T>(run: (browser: Browser) => Promise<T>): Promise<T> {
  const lease = (shared ??= { browser: launchChromium(), users: 0 });
  lease.users++;
  try {
    return await run(await lease.browser);
  } finally {
    if (--lease.users === 0) {
      if (shared === lease) shared = undefined;
      await (await lease.browser.catch(() => undefined))?.close();
    }
  }
}

/** Renders each frame of `job` in Chromium and writes the y4m to `path` (via a temporary file, so a reader never sees half a video). */
async function renderVideo<F>(job: VideoJob<F>, path: string): Promise<void> {
  await withBrowser((browser) => renderFrames(browser, job, path));
}

async function renderFrames<F>(browser: Browser, job: VideoJob<F>, path: string): Promise<void> {
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const page = await browser.newPage({ viewport: { width: VIDEO_WIDTH, height: VIDEO_HEIGHT }, deviceScaleFactor: 1 });
  const file = await open(temp, 'w');
  try {
    await page.setContent(job.html);
    await page.evaluate(async () => {
      await (window as unknown as { ready?: Promise<void> }).ready;
      await document.fonts.ready;
    });
    await file.write(y4mHeader(VIDEO_WIDTH, VIDEO_HEIGHT, VIDEO_FPS));
    const frameHeader = Buffer.from('FRAME\n');
    // Equal frames (a still card, a held pose) are rendered once.
    const rendered = new Map<string, Uint8Array>();
    for (const frame of job.frames) {
      const key = JSON.stringify(frame);
      let yuv = rendered.get(key);
      if (!yuv) {
        await page.evaluate((frame) => (window as unknown as { setFrame(frame: unknown): void }).setFrame(frame), frame as unknown);
        const png = PNG.sync.read(await page.screenshot({ type: 'png', animations: 'disabled', caret: 'hide' }));
        if (png.width !== VIDEO_WIDTH || png.height !== VIDEO_HEIGHT) throw new Error(`${job.name}: screenshot is ${png.width}×${png.height}`);
        yuv = new Uint8Array((VIDEO_WIDTH * VIDEO_HEIGHT * 3) / 2);
        rgbaToI420(png.data, VIDEO_WIDTH, VIDEO_HEIGHT, yuv);
        rendered.set(key, yuv);
      }
      await file.write(frameHeader);
      await file.write(yuv);
    }
    await file.close();
    await rename(temp, path);
  } catch (error) {
    await file.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  } finally {
    await page.close();
  }
}

/** Returns `dir/name.y4m`, made from the cache, which is filled first when it lacks this exact video. */
async function cachedVideo<F>(dir: string, job: VideoJob<F>): Promise<string> {
  const hash = createHash('sha256')
    .update(JSON.stringify({ ENCODER_VERSION, VIDEO_WIDTH, VIDEO_HEIGHT, VIDEO_FPS, html: job.html, frames: job.frames }))
    .digest('hex')
    .slice(0, 16);
  await mkdir(VIDEO_CACHE_DIR, { recursive: true });
  const cached = join(VIDEO_CACHE_DIR, `${job.name}-${hash}.y4m`);
  const expected = y4mSize(VIDEO_WIDTH, VIDEO_HEIGHT, VIDEO_FPS, job.frames.length);
  const size = await stat(cached).then((s) => s.size, () => -1);
  if (size !== expected) await renderVideo(job, cached);
  await mkdir(dir, { recursive: true });
  const target = join(dir, `${job.name}.y4m`);
  if (target === cached) return target;
  await rm(target, { force: true });
  // A hard link costs nothing; across file systems, copy.
  await link(cached, target).catch(() => copyFile(cached, target));
  return target;
}

/** Writes `dir/document.y4m` (640×480, 15 fps, 20 frames, 9.2 MB) and returns its path. */
export async function documentVideo(dir: string): Promise<string> {
  // Still, but for a one-pixel drift in frames 12 to 15, as a hand-held phone would show.
  const frames = Array.from({ length: DOCUMENT_FRAMES }, (_, i) => (i >= 12 && i < 16 ? { dx: 1, dy: 1 } : { dx: 0, dy: 0 }));
  return cachedVideo(dir, { name: 'document', html: documentScene(), frames });
}

/** Writes `dir/face.y4m` (640×480, 15 fps, 4.2 s loop, 29 MB) and returns its path. */
export async function faceVideo(dir: string): Promise<string> {
  return cachedVideo(dir, { name: 'face', html: faceScene(facePhoto()), frames: faceFrames() });
}
