/**
 * The face check measured on photos of real people (bench/face-photos.ts): each face framed as a
 * selfie (640×480, the face 42% of the height, centred, the rest blurred as a phone's portrait
 * mode would), and a turned head mirrored too; the bundled detector (the one phones without a
 * native `FaceDetector` run) reads it; the liveness thresholds say which prompt would pass.
 * Reports faces found, yaw against the pose, prompts passed and wrongly passed, the thresholds
 * the tuning faces suggest, and the person kept out of the tuning, apart.
 *
 * Then the rendered people of test/media/faces (bench/faces-rendered.ts): per person and render
 * angle, and the live face-only flow per engine (Start → camera, detection times, longest task).
 *
 * `node --import tsx bench/faces.ts` runs it alone and prints every face.
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { POSE_YAW, holdsPose } from '../src/capture/face/liveness-tracker.js';
import { launchChromium } from '../e2e/support.js';
import { CHECK_PERSON, FACE_PHOTOS, photoPath } from './face-photos.js';
import { serveFaceFiles } from './face-server.js';
import { benchRenderedFaces } from './faces-rendered.js';
import type { FacePhoto, PhotoPose } from './face-photos.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** One face as measured: a photo, or its mirror (a turn the other way). */
export interface FaceReading {
  id: string;
  mirrored: boolean;
  pose: PhotoPose;
  found: boolean;
  yaw?: number;
}


/** Reads every face, and every turned face mirrored, with the bundled detector in Chromium. */
export async function readFaces(photos: readonly FacePhoto[] = FACE_PHOTOS): Promise<FaceReading[]> {
  const detector = await build({
    entryPoints: [join(root, 'src/capture/face/bundled-face-detector.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'okidFaceDetector',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const server = await serveFaceFiles(photos.map(photoPath), '/photo/');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.addInitScript('window.__name = (fn) => fn');
    await page.goto(server.url);
    await page.addScriptTag({ content: detector.outputFiles[0]!.text });
    const jobs = photos.flatMap((photo, index) => [false, ...(photo.pose === 'left' || photo.pose === 'right' ? [true] : [])].map((mirrored) => ({ index, box: photo.box, mirrored })));
    const found = await page.evaluate(inPage, jobs);
    return jobs.map((job, i) => {
      const photo = photos[job.index]!;
      const pose = job.mirrored ? (photo.pose === 'left' ? 'right' : 'left') : photo.pose;
      const reading = found[i]!;
      return { id: photo.id, mirrored: job.mirrored, pose, found: reading.found, ...(reading.yaw === undefined ? {} : { yaw: reading.yaw }) };
    });
  } finally {
    await browser.close();
    server.close();
  }
}

/** In the page: frame each face as a selfie and read it as the liveness step does (the largest face). */
async function inPage(jobs: Array<{ index: number; box: [number, number, number, number]; mirrored: boolean }>): Promise<Array<{ found: boolean; yaw?: number }>> {
  type Module = typeof import('../src/capture/face/bundled-face-detector.js');
  const { loadBundledFaceDetector } = (window as unknown as { okidFaceDetector: Module }).okidFaceDetector;
  const detector = await loadBundledFaceDetector('/models/');
  const [W, H] = [640, 480];
  const layer = () => Object.assign(document.createElement('canvas'), { width: W, height: H });
  const [sharp, blurred, frame] = [layer(), layer(), layer()];
  const out: Array<{ found: boolean; yaw?: number }> = [];
  for (const { index, box, mirrored } of jobs) {
    const image = new Image();
    image.src = `/photo/${index}`;
    await image.decode();
    const [x, y, width, height] = box;
    const k = (0.42 * H) / height;
    const s = sharp.getContext('2d')!;
    s.setTransform(1, 0, 0, 1, 0, 0);
    s.fillStyle = '#000';
    s.fillRect(0, 0, W, H);
    if (mirrored) s.setTransform(-1, 0, 0, 1, W, 0);
    s.drawImage(image, W / 2 - (x + width / 2) * k, H / 2 - (y + height / 2) * k, image.naturalWidth * k, image.naturalHeight * k);
    // Outside a feathered oval around the face, the picture blurred: neighbours are not faces.
    const b = blurred.getContext('2d')!;
    b.setTransform(1, 0, 0, 1, 0, 0);
    b.globalCompositeOperation = 'source-over';
    b.clearRect(0, 0, W, H);
    b.filter = 'blur(9px)';
    b.drawImage(sharp, 0, 0);
    b.filter = 'none';
    b.globalCompositeOperation = 'destination-in';
    b.translate(W / 2, H / 2);
    b.scale(1, 185 / 140);
    const rim = b.createRadialGradient(0, 0, 140, 0, 0, 230);
    rim.addColorStop(0, 'rgba(0,0,0,0)');
    rim.addColorStop(1, 'rgba(0,0,0,1)');
    b.fillStyle = rim;
    b.fillRect(-W, -W, 2 * W, 2 * W);
    const f = frame.getContext('2d')!;
    f.drawImage(sharp, 0, 0);
    f.drawImage(blurred, 0, 0);
    const faces = await detector.detect(frame);
    const face = faces.reduce<(typeof faces)[number] | undefined>((best, o) => (!best || o.box.width * o.box.height > best.box.width * best.box.height ? o : best), undefined);
    // Found: the largest face is the one framed (its centre near the frame's).
    const centred = !!face && Math.abs(face.box.x + face.box.width / 2 - 0.5) < 0.15 && Math.abs(face.box.y + face.box.height / 2 - 0.5) < 0.2;
    out.push(centred ? { found: true, ...(face!.yaw === undefined ? {} : { yaw: face!.yaw }) } : { found: false });
  }
  detector.close?.();
  return out;
}

/**
 * The thresholds the tuning faces ask for: every straight head passes `straight` with 2° to spare,
 * and a turn must read 4° beyond any straight head, so a head held straight never passes a turn.
 * Also how many of the turned heads then pass their turn.
 */
export function tune(readings: FaceReading[]): { straight: number; turn: number; turnsPassing: string } {
  const straight = readings.filter((r) => r.pose === 'straight' && r.yaw !== undefined).map((r) => Math.abs(r.yaw!));
  const widest = Math.ceil(Math.max(0, ...straight));
  const turns = readings.filter((r) => r.pose === 'left' || r.pose === 'right');
  const passing = turns.filter((r) => r.yaw !== undefined && (r.pose === 'left' ? r.yaw : -r.yaw) >= widest + 4).length;
  return { straight: widest + 2, turn: widest + 4, turnsPassing: `${passing} of ${turns.length}` };
}

/** Prompts passed and wrongly passed, with the current thresholds (`holdsPose`). */
export function score(readings: FaceReading[]): { asked: number; passed: number; wrong: number } {
  const scored = readings.filter((r) => r.pose !== 'unclear');
  let passed = 0;
  let wrong = 0;
  for (const r of scored) {
    if (r.yaw === undefined) continue;
    if (holdsPose(r.pose as 'straight' | 'left' | 'right', r.yaw)) passed++;
    wrong += (['straight', 'left', 'right'] as const).filter((p) => p !== r.pose && holdsPose(p, r.yaw!)).length;
  }
  return { asked: scored.length, passed, wrong };
}

const fmt = (yaw: number | undefined) => (yaw === undefined ? '—' : `${yaw >= 0 ? '+' : ''}${yaw.toFixed(0)}°`);

/** The bench's lines for `npm run bench`, and every reading. */
export async function benchFaces(): Promise<{ results: Record<string, string | number>; readings: FaceReading[] }> {
  const readings = await readFaces();
  const tuning = readings.filter((r) => r.id !== CHECK_PERSON);
  const check = readings.filter((r) => r.id === CHECK_PERSON);
  const people = new Set(FACE_PHOTOS.map((p) => p.id)).size;
  const photos = readings.filter((r) => !r.mirrored);
  const straight = tuning.filter((r) => r.pose === 'straight' && r.yaw !== undefined).map((r) => Math.abs(r.yaw!));
  const { asked, passed, wrong } = score(tuning);
  const suggested = tune(tuning);
  const checked = score(check);
  // The rendered people of test/media/faces: per person and angle, and the live flow per engine.
  const rendered = await benchRenderedFaces();
  return {
    readings,
    results: {
      [`faces: found in the selfie framing, of ${people} people`]: `${photos.filter((r) => r.found).length} of ${photos.length}`,
      'faces: yaw read on straight heads, median |yaw| and worst (tuning set)': `${fmt(median(straight))}, ${fmt(Math.max(...straight))}`,
      'faces: yaw read on turned heads, photos and mirrors (tuning set)': tuning.filter((r) => r.pose === 'left' || r.pose === 'right').map((r) => `${r.pose} ${fmt(r.yaw)}`).join(', '),
      [`faces: prompts that pass at straight ≤ ${POSE_YAW.straight}°, turn ≥ ${POSE_YAW.turn}° (tuning set)`]: `${passed} of ${asked}, ${wrong} wrong prompts passed`,
      'faces: thresholds the tuning set asks for (straight ≤, turn ≥; turns passing)': `${suggested.straight}°, ${suggested.turn}°; ${suggested.turnsPassing}`,
      [`faces: the check person (${CHECK_PERSON}, kept out), prompts passed`]: `${checked.passed} of ${checked.asked} (${check.map((r) => `${r.pose} ${fmt(r.yaw)}`).join(', ')}), ${checked.wrong} wrong`,
      ...rendered.results,
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { results, readings } = await benchFaces();
  const who = new Map(FACE_PHOTOS.map((p) => [p.id, p.who]));
  console.table(readings.map((r) => ({ face: r.mirrored ? `${r.id} mirrored` : r.id, pose: r.pose, found: r.found, yaw: fmt(r.yaw), who: who.get(r.id) })));
  console.table(results);
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}
