/**
 * The attributes of `<okid-verify>` as markup writes them, typed for framework templates
 * (`okid-verify/react`, `okid-verify/vue`). Types only: nothing here reaches a bundle.
 */
import type { CaptureChoice, Mode } from '../core/config.js';

/** A number, or the digits a template writes into an attribute. */
type Numeric = number | `${number}`;

/** The element's attributes (kebab-case), each the twin of a property of `OkidVerifyElement`. */
export interface OkidVerifyAttributes {
  /** okID v1 process token (`tok_…`), v2 verification id (`ver_…`) or any other okID id: 1 to 200 of `A–Z a–z 0–9 . _ ~ : -`. */
  'process-token'?: string;
  /** A verification URL; the id is read from `verification_id`, `token` or a `ver_…`/`tok_…` last path segment. */
  'verification-url'?: string;
  /** Base URL of the operator's proxy, for example `/okid`. */
  'proxy-url'?: string;
  /** `auto` (default: phone → capture, else handoff), `handoff` or `capture`. */
  mode?: Mode;
  /** How a phone captures: `auto` (default: embedded where okID's capture API answers, else okID's hosted portal), `embedded` or `hosted`. */
  capture?: CaptureChoice;
  /** Template of the URL in the QR code; `{id}` is replaced by the verification id. */
  'handoff-url'?: string;
  /** okID API host (default `https://api1.okid.io`). */
  'api-url'?: string;
  /** okID portal host of the default handoff URL (default: `https://verify.prod.okid.io` for a v2 `ver_…` id, `https://verify.okid.io` for a v1 `tok_…` token). */
  'frontend-url'?: string;
  /** okID flow name, as in the okID JS SDK. */
  'flow-name'?: string;
  /** Interface language, as a BCP 47 tag. */
  locale?: string;
  /** Where the capture flow sends the user when done (http(s) only). */
  'return-url'?: string;
  /** Milliseconds between two status polls while nothing fails (default 2000, at least 250). */
  'poll-interval'?: Numeric;
}
