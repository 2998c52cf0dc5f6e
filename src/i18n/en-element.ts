/**
 * Every word the element shows, in English: one typed object, so the compiler checks every
 * translation against it, and the fallback for any word a translation or override lacks.
 */
import type { ProgressStep } from '../core/status.js';

/** The element's English words. */
export const en = {
  title: 'Verify your identity',
  scanQr: 'Scan this code with your phone camera to continue there.',
  qrAlt: (url: string) => `QR code that opens the verification on your phone: ${url}`,
  openHere: 'Open on this device',
  copyLink: 'Copy link',
  copied: 'Link copied',
  copyFailed: 'Copy failed: select the link and copy it',
  timeLeft: (time: string) => `Time left: ${time}`,
  expiredShort: 'This code has expired',
  waiting: 'Waiting for your phone…',
  continueOnPhone: 'Continue on your phone',
  continueOnPhoneHint: 'Keep this page open: it updates as you go.',
  steps: {
    terms: 'Terms',
    document: 'ID document',
    liveness: 'Face check',
    form_data: 'Details',
  } satisfies Record<ProgressStep, string>,
  stepDone: 'done',
  stepPending: 'to do',
  processing: 'Checking your verification…',
  verified: 'You are verified',
  manualReview: 'Thanks, we are reviewing your verification',
  manualReviewHint: 'You will hear from us once it is checked.',
  failed: 'We could not verify your identity',
  expired: 'This verification has expired',
  canceled: 'This verification was canceled',
  notFound: 'This verification does not exist',
  accessDenied: 'You do not have access to this verification',
  configInvalid: 'This verification cannot start',
  reconnecting: 'Connection lost. Retrying…',
  retryNow: 'Retry now',
  loading: 'Loading…',
  captureLoadFailed: 'The camera steps could not be loaded. Check your connection.',
  hostedHint: 'You continue on okID’s secure page, then come back here.',
  continue: 'Continue',
  startAgain: 'Start again',
  restartFailed: 'A new verification could not be started. Try again.',
} as const;

/** The shape every translation of the element's words has. */
export type Strings = typeof en;
