/**
 * What the person and the page are told when the capture API or the camera fails: the screen's
 * message and the `okid-error` code, in one table each.
 */
import { ErrorCode } from '../../core/status.js';
import type { CameraFault } from '../../controllers/camera-controller.js';
import { CaptureApiError } from '../capture-client.js';
import type { CaptureWords } from '../views/words.js';

/** The `okid-error` code of each camera fault; the file input still gets the person through. */
export const CAMERA_FAULT_CODES: Record<CameraFault, ErrorCode> = {
  CAMERA_DENIED: ErrorCode.CameraDenied,
  CAMERA_UNAVAILABLE: ErrorCode.CameraUnavailable,
  CAMERA_BUSY: ErrorCode.CameraUnavailable,
  CAMERA_TIMEOUT: ErrorCode.CameraUnavailable,
  INSECURE_CONTEXT: ErrorCode.UnsupportedBrowser,
  IN_APP_BROWSER: ErrorCode.UnsupportedBrowser,
  UNSUPPORTED_BROWSER: ErrorCode.UnsupportedBrowser,
};

/** How a capture API failure ends the flow: a blocking screen and its `okid-error`, or a reload. */
export type ApiFailure = { reload: true } | { reload?: false; message: string; code: ErrorCode; recoverable: boolean };

/**
 * The failure `error` means: another device, an unknown or expired verification block the flow
 * for good; a finished one is loaded again (to show its outcome); anything else is the network,
 * and may be tried again.
 */
export function apiFailure(error: unknown, words: CaptureWords): ApiFailure {
  switch (error instanceof CaptureApiError ? error.code : undefined) {
    case 'OTHER_DEVICE':
      return { message: words.otherDevice, code: ErrorCode.AccessDenied, recoverable: false };
    case 'NOT_FOUND':
      return { message: words.notFound, code: ErrorCode.VerificationNotFound, recoverable: false };
    case 'EXPIRED':
      return { message: words.expired, code: ErrorCode.VerificationExpired, recoverable: false };
    case 'FINISHED':
      return { reload: true };
    default:
      return { message: words.networkProblem, code: ErrorCode.Network, recoverable: true };
  }
}
