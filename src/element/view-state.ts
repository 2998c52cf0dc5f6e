/**
 * What the element shows, worked out from its state: which view, what the live region says, and
 * the message of an ended verification. Pure functions, so `render()` stays a switch over them.
 */
import { ErrorCode } from '../core/status.js';
import type { OkidErrorDetail, StatusSnapshot } from '../core/status.js';
import type { Strings } from '../i18n/en-element.js';
import type { Translation } from '../i18n/types.js';

/** What the element shows; `render()` switches over it. */
export type View = 'config-error' | 'handoff' | 'phone' | 'processing' | 'completed' | 'ended' | 'capture' | 'hosted';

/**
 * Where a phone (capture mode) is: reading the status through the proxy first, following it
 * (the verification is final or processing: its outcome is shown, never a new flow), running the
 * embedded capture flow, or offering okID's hosted portal.
 */
export type PhonePath = 'checking' | 'status' | 'embedded' | 'hosted';

/** Codes and messages of the final statuses that are failures. */
export const FINAL_ERRORS = {
  failed: { code: ErrorCode.VerificationFailed, message: 'failed' },
  expired: { code: ErrorCode.VerificationExpired, message: 'expired' },
  canceled: { code: ErrorCode.VerificationCanceled, message: 'canceled' },
} as const satisfies Record<string, { code: ErrorCode; message: keyof Strings }>;

/** The state {@link viewOf} reads. */
export interface ViewInputs {
  configured: boolean;
  mode: 'handoff' | 'capture' | undefined;
  phonePath: PhonePath | undefined;
  snapshot: StatusSnapshot | undefined;
  fault: OkidErrorDetail | undefined;
}

export function viewOf({ configured, mode, phonePath, snapshot, fault }: ViewInputs): View {
  if (!configured) return 'config-error';
  if (mode === 'capture') {
    if (phonePath === 'hosted') return 'hosted';
    if (phonePath !== 'status') return 'capture';
  }
  if (fault && !fault.recoverable) return 'ended';
  switch (snapshot?.status) {
    case 'opened':
    case 'in_progress':
      return 'phone';
    case 'processing':
      return 'processing';
    case 'completed':
      return 'completed';
    case 'failed':
    case 'expired':
    case 'canceled':
      return 'ended';
    default:
      return mode === 'capture' ? 'capture' : 'handoff';
  }
}

/** The message of an ended verification: a final status, or a fault that ends the element. */
export function endedMessageOf(t: Translation<Strings>, snapshot: StatusSnapshot | undefined, fault: OkidErrorDetail | undefined): string {
  if (fault && !fault.recoverable) {
    if (fault.code === ErrorCode.VerificationNotFound) return t.notFound;
    if (fault.code === ErrorCode.AccessDenied) return t.accessDenied;
    return t.configInvalid;
  }
  const final = FINAL_ERRORS[snapshot?.status as keyof typeof FINAL_ERRORS];
  return t[final?.message ?? 'failed'];
}

/** What the polite live region says in `view`, so a screen reader hears each change once. */
export function announcementOf(t: Translation<Strings>, view: View, snapshot: StatusSnapshot | undefined, fault: OkidErrorDetail | undefined): string {
  switch (view) {
    case 'phone':
      return t.continueOnPhone;
    case 'processing':
      return t.processing;
    case 'completed':
      return snapshot?.outcome === 'verified' ? t.verified : t.manualReview;
    case 'ended':
      return endedMessageOf(t, snapshot, fault);
    default:
      return fault?.recoverable ? t.reconnecting : '';
  }
}

type Intl2 = typeof Intl & { DurationFormat?: new (locale: string, options: { style: 'digital'; hoursDisplay: 'auto' }) => { format(d: object): string } };

/** "4:05" or "1:02:03", through Intl where the browser has DurationFormat. */
export function formatDuration(seconds: number, locale: string): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const DurationFormat = (Intl as Intl2).DurationFormat;
  if (DurationFormat) return new DurationFormat(locale, { style: 'digital', hoursDisplay: 'auto' }).format(h ? { hours: h, minutes: m, seconds: s } : { minutes: m, seconds: s });
  return `${h ? `${h}:${String(m).padStart(2, '0')}` : m}:${String(s).padStart(2, '0')}`;
}

/** Calls an operator callback without letting its exception break the element. */
export function callSafely<T>(callback: ((value: T) => void) | undefined, value: T): void {
  if (!callback) return;
  try {
    callback(value);
  } catch (error) {
    globalThis.reportError?.(error);
  }
}
