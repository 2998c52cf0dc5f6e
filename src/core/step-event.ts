/**
 * The funnel events of `okid-step`: what a person does or meets, by name, with when and a few
 * plain facts (a side, a fault code, how a photo was taken). Never an image, a name, a document
 * number or any other personal data: only the fields typed here, each a short word or a number.
 */

/** Every `okid-step` name, in the order a person usually meets them. */
export type OkidStepName =
  /** Desktop: the QR code of the handoff URL is shown (once per verification). */
  | 'qr_shown'
  /** Desktop: the handoff link was copied. */
  | 'link_copied'
  /** Desktop: "open on this device" was followed. */
  | 'opened_here'
  /** Phone: the terms were accepted. */
  | 'terms_accepted'
  /** Phone: a document type was chosen (`documentType`). */
  | 'document_chosen'
  /** Phone: the camera went live (`facing`), the first time for that camera in a visit. */
  | 'camera_allowed'
  /** Phone: the camera could not be used (`facing`, `code`: the fault, such as `CAMERA_DENIED`). */
  | 'camera_refused'
  /** Phone: a document photo was taken (`side`, `how`: `auto` or `manual`). */
  | 'photo_taken'
  /** Phone: a document photo was taken again (`side`). */
  | 'retake'
  /** Phone: a photo came from the camera app or the files (`kind`). */
  | 'file_used'
  /** Phone: a face prompt was passed live (`index`: 0 is the selfie, `prompt`). */
  | 'prompt_passed'
  /** Phone: the camera app was offered because the live face check did not move on (`index`). */
  | 'help_offered'
  /** Phone: the form step's values reached okID (never a value or a field name). */
  | 'form_submitted'
  /** Phone: an upload failed and is tried again (`kind`). */
  | 'upload_retried'
  /** Phone: everything was sent and submitted. */
  | 'submitted'
  /** Phone: the person stopped the verification (and okID confirmed it). */
  | 'stopped';

/** The optional facts of a step event: short words and small numbers only. */
export interface OkidStepFacts {
  documentType?: string;
  side?: 'front' | 'back';
  facing?: 'environment' | 'user';
  /** The camera fault, for `camera_refused`. */
  code?: string;
  how?: 'auto' | 'manual';
  /** A capture kind (`document_front`, `selfie`, `liveness_0`…). */
  kind?: string;
  /** A face prompt's number (0: the selfie) and its name (`straight`, `left`…). */
  index?: number;
  prompt?: string;
}

/** Detail of `okid-step`. */
export interface OkidStepDetail extends OkidStepFacts {
  name: OkidStepName;
  /** When, as an ISO 8601 timestamp. */
  at: string;
  /** The verification it belongs to. */
  verificationId?: string;
  /** Which side of the handoff fired it: `handoff` (desktop) or `capture` (phone). */
  mode: 'handoff' | 'capture';
}

/** A step event of `name` now. */
export const stepDetail = (name: OkidStepName, mode: OkidStepDetail['mode'], verificationId: string | undefined, facts: OkidStepFacts = {}): OkidStepDetail => ({
  ...facts,
  name,
  at: new Date().toISOString(),
  mode,
  ...(verificationId ? { verificationId } : {}),
});
