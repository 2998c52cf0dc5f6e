/**
 * Test camera videos for Chromium's `--use-file-for-fake-video-capture`, generated at test
 * time instead of committed: each frame is an HTML scene rendered by Chromium and screenshotted,
 * then encoded here as YUV4MPEG2 (raw 4:2:0), which Chromium loops as a camera.
 *
 * - {@link documentVideo}: an ID card on a dark table, sharp and evenly lit, filling most of
 *   the frame, so the document step's quality checks advise `ok` on it.
 * - {@link faceVideo}: real photos of faces (face-api's MIT demo pictures), cut between a face
 *   looking straight, a head turned to the person's left, straight again, and the turned head
 *   mirrored (turned to their right), so the bundled face detector reads the yaw the liveness
 *   prompts ask for (see {@link FACE_VIDEO_TIMELINE}).
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

/** Frame size of both videos: 640×480 (460,800 bytes a frame in 4:2:0). */
export const VIDEO_WIDTH = 640;
export const VIDEO_HEIGHT = 480;
/** The document video's rate. */
export const VIDEO_FPS = 15;
/**
 * The face video's rate: low, to keep a loop of several seconds small (Chromium's fake camera
 * repeats each frame for as long as its rate says, and the face check samples a few frames a
 * second at most).
 */
export const FACE_VIDEO_FPS = 5;

/** Where the card lies in a document video frame, in pixels (before the drift of a few frames). */
export const DOCUMENT_CARD = { x: 40, y: 64, width: 560, height: 352 } as const;

/** Frames of the document video: 1.33 s, still but for a one-pixel drift in a few frames. */
const DOCUMENT_FRAMES = 20;

/**
 * The face video's poses, in the person's own terms as the liveness prompts use them: `left` is
 * a head turned to the person's left (yaw ≥ +20° for `LivenessTracker`; the nose moves to the
 * right of the unmirrored frame), `right` the other way.
 */
export type FacePose = 'straight' | 'left' | 'right';

/** One segment of the face video: from `startS` to `endS` (seconds into the loop) the camera shows `pose`. */
export interface FaceSegment {
  pose: FacePose;
  startS: number;
  endS: number;
}

/**
 * The face video's loop, in frames at {@link FACE_VIDEO_FPS}: straight 3 s, turned to the
 * person's left 3 s, straight 2 s, turned to their right 3 s (11 s). Each pose lasts long
 * enough for the bundled detector (a detection every 0.3–1 s in headless Chromium) to see it
 * held for `LivenessTracker`'s 600 ms, whichever point of the loop the flow starts at.
 */
const FACE_PLAN: Array<[FacePose, number]> = [
  ['straight', 15],
  ['left', 15],
  ['straight', 10],
  ['right', 15],
];

export const FACE_VIDEO_TIMELINE: FaceSegment[] = (() => {
  let frame = 0;
  return FACE_PLAN.map(([pose, frames]): FaceSegment => {
    const segment = { pose, startS: frame / FACE_VIDEO_FPS, endS: (frame + frames) / FACE_VIDEO_FPS };
    frame += frames;
    return segment;
  });
})();

/** One face frame: the photo of `pose`, shifted by a few pixels. */
interface FaceFrame {
  pose: FacePose;
  dx: number;
  dy: number;
}

/**
 * The face video's frames. A person holding still still sways a little (a frozen frame looks like
 * a photo), on a three-frame cycle so that equal frames repeat and are rendered once.
 */
function faceFrames(plan: Array<[FacePose, number]>): FaceFrame[] {
  const sway = [[0, 0], [2, 1], [1, 2]] as const;
  const frames: FaceFrame[] = [];
  for (const [pose, count] of plan) {
    for (let i = 0; i < count; i++) frames.push({ pose, dx: sway[i % 3]![0], dy: sway[i % 3]![1] });
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

/**
 * A face photo cropped for a pose: `sample` is `@vladmandic/face-api/demo/sample<n>.jpg` (MIT),
 * `face` the face's box in its pixels (from face-api's tiny face detector at input size 608),
 * `mirror` flips the whole crop. Chosen by measuring the bundled detector's yaw on each candidate
 * crop and its mirror (see the face video test for what it reads on the video).
 */
interface FaceShot {
  sample: number;
  face: { x: number; y: number; width: number; height: number };
  mirror: boolean;
}

/**
 * The bundled detector's yaw on the video's frames (tiny face detector at 224, tiny landmarks):
 * - straight: sample6.jpg, the second woman from the right, facing the camera: +2° to +4° (her
 *   crop mirrored reads about 0°, so the model sees her frontal, not merely by chance).
 * - left: sample5.jpg, the woman in black seated on the left, head turned to her left: +31° to +33°;
 *   mirrored, the same head turned to her right makes `right`: −37° to −41°.
 * Other faces of the demo photos read 10° to 20° at most either way, or read frontal with a
 * neighbour's face larger than theirs in the crop.
 */
const FACE_SHOTS: Record<FacePose, FaceShot> = {
  straight: { sample: 6, face: { x: 1124, y: 355, width: 262, height: 262 }, mirror: false },
  left: { sample: 5, face: { x: 569, y: 460, width: 242, height: 231 }, mirror: false },
  right: { sample: 5, face: { x: 569, y: 460, width: 242, height: 231 }, mirror: true },
};

/** The face's box takes this share of the frame's height, its centre at the frame's centre: well inside the flow's oval guide. */
const FACE_HEIGHT_SHARE = 0.42;

const photos = new Map<number, Buffer>();

/** `@vladmandic/face-api/demo/sample<n>.jpg`, a devDependency. */
function facePhoto(sample: number): Buffer {
  const cached = photos.get(sample);
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  let path: string;
  try {
    path = join(require.resolve('@vladmandic/face-api/package.json'), `../demo/sample${sample}.jpg`);
  } catch {
    throw new Error(`faceVideo needs the devDependency @vladmandic/face-api: its demo/sample${sample}.jpg is a face`);
  }
  if (!existsSync(path)) throw new Error(`faceVideo: ${path} is missing`);
  const photo = readFileSync(path);
  photos.set(sample, photo);
  return photo;
}

/**
 * The face: for each pose, the whole photo scaled so the face's box is {@link FACE_HEIGHT_SHARE}
 * of the frame's height and centred (head and shoulders fill the frame), mirrored where the shot
 * says. Outside an oval around the face the picture is blurred, as a phone's portrait mode would:
 * the group photos' neighbours, cut by the frame's edge, would otherwise be faces too, one of
 * them (sample6's) larger than the face itself to the detector.
 */
function faceScene(shots: Record<FacePose, FaceShot>): string {
  const samples = [...new Set(Object.values(shots).map((shot) => shot.sample))];
  const sources = Object.fromEntries(samples.map((n) => [n, `data:image/jpeg;base64,${facePhoto(n).toString('base64')}`]));
  return `<!doctype html><html><head><meta charset="utf-8"><style>
  html, body { margin: 0; width: ${VIDEO_WIDTH}px; height: ${VIDEO_HEIGHT}px; overflow: hidden; background: #000; }
  canvas { display: block; }
</style></head><body><canvas id="frame" width="${VIDEO_WIDTH}" height="${VIDEO_HEIGHT}"></canvas>
<script>
  const W = ${VIDEO_WIDTH}, H = ${VIDEO_HEIGHT}, SHARE = ${FACE_HEIGHT_SHARE};
  const shots = ${JSON.stringify(shots)};
  const sources = ${JSON.stringify(sources)};
  const images = {};
  window.ready = (async () => {
    for (const [n, src] of Object.entries(sources)) {
      const image = new Image();
      image.src = src;
      await image.decode();
      images[n] = image;
    }
  })();
  const layer = () => {
    const canvas = document.createElement('canvas');
    canvas.width = W;
    canvas.height = H;
    return canvas;
  };
  const sharp = layer(), blurred = layer();
  window.setFrame = ({ pose, dx, dy }) => {
    const shot = shots[pose];
    const image = images[shot.sample];
    const { x, y, width, height } = shot.face;
    const k = (SHARE * H) / height;
    const s = sharp.getContext('2d');
    s.setTransform(1, 0, 0, 1, 0, 0);
    s.fillStyle = '#000';
    s.fillRect(0, 0, W, H);
    if (shot.mirror) s.setTransform(-1, 0, 0, 1, W, 0);
    s.drawImage(image, W / 2 + dx - (x + width / 2) * k, H / 2 + dy - (y + height / 2) * k, image.naturalWidth * k, image.naturalHeight * k);
    // The background: the same picture blurred, shown outside a feathered oval around the face.
    const b = blurred.getContext('2d');
    b.globalCompositeOperation = 'source-over';
    b.setTransform(1, 0, 0, 1, 0, 0);
    b.clearRect(0, 0, W, H);
    b.filter = 'blur(${BOKEH_BLUR_PX}px)';
    b.drawImage(sharp, 0, 0);
    b.filter = 'none';
    b.globalCompositeOperation = 'destination-in';
    b.translate(W / 2, H / 2);
    b.scale(1, ${BOKEH_OVAL.ry / BOKEH_OVAL.rx});
    const rim = b.createRadialGradient(0, 0, ${BOKEH_OVAL.rx}, 0, 0, ${BOKEH_OVAL.rx + BOKEH_OVAL.feather});
    rim.addColorStop(0, 'rgba(0,0,0,0)');
    rim.addColorStop(1, 'rgba(0,0,0,1)');
    b.fillStyle = rim;
    b.fillRect(-W, -W, 2 * W, 2 * W);
    const out = document.getElementById('frame').getContext('2d');
    out.drawImage(sharp, 0, 0);
    out.drawImage(blurred, 0, 0);
  };
</script></body></html>`;
}

/** Blur of the picture outside the face's oval, in pixels. */
const BOKEH_BLUR_PX = 9;
/** The sharp oval around the face (half-width, half-height) and the width of its feathered rim, in pixels. */
const BOKEH_OVAL = { rx: 140, ry: 185, feather: 90 } as const;

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
  /** Frames a second, as the y4m header declares. */
  fps: number;
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
    await file.write(y4mHeader(VIDEO_WIDTH, VIDEO_HEIGHT, job.fps));
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
    .update(JSON.stringify({ ENCODER_VERSION, VIDEO_WIDTH, VIDEO_HEIGHT, fps: job.fps, html: job.html, frames: job.frames }))
    .digest('hex')
    .slice(0, 16);
  await mkdir(VIDEO_CACHE_DIR, { recursive: true });
  const cached = join(VIDEO_CACHE_DIR, `${job.name}-${hash}.y4m`);
  const expected = y4mSize(VIDEO_WIDTH, VIDEO_HEIGHT, job.fps, job.frames.length);
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
  return cachedVideo(dir, { name: 'document', fps: VIDEO_FPS, html: documentScene(), frames });
}

/**
 * A face that never turns: the straight pose only, swaying a little (3 s loop, 15 frames). The
 * live check passes the selfie and a `straight` prompt on it, never a turn.
 */
const STRAIGHT_PLAN: Array<[FacePose, number]> = [['straight', 15]];

/**
 * Writes `dir/face.y4m` (640×480, 5 fps, 11 s loop, 55 frames, 25 MB) and returns its path; with
 * `straightOnly`, `dir/face-straight.y4m` (3 s, 15 frames, 7 MB): a face that never turns.
 */
export async function faceVideo(dir: string, options: { straightOnly?: boolean } = {}): Promise<string> {
  const plan = options.straightOnly ? STRAIGHT_PLAN : FACE_PLAN;
  return cachedVideo(dir, { name: options.straightOnly ? 'face-straight' : 'face', fps: FACE_VIDEO_FPS, html: faceScene(FACE_SHOTS), frames: faceFrames(plan) });
}

/**
 * Writes `dir/document.png`: one still of the document video's card on its table (640×480), for
 * a camera made by the page itself in engines that cannot play a video file as their camera.
 */
export async function documentPicture(dir: string): Promise<string> {
  const html = documentScene();
  const hash = createHash('sha256').update(JSON.stringify({ ENCODER_VERSION, VIDEO_WIDTH, VIDEO_HEIGHT, html })).digest('hex').slice(0, 16);
  await mkdir(VIDEO_CACHE_DIR, { recursive: true });
  const cached = join(VIDEO_CACHE_DIR, `document-${hash}.png`);
  if (!existsSync(cached)) {
    const temp = `${cached}.${process.pid}.${Date.now()}.tmp`;
    await withBrowser(async (browser) => {
      const page = await browser.newPage({ viewport: { width: VIDEO_WIDTH, height: VIDEO_HEIGHT }, deviceScaleFactor: 1 });
      try {
        await page.setContent(html);
        await page.evaluate(() => document.fonts.ready);
        await page.screenshot({ path: temp, type: 'png', animations: 'disabled', caret: 'hide' });
      } finally {
        await page.close();
      }
    });
    await rename(temp, cached);
  }
  await mkdir(dir, { recursive: true });
  const target = join(dir, 'document.png');
  if (target !== cached) await copyFile(cached, target);
  return target;
}
