/**
 * A head that turns, as a camera video for Chromium's `--use-file-for-fake-video-capture`: the
 * rendered people of `test/media/faces/` (CC0; see its README), looking straight, turned to their
 * left, straight again, turned to their right, in a loop. Each frame is one of those JPEGs,
 * decoded by ffmpeg to 4:2:0 (studio range, as Chromium reads y4m) and written as YUV4MPEG2.
 * Made at test time, cached by a hash of its inputs in `os.tmpdir()/okid-videos`.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The folder of the rendered faces. */
export const FACES_DIR = fileURLToPath(new URL('../test/media/faces/', import.meta.url));
/** The five people, as their files name them. */
export const FACE_PEOPLE = ['p1_young_african_female', 'p2_middleage_asian_male', 'p3_old_caucasian_female', 'p4_young_caucasian_male', 'p6_young_asian_female'] as const;
export type FacePerson = (typeof FACE_PEOPLE)[number];
/** The render angles there are (degrees; above 0 the person's left). */
export const RENDER_ANGLES = [-50, -40, -30, -20, 0, 20, 30, 40, 50] as const;

/** The file of `person` at render yaw `angle`. */
export const renderPath = (person: FacePerson, angle: number): string => join(FACES_DIR, `${person}_yaw${angle < 0 ? '-' : '+'}${Math.abs(angle)}.jpg`);

const WIDTH = 640;
const HEIGHT = 480;
/** Frames a second: few, as the face check samples a few frames a second at most. */
export const TURNING_VIDEO_FPS = 5;

/** One stretch of the loop: the person at render yaw `angle` for `seconds`. */
export interface TurnSegment {
  angle: number;
  seconds: number;
}

/** Straight 3 s, turned `turn`° to the person's left 3 s, straight 2 s, to their right 3 s (11 s). */
export const turningPlan = (turn: number): TurnSegment[] => [
  { angle: 0, seconds: 3 },
  { angle: turn, seconds: 3 },
  { angle: 0, seconds: 2 },
  { angle: -turn, seconds: 3 },
];

const run = promisify(execFile);

/** One JPEG as raw I420 (BT.601 studio range), by ffmpeg. */
async function i420(path: string): Promise<Buffer> {
  const { stdout } = await run('ffmpeg', ['-loglevel', 'error', '-i', path, '-vf', `scale=${WIDTH}:${HEIGHT}:out_range=tv`, '-pix_fmt', 'yuv420p', '-f', 'rawvideo', '-'], {
    encoding: 'buffer',
    maxBuffer: 4 * WIDTH * HEIGHT,
  });
  if (stdout.length !== (WIDTH * HEIGHT * 3) / 2) throw new Error(`face-video: ffmpeg gave ${stdout.length} bytes for ${path}`);
  return stdout;
}

/**
 * Writes the loop of `person` following `plan` as `dir/turning-{person}-{hash}.y4m` (640×480, 5 fps,
 * 460,806 bytes a frame) and returns its path; an existing one of the same inputs is reused.
 */
export async function turningHeadVideo(person: FacePerson, plan: TurnSegment[] = turningPlan(40), dir = join(tmpdir(), 'okid-videos')): Promise<string> {
  const files = plan.map((segment) => renderPath(person, segment.angle));
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ plan, fps: TURNING_VIDEO_FPS, WIDTH, HEIGHT, version: 1 }));
  for (const file of files) hash.update(readFileSync(file));
  const path = join(dir, `turning-${person}-${hash.digest('hex').slice(0, 12)}.y4m`);
  const frames = plan.reduce((sum, segment) => sum + Math.round(segment.seconds * TURNING_VIDEO_FPS), 0);
  const header = `YUV4MPEG2 W${WIDTH} H${HEIGHT} F${TURNING_VIDEO_FPS}:1 Ip A1:1 C420jpeg\n`;
  const size = Buffer.byteLength(header) + frames * (6 + (WIDTH * HEIGHT * 3) / 2);
  if ((await stat(path).then((s) => s.size, () => -1)) === size) return path;
  await mkdir(dir, { recursive: true });
  const decoded = new Map<string, Buffer>();
  for (const file of new Set(files)) decoded.set(file, await i420(file));
  const temp = `${path}.${process.pid}.tmp`;
  const out = await open(temp, 'w');
  try {
    await out.write(header);
    for (const [i, segment] of plan.entries()) {
      const frame = decoded.get(files[i]!)!;
      for (let n = 0; n < Math.round(segment.seconds * TURNING_VIDEO_FPS); n++) {
        await out.write('FRAME\n');
        await out.write(frame);
      }
    }
    await out.close();
    await rename(temp, path);
  } catch (error) {
    await out.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
  return path;
}
