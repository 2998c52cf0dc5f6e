/**
 * What both camera steps do with the camera once started: show it in the step's `<video>`, or
 * report why it is not live (the step's view then offers the camera app), and show it again
 * after the camera restarted (a tab shown again).
 */
import type { StepHost } from './step.js';

/** The cameras already reported live, per flow: `camera_allowed` fires once per camera, a refusal every time. */
const reported = new WeakMap<StepHost, Set<string>>();

/**
 * The step's `<video>` showing the started camera, once rendered; `undefined` when the step ended
 * meanwhile or the camera failed (reported to the page).
 */
export async function showStepCamera(flow: StepHost, signal: AbortSignal): Promise<HTMLVideoElement | undefined> {
  if (signal.aborted) return undefined;
  const facing = flow.camera.facingMode;
  if (flow.camera.fault) {
    flow.emitStep('camera_refused', { facing, code: flow.camera.fault.code });
    flow.reportCameraFault();
    return undefined;
  }
  const seen = reported.get(flow) ?? new Set();
  reported.set(flow, seen);
  if (facing && flow.camera.state === 'live' && !seen.has(facing)) {
    seen.add(facing);
    flow.emitStep('camera_allowed', { facing });
  }
  await flow.host.updateComplete;
  const video = flow.video();
  if (!video || signal.aborted) return undefined;
  flow.camera.attach(video);
  return video;
}

/** Shows the camera in the step's `<video>` again when the camera restarted. */
export function keepVideoAttached(flow: StepHost): void {
  const video = flow.video();
  if (video && flow.camera.stream && video.srcObject !== flow.camera.stream) flow.camera.attach(video);
}
