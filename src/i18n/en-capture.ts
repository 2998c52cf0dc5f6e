/**
 * The capture flow's words, in English. Only the capture chunk (and the camera controller it
 * uses) imports this module, so a desktop page never downloads them. Typed like the element's,
 * with English as the fallback for translations.
 */
import type { DocumentSide, DocumentType } from '../core/capture-api.js';

/** The capture flow's English words: the fallback of every translation. */
export const captureEn = {
  title: 'Verify your identity',
  loading: 'Loading…',
  termsTitle: 'Before you start',
  termsBody:
    'You will take photos of your ID document and of your face. They are sent to okID, who check that the document is real and that it is you, on behalf of the site that sent you here. Nothing is kept on this phone.',
  termsWhat: ['Have your passport, ID card or driving licence at hand.', 'Find a well-lit place.', 'It takes about two minutes.'],
  accept: 'I agree, start',
  /** The first screen names who asked for this verification (the flow's operator), so a forwarded link stands out. */
  requestedBy: 'Requested by',
  requestedByHint: 'Continue only if you started this on that site yourself. If someone else sent you this link, stop here.',
  chooseDocument: 'Which document will you use?',
  documentTypes: { passport: 'Passport', id_card: 'ID card', driving_licence: 'Driving licence' } satisfies Record<DocumentType, string>,
  sideTitle: (type: string, side: DocumentSide) => `${type}: ${side === 'front' ? 'front side' : 'back side'}`,
  placeDocument: 'Place the document inside the frame',
  /** One per frame advice: `FrameAdvice` (quality.ts) is the keys of this table. */
  advice: {
    ok: 'Hold still…',
    too_dark: 'Too dark: find more light',
    too_bright: 'Too bright: move out of direct light',
    glare: 'Glare on the document: tilt it slightly',
    blurry: 'Hold steady, or move a little further away',
  },
  shutter: 'Take photo',
  /** Under the document camera, where the phone has more than one camera facing that way. */
  switchCamera: 'Switch camera',
  /** The torch toggle under the document camera (a pressed button while lit). */
  light: 'Light',
  reviewTitle: 'Check the photo',
  reviewHint: 'Is all text readable, without glare or blur?',
  reviewAlt: 'The photo you took',
  retake: 'Retake',
  usePhoto: 'Use this photo',
  livenessTitle: 'Now a quick face check',
  livenessBody: 'We will take a selfie and ask you to turn your head slowly. Remove glasses or hats that cover your face.',
  start: 'Start',
  faceGuidance: {
    no_face: 'Put your face inside the oval',
    move_closer: 'Move a little closer',
    center_face: 'Center your face in the oval',
    hold_still: 'Hold still…',
    turn_left: 'Turn your head slowly to the left',
    turn_right: 'Turn your head slowly to the right',
    look_straight: 'Look straight at the camera',
    look_up: 'Tilt your head slowly up',
    look_down: 'Tilt your head slowly down',
    done: 'Done',
  },
  /** What to try when a face prompt does not pass (after a few seconds), named after what the detector saw. */
  faceHints: {
    more_light: 'More light, please: face a window or a lamp',
    face_hidden: 'We cannot see your face: hold the phone at eye level, your whole face in the oval',
    turn_further: 'Turn your head further, slowly, and hold it there',
    turn_other_way: 'The other way round: the picture is a mirror',
    face_camera: 'Look straight at the screen, the phone at eye level',
  },
  /** Under the camera-app button of the face check. */
  useFileKept: 'This opens your camera app. The photos already taken are kept.',
  promptLabel: (index: number, total: number) => `Step ${index} of ${total}`,
  uploading: (pending: number) => (pending === 1 ? 'Sending 1 photo…' : `Sending ${pending} photos…`),
  waitingForNetwork: 'No connection. Your photos are safe on this phone and will be sent when you are back online.',
  keepPageOpen: 'Keep this page open until your photos are sent: this phone could not store them.',
  submitting: 'Sending…',
  processing: 'Checking your verification…',
  doneVerified: 'You are verified',
  doneReview: 'Thanks! We are reviewing your verification.',
  doneHint: 'You can close this page and go back to the site.',
  failed: 'We could not verify your identity',
  expired: 'This verification has expired. Go back to the site to start a new one.',
  canceled: 'This verification was canceled.',
  otherDevice: 'This verification is already open on another device. Continue there.',
  notFound: 'This verification link is not valid.',
  redirecting: (seconds: number) => `Taking you back in ${seconds}…`,
  returnNow: 'Go back now',
  retry: 'Try again',
  networkProblem: 'We cannot reach the verification service. Check your connection.',
  uploadProblem: 'A photo could not be sent. Please take it again.',
  unreadablePhoto: 'This photo could not be read. Please choose another one.',
  useFile: 'Take a photo with your camera app',
  useFileHint: 'Or choose a photo of the document from your files.',
  useFileSelfie: 'Take a selfie with your camera app',
  filePrompt: {
    straight: 'Take a selfie looking straight at the camera',
    left: 'Take a selfie with your head turned to the left',
    right: 'Take a selfie with your head turned to the right',
    up: 'Take a selfie looking up',
    down: 'Take a selfie looking down',
  },
  cameraRetry: 'Try the camera again',
  /** The form step (where the flow has `form_data`). */
  form: {
    title: 'Your details',
    intro: 'Fill in your details as they are written on your document.',
    submit: 'Continue',
    /** After a field's label, when it may stay empty. */
    optional: '(optional)',
    summaryTitle: 'Please check the form',
    summary: (count: number) => (count === 1 ? 'There is a problem with 1 field:' : `There are problems with ${count} fields:`),
    /** Labels by field name; a field the element has no words for shows the flow's own label. */
    fields: {
      given_names: 'Given names',
      family_name: 'Family name',
      date_of_birth: 'Date of birth',
      email: 'E-mail address',
      phone: 'Phone number',
      nationality: 'Nationality',
      country: 'Country',
      address_line1: 'Address',
      address_line2: 'Address line 2',
      city: 'Town or city',
      postal_code: 'Postal code',
    } as Record<string, string>,
    /** What is wrong with a value, by problem (see core/form-fields.ts). */
    errors: {
      required: 'Fill in this field.',
      too_long: (max: number) => `Use at most ${max} characters.`,
      control: 'Remove tabs, line breaks and other control characters.',
      pattern: 'Check the format of this value.',
      date: 'Enter a real date.',
      future: 'A date of birth cannot be in the future.',
      email: 'Enter an e-mail address like name@example.com.',
      unknown: 'This field is not part of the form.',
      not_text: 'Enter text.',
    },
  },
  /** The link-styled button on every capture screen before submit. */
  stop: 'Stop',
  stopTitle: 'Stop the verification?',
  stopBody: 'The photos on this phone will be deleted, and the site that sent you here will be told that you stopped.',
  stopConfirm: 'Yes, stop',
  stopBack: 'Go back',
  stopping: 'Stopping…',
  stoppedTitle: 'You stopped the verification',
  stoppedBody: 'Nothing more will be sent, and the photos were deleted from this phone.',
  stoppedReturn: 'Go back to the site',
  stoppedHint: 'You can close this page.',
  /** The cancel call did not reach the service: the verification is still open. */
  stopFailedTitle: 'The verification was not stopped',
  stopFailedBody: 'We cannot reach the verification service. Check your connection and try again.',
  stopResume: 'Continue the verification',
  /** Why the camera is not live and what to do, by fault code (see camera-controller.ts). */
  cameraFaults: {
    /** `allowHelp` is one of `allowHelp` below, for the browser at hand. */
    denied: (allowHelp: string) => `The camera is blocked for this page. ${allowHelp} You can also upload photos instead.`,
    unavailable: 'No camera could be found or opened on this device. Check that it has a camera that works in other apps, or upload photos instead.',
    /** The camera was live and stopped by itself (taken by the system, unplugged). */
    stopped: 'The camera stopped. It may have been taken by another app or disconnected; try again.',
    busy: 'Another app is using the camera. Close other apps or tabs that use it (video calls, the camera app), then try again.',
    insecure: 'The camera is only available on secure pages. Open this page with an https:// address.',
    /** `app` is the app's name (or `thisApp`), `how` one of `inAppHow` below. */
    inApp: (app: string, how: string) =>
      `The browser built into ${app} cannot use the camera. To continue, ${how}, or copy this page's address into your browser.`,
    inAppHow: {
      ios: 'tap the ••• or share button and choose "Open in browser" (or "Open in Safari")',
      android: 'tap the ⋮ or ••• menu and choose "Open in browser" (or "Open in Chrome")',
    },
    thisApp: 'this app',
    timeout: 'The camera did not start. Close other apps that may use it, then try again; restarting the browser often helps.',
    unsupported: 'This browser cannot use the camera. Open this page in a current version of Chrome, Safari, Firefox, Edge or Samsung Internet.',
    /** How to let this page use the camera, by browser (every browser on iOS shares `ios`). */
    allowHelp: {
      ios: 'On iPhone or iPad: tap "aA" (or the settings icon) in the address bar, choose Website Settings, set Camera to Allow and reload. If that is not offered, open the Settings app, find your browser (Safari, Chrome…), and turn Camera on.',
      chromeAndroid:
        'In Chrome: tap the icon left of the address, then Permissions (or Site settings), set Camera to Allow and reload. If Chrome itself may not use the camera, allow it in Android Settings → Apps → Chrome → Permissions.',
      samsung:
        'In Samsung Internet: tap the icon left of the address, allow Camera for this site and reload. If the browser itself may not use the camera, allow it in Android Settings → Apps → Samsung Internet → Permissions.',
      firefox:
        'In Firefox: tap the lock icon in the address bar, clear the camera block ("Blocked Temporarily" or "Blocked") and reload; on Android, check too that Firefox may use the camera in Android Settings → Apps → Firefox → Permissions.',
      edge: 'In Edge: select the lock icon in the address bar, set Camera to Allow and reload.',
      chrome: 'In Chrome: select the icon left of the address, turn Camera on (or choose Site settings → Camera → Allow) and reload.',
      safari: 'In Safari: choose Safari → Settings for This Website (or Settings → Websites → Camera), set Camera to Allow and reload.',
      other: "Allow the camera for this site in your browser's site settings, then reload the page.",
    },
  },
} as const;

/** The shape every translation of the capture words has. */
export type CaptureStrings = typeof captureEn;
