/**
 * The photos of real people the face check is measured on (bench/faces.ts), from packages only,
 * never fetched from anywhere else: each face's box in its photo (from face-api's tiny detector at
 * input size 608, and one by hand where it finds none) and the head's pose as a person sees it.
 *
 * - `@vladmandic/face-api` (npm, a devDependency; MIT, "photos taken by me", its author): six
 *   group photos, `demo/sample1.jpg` … `sample6.jpg`, 22 women (no men, no children, no
 *   glasses), light to dark skin, about 20 to 45 years old.
 * - Debian `python-matplotlib-data` (`grace_hopper.jpg`: Rear Admiral Grace Hopper, a U.S. Navy
 *   photograph, public domain): a woman of about 80, with glasses.
 * - Debian `python3-skimage` (`astronaut.png`: Eileen Collins, NASA, public domain): a woman of
 *   about 40.
 *
 * Poses are judged by eye, in the person's own terms as the prompts use them: `left` is a head
 * turned to the person's left (nose to the right of the unmirrored photo). Each person appears
 * in one pose only: no package found holds one person both straight and turned, so a turned head
 * is also measured mirrored, as a turn the other way (the same person, not another one).
 * `unclear` faces (looking down, a slight turn) count for "found" and are shown, not scored.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The pose of a face, as the liveness prompts name it; `unclear`: not scored. */
export type PhotoPose = 'straight' | 'left' | 'right' | 'unclear';

/** One face in one packaged photo. */
export interface FacePhoto {
  /** `photo#n`: the photo's name and the face's place in it. */
  id: string;
  source: { npm: string; file: string } | { debian: string; file: string };
  /** The face's box in the photo's pixels: x, y, width, height. */
  box: [number, number, number, number];
  pose: PhotoPose;
  /** Who, as far as a photo says: age range, skin, glasses. Never a name but for public-domain portraits. */
  who: string;
}

const faceApi = (n: number) => ({ npm: '@vladmandic/face-api', file: `demo/sample${n}.jpg` });

/** Every face measured; one person each. */
export const FACE_PHOTOS: readonly FacePhoto[] = [
  { id: 'astronaut#0', source: { debian: 'python3-skimage', file: 'usr/lib/python3/dist-packages/skimage/data/astronaut.png' }, box: [160, 77, 121, 111], pose: 'straight', who: 'woman ~40, light skin (Eileen Collins, NASA)' },
  { id: 'grace_hopper#0', source: { debian: 'python-matplotlib-data', file: 'usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg' }, box: [161, 143, 213, 203], pose: 'straight', who: 'woman ~80, light skin, glasses (Grace Hopper, U.S. Navy)' },
  { id: 'sample1#0', source: faceApi(1), box: [816, 449, 251, 240], pose: 'unclear', who: 'woman ~25, olive skin, looking down' },
  { id: 'sample1#1', source: faceApi(1), box: [1419, 208, 284, 268], pose: 'straight', who: 'woman ~30, light skin, head tilted sideways' },
  { id: 'sample1#2', source: faceApi(1), box: [377, 400, 248, 233], pose: 'right', who: 'woman ~25, light skin' },
  { id: 'sample2#0', source: faceApi(2), box: [855, 269, 212, 198], pose: 'unclear', who: 'woman ~25, light skin, looking down' },
  { id: 'sample2#1', source: faceApi(2), box: [1425, 191, 251, 233], pose: 'unclear', who: 'woman ~25, olive skin, looking down' },
  { id: 'sample2#2', source: faceApi(2), box: [340, 120, 240, 260], pose: 'right', who: 'woman ~25, light skin, in profile (box by hand: the detector finds no face)' },
  { id: 'sample3#0', source: faceApi(3), box: [1015, 237, 302, 282], pose: 'straight', who: 'woman ~30, light skin' },
  { id: 'sample3#1', source: faceApi(3), box: [535, 349, 270, 280], pose: 'straight', who: 'woman ~25, light-olive skin' },
  { id: 'sample3#2', source: faceApi(3), box: [1446, 326, 277, 277], pose: 'unclear', who: 'woman ~30, light skin, slightly turned' },
  { id: 'sample4#0', source: faceApi(4), box: [946, 229, 243, 218], pose: 'unclear', who: 'woman ~25, light-olive skin, looking down' },
  { id: 'sample4#1', source: faceApi(4), box: [634, 101, 250, 238], pose: 'right', who: 'woman ~25, dark skin' },
  { id: 'sample4#2', source: faceApi(4), box: [213, 239, 227, 220], pose: 'right', who: 'woman ~25, olive skin, head tilted and turned' },
  { id: 'sample4#3', source: faceApi(4), box: [1251, 226, 198, 192], pose: 'right', who: 'woman ~30, light skin' },
  { id: 'sample5#0', source: faceApi(5), box: [569, 460, 242, 231], pose: 'left', who: 'woman ~35, East Asian, light-medium skin' },
  { id: 'sample5#1', source: faceApi(5), box: [751, 143, 206, 199], pose: 'straight', who: 'woman ~30, East Asian, light-medium skin' },
  { id: 'sample5#2', source: faceApi(5), box: [1072, 233, 247, 236], pose: 'straight', who: 'woman ~35, East Asian, medium skin' },
  { id: 'sample5#3', source: faceApi(5), box: [325, 919, 264, 276], pose: 'straight', who: 'woman ~45, East Asian, medium skin' },
  { id: 'sample5#4', source: faceApi(5), box: [1363, 434, 255, 278], pose: 'right', who: 'woman ~40, light-olive skin' },
  { id: 'sample6#0', source: faceApi(6), box: [201, 536, 282, 258], pose: 'straight', who: 'woman ~25, Southeast Asian, medium skin' },
  { id: 'sample6#1', source: faceApi(6), box: [1441, 319, 274, 276], pose: 'straight', who: 'woman ~30, light skin' },
  { id: 'sample6#2', source: faceApi(6), box: [1124, 355, 262, 262], pose: 'straight', who: 'woman ~25, brown skin, head tilted sideways' },
  { id: 'sample6#3', source: faceApi(6), box: [613, 383, 286, 285], pose: 'straight', who: 'woman ~20, light-olive skin' },
];

/**
 * The person kept out of the tuning, chosen before any yaw was read: a head clearly turned to
 * her right (and, mirrored, to her left). The thresholds are checked on her alone.
 */
export const CHECK_PERSON = 'sample5#4';

/** Where a Debian package's files are unpacked when it is not installed (`apt-get download`, no root needed). */
const DEBIAN_CACHE = join(tmpdir(), 'okid-face-photos');

/** The photo's file on this machine: from node_modules, the installed Debian package, or the package unpacked into a cache. */
export function photoPath(photo: FacePhoto): string {
  const source = photo.source;
  if ('npm' in source) return join(createRequire(import.meta.url).resolve(`${source.npm}/package.json`), '..', source.file);
  if (existsSync(`/${source.file}`)) return `/${source.file}`;
  const dir = join(DEBIAN_CACHE, source.debian);
  const file = join(dir, source.file);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync('apt-get', ['download', source.debian], { cwd: dir, stdio: 'ignore' });
      const deb = readdirSync(dir).find((name) => name.startsWith(`${source.debian}_`) && name.endsWith('.deb'));
      if (!deb) throw new Error('no .deb');
      execFileSync('dpkg-deb', ['-x', join(dir, deb), dir]);
    } catch {
      throw new Error(`bench faces: ${source.file} needs the Debian package ${source.debian} (apt-get install ${source.debian}, or apt-get download it)`);
    }
  }
  return file;
}
