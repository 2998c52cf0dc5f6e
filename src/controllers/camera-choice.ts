/**
 * Which camera of several: phones expose every rear camera (main, ultrawide, telephoto, macro,
 * sometimes an infrared or depth one), and `facingMode: environment` alone may open any of them
 * (Chrome on Android opens the first listed, not always the main one). Once the permission is
 * given, the labels of `enumerateDevices()` are readable and the open track says what it can
 * (continuous focus, torch, resolution): the document step then uses the main camera.
 *
 * How the main camera is told (labels as the browsers report them):
 * - Chrome and Samsung Internet on Android: "camera2 0, facing back", "camera2 2, facing back"…
 *   The numbers are Android's camera ids: the main rear camera is the lowest id facing back on
 *   every phone we know (Pixel, Galaxy, Xiaomi); the others are ultrawide, telephoto or macro,
 *   and most of them have no autofocus (ultrawide, macro) and no flash.
 * - Safari (every browser on iOS): "Back Camera" (the main wide one), "Back Ultra Wide Camera",
 *   "Back Telephoto Camera", and the virtual "Back Dual Camera", "Back Dual Wide Camera" and
 *   "Back Triple Camera", which switch lenses by themselves (their widest view is the ultrawide):
 *   the next choice after "Back Camera", offered by **Switch camera**. Labels are in the phone's
 *   language ("Rückkamera", "Caméra arrière"…).
 * Plain functions of plain data: no DOM.
 */

/** What is known of one camera: its `enumerateDevices()` entry, and what its track can do once opened. */
export interface CameraInfo {
  deviceId: string;
  label: string;
  /** `InputDeviceInfo.getCapabilities().facingMode`, or the track's, where the browser says. */
  facingMode?: readonly string[];
  /** `focusMode` of the track's capabilities (Chrome: `manual`, `single-shot`, `continuous`). */
  focusMode?: readonly string[];
  /** The largest width the camera streams (`getCapabilities().width.max`). */
  maxWidth?: number;
}

/** Lenses that are not the main one: a last resort for a document, still offered by **Switch camera**. */
const SECONDARY = /ultra ?wide|ultra-?wide|ultraweit|ultra grand|gran angular|telephoto|\btele\b|téléobjectif|macro/i;
/** Not a camera to show a person at all: infrared and depth sensors (face unlock). */
const SENSOR = /infra-?red|\bIR\b|(?<!true)depth|lidar/i;
/** The virtual iPhone cameras that switch lenses themselves: after the main one. */
const VIRTUAL = /\b(triple|dual wide|dual)\b/i;
const FRONT_LABEL = /front|frontal|avant|vorder|voorkant|أمامية/i;
const BACK_LABEL = /back|rear|environment|facing back|arrière|rück|trasera|achterkant|خلفية/i;

/** Which way a camera faces, from the browser's facingMode, else its label; `undefined` when it cannot tell. */
export function facingOf(camera: CameraInfo): 'environment' | 'user' | undefined {
  const mode = camera.facingMode?.[0];
  if (mode === 'environment' || mode === 'user') return mode;
  if (FRONT_LABEL.test(camera.label)) return 'user';
  if (BACK_LABEL.test(camera.label)) return 'environment';
  return undefined;
}

/** Android's camera id in a Chrome label ("camera2 2, facing back" → 2). */
const androidId = (label: string): number | undefined => {
  const match = /camera2? (\d+)/i.exec(label);
  return match ? Number(match[1]) : undefined;
};

/**
 * How fit a camera is to photograph a document: higher is better; below 0, only as a last resort.
 * Labels count for every camera; capabilities only against a camera (they are known for the open
 * track, and its resolution for each camera where `InputDeviceInfo.getCapabilities()` exists), so
 * the open camera is not preferred just because more is known of it.
 */
export function documentScore(camera: CameraInfo): number {
  let score = 0;
  if (SECONDARY.test(camera.label)) score -= 100;
  if (VIRTUAL.test(camera.label)) score -= 1;
  // Fixed focus (only `manual`, or nothing to choose): an ultrawide or a macro lens.
  if (camera.focusMode && !camera.focusMode.includes('continuous')) score -= 4;
  if (camera.maxWidth !== undefined && camera.maxWidth < 1920) score -= 2;
  return score;
}

/**
 * The cameras facing `facing`, in the order to offer them: the best for a document first (for
 * `environment`), then the order the browser listed them in. A camera whose facing cannot be
 * told counts as facing `facing` only when no camera says which way it faces (a laptop's webcam).
 */
export function camerasFacing(cameras: readonly CameraInfo[], facing: 'environment' | 'user'): CameraInfo[] {
  const pictures = cameras.filter((camera) => !SENSOR.test(camera.label));
  const known = pictures.some((camera) => facingOf(camera) !== undefined);
  const matching = pictures.filter((camera) => (known ? facingOf(camera) === facing : true));
  if (facing !== 'environment') return matching;
  return matching
    .map((camera, order) => ({ camera, order, score: documentScore(camera), id: androidId(camera.label) ?? Infinity }))
    .sort((a, b) => b.score - a.score || a.id - b.id || a.order - b.order)
    .map(({ camera }) => camera);
}

/**
 * The rear camera to photograph a document with, given what is known of every camera (the open
 * one's track capabilities merged in): the main one. `undefined` when there is no choice to make
 * (one camera or none facing back).
 */
export function chooseDocumentCamera(cameras: readonly CameraInfo[]): CameraInfo | undefined {
  const back = camerasFacing(cameras, 'environment');
  return back.length > 1 ? back[0] : undefined;
}
