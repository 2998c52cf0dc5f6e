/**
 * Why a camera is not live, and what to tell the person: the fault codes, how a `getUserMedia`
 * rejection maps to them, and the message for each, worded for the browser at hand (Chrome,
 * Safari on iOS, Samsung Internet, Firefox, Edge, in-app browsers) in the page's language.
 * Plain data and functions: no Lit, no DOM.
 */
import { captureEn } from '../i18n/en-capture.js';
import type { CaptureStrings } from '../i18n/en-capture.js';
import type { Translation } from '../i18n/types.js';

/** Why the camera is not live. */
export const CameraFault = {
  /** The user or the browser's settings refused the camera. */
  Denied: 'CAMERA_DENIED',
  /** No camera, or none that can satisfy even unconstrained video, or it stopped by itself. */
  Unavailable: 'CAMERA_UNAVAILABLE',
  /** The camera exists but could not be opened: another app or tab is using it. */
  Busy: 'CAMERA_BUSY',
  /** The page is not served over HTTPS (or localhost), so browsers hide the camera. */
  InsecureContext: 'INSECURE_CONTEXT',
  /** An app's built-in browser that does not let the page use the camera. */
  InAppBrowser: 'IN_APP_BROWSER',
  /** `getUserMedia` did not answer in time. */
  Timeout: 'CAMERA_TIMEOUT',
  /** A secure page in a browser without `navigator.mediaDevices.getUserMedia`. */
  UnsupportedBrowser: 'UNSUPPORTED_BROWSER',
} as const;
export type CameraFault = (typeof CameraFault)[keyof typeof CameraFault];

/** Why the camera is not live, with the English message. */
export interface CameraFaultDetail {
  code: CameraFault;
  /** What happened and what the user can do about it, in plain English. */
  message: string;
  /** The camera was live and stopped by itself (`CAMERA_UNAVAILABLE`, worded as `cameraFaults.stopped`). */
  stopped?: boolean;
}

/**
 * In-app browsers, by user-agent token. Ordered: Messenger before Facebook (it carries both).
 * Sources: the tokens these apps put in their WebViews' user agents (FBAN/FBAV/FB_IAB for
 * Facebook, "Instagram 3xx", "musical_ly"/"BytedanceWebview" for TikTok, "LinkedInApp",
 * "Snapchat", " Line/", "MicroMessenger" for WeChat…).
 */
const IN_APP_BROWSERS: Array<[name: string, pattern: RegExp]> = [
  ['Instagram', /\bInstagram\b/i],
  ['Messenger', /\bFBAN\/Messenger|\bFB_IAB\/MESSENGER|\bMessengerForiOS|\bFBAN\/MessengerForiOS/i],
  ['Facebook', /\bFBAN\/|\bFBAV\/|\bFB_IAB\/|\bFBIOS\b|\bFB4A\b/i],
  ['TikTok', /\bmusical_ly|\bBytedanceWebview|\bTikTok\b|\btrill_/i],
  ['LinkedIn', /\bLinkedInApp\b/i],
  ['Snapchat', /\bSnapchat\b/i],
  ['LINE', /\bLine\/\d/],
  ['WeChat', /\bMicroMessenger\b/i],
  ['Pinterest', /\bPinterest\b/i],
  ['X (Twitter)', /\bTwitter(?:Android)?\b/i],
  ['Telegram', /\bTelegram-Android\b|\bTelegramBot\b/i],
];

/**
 * The name of the app whose built-in browser this user agent belongs to (for example
 * `'Instagram'`), or `undefined` for a regular browser.
 */
export function detectInAppBrowser(ua: string): string | undefined {
  for (const [name, pattern] of IN_APP_BROWSERS) if (pattern.test(ua)) return name;
  return undefined;
}

type BrowserFamily = 'samsung' | 'firefox' | 'edge' | 'ios' | 'chrome-android' | 'chrome' | 'safari' | 'other';

function browserFamily(ua: string): BrowserFamily {
  if (/SamsungBrowser/i.test(ua)) return 'samsung';
  // Every browser on iOS uses Safari's engine and the iOS Settings app for permissions.
  if (/iPhone|iPad|iPod/.test(ua)) return 'ios';
  if (/Firefox\//.test(ua)) return 'firefox';
  if (/Edg(A|iOS)?\//.test(ua)) return 'edge';
  if (/Android/.test(ua) && /Chrome\//.test(ua)) return 'chrome-android';
  if (/Chrome\//.test(ua)) return 'chrome';
  if (/Safari\//.test(ua)) return 'safari';
  return 'other';
}

/** The words for camera faults: English's `cameraFaults`, or a translation of them. */
export type CameraFaultWords = Translation<CaptureStrings['cameraFaults']>;

/** Every browser on iOS uses Safari's engine, and its apps' menus work alike. */
export const isIos = (ua: string): boolean => /iPhone|iPad|iPod/.test(ua);

/** Which `cameraFaults.allowHelp` text says how to let this page use the camera, in the browser named by `ua`. */
export function allowHelpKey(ua: string): keyof CameraFaultWords['allowHelp'] {
  switch (browserFamily(ua)) {
    case 'ios':
      return 'ios';
    case 'chrome-android':
      return 'chromeAndroid';
    case 'samsung':
      return 'samsung';
    case 'firefox':
      return 'firefox';
    case 'edge':
      return 'edge';
    case 'chrome':
      return 'chrome';
    case 'safari':
      return 'safari';
    default:
      return 'other';
  }
}

/**
 * The message shown for `code`, worded for the browser of `ua` (and the app, for in-app
 * browsers), in English unless `words` gives a translation.
 */
export function cameraFaultMessage(
  code: CameraFault,
  ua: string,
  inApp = detectInAppBrowser(ua),
  words: CameraFaultWords = captureEn.cameraFaults,
): string {
  switch (code) {
    case CameraFault.Denied:
      return words.denied(words.allowHelp[allowHelpKey(ua)]);
    case CameraFault.Unavailable:
      return words.unavailable;
    case CameraFault.Busy:
      return words.busy;
    case CameraFault.InsecureContext:
      return words.insecure;
    case CameraFault.InAppBrowser:
      return words.inApp(inApp ?? words.thisApp, isIos(ua) ? words.inAppHow.ios : words.inAppHow.android);
    case CameraFault.Timeout:
      return words.timeout;
    case CameraFault.UnsupportedBrowser:
      return words.unsupported;
  }
}

/** The fault for a `getUserMedia` rejection, by the `DOMException` name. */
export function faultCodeOf(error: unknown): CameraFault {
  const name = (error as { name?: string } | undefined)?.name;
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
    case 'PermissionDeniedError': // Chrome < 64
      return CameraFault.Denied;
    case 'NotReadableError':
    case 'TrackStartError': // Chrome < 64
    case 'AbortError':
      return CameraFault.Busy;
    case 'TypeError': // constraints this browser does not understand at all
      return CameraFault.UnsupportedBrowser;
    default: // NotFoundError, OverconstrainedError, DevicesNotFoundError, anything unknown
      return CameraFault.Unavailable;
  }
}

/** A `getUserMedia` rejection that a second try without the resolution may get past. */
export const isRetryable = (error: unknown): boolean => {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'OverconstrainedError' || name === 'NotFoundError' || name === 'ConstraintNotSatisfiedError';
};
