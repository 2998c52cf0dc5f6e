/**
 * What the browser says of its cameras, read into {@link CameraInfo}s for camera-choice.ts: the
 * `enumerateDevices()` list (labels are readable once the permission is given), each camera's
 * `InputDeviceInfo.getCapabilities()` where the browser has it (Chrome: facing and resolution),
 * and the open track's own capabilities (focus modes, torch, resolution). And the torch itself.
 */
import type { CameraInfo } from './camera-choice.js';

/** The parts of `MediaTrackCapabilities` that lib.dom does not type yet (Image Capture spec). */
interface CameraCapabilities {
  facingMode?: string[];
  focusMode?: string[];
  torch?: boolean;
  width?: { max?: number };
}

const capabilitiesOf = (source: { getCapabilities?(): unknown } | undefined): CameraCapabilities => {
  try {
    return (source?.getCapabilities?.() as CameraCapabilities | undefined) ?? {};
  } catch {
    return {};
  }
};

/** The id of the camera `track` comes from, where the browser says. */
export const deviceIdOf = (track: MediaStreamTrack | undefined): string | undefined => track?.getSettings?.().deviceId || undefined;

/** True when `track` can light its torch. */
export const hasTorch = (track: MediaStreamTrack | undefined): boolean => capabilitiesOf(track).torch === true;

/**
 * Every camera the browser lists, with what is known of it; the camera of `track` (open now) with
 * its track's capabilities. An empty list when the browser cannot list them.
 */
export async function listCameras(mediaDevices: MediaDevices, track: MediaStreamTrack | undefined): Promise<CameraInfo[]> {
  let devices: MediaDeviceInfo[];
  try {
    devices = await mediaDevices.enumerateDevices();
  } catch {
    return [];
  }
  const openId = deviceIdOf(track);
  return devices
    .filter((device) => device.kind === 'videoinput' && device.deviceId)
    .map((device) => {
      const open = device.deviceId === openId;
      const caps = capabilitiesOf(open ? track : (device as InputDeviceInfo));
      const listed = open ? capabilitiesOf(device as InputDeviceInfo) : caps;
      const info: CameraInfo = { deviceId: device.deviceId, label: device.label };
      const facingMode = caps.facingMode?.length ? caps.facingMode : listed.facingMode;
      if (facingMode?.length) info.facingMode = facingMode;
      if (open && caps.focusMode?.length) info.focusMode = caps.focusMode;
      if (caps.width?.max) info.maxWidth = caps.width.max;
      return info;
    });
}

/** Lights (or puts out) the torch of `track`; false when the browser refused. */
export async function applyTorch(track: MediaStreamTrack, on: boolean): Promise<boolean> {
  try {
    await track.applyConstraints({ advanced: [{ torch: on } as MediaTrackConstraintSet] });
    return true;
  } catch {
    return false;
  }
}
