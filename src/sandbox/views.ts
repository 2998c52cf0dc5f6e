/**
 * How a sandbox record looks on the wire: okID v2client details, okID v1 verification, the
 * capture API's flow config and the webhook `data`. Each matches its schema in
 * `src/core/protocol.ts`; the tests parse the answers with those schemas.
 */
import { snapshotFromV2 } from '../core/normalize.js';
import type { FlowConfig, V1Status, V2Details, V2Status } from '../core/protocol.js';
import type { Operator } from './operator.js';
import { DOCUMENT_TYPES, type VerificationStore, type VerificationRecord } from './store.js';

const iso = (ms: number): string => new Date(ms).toISOString();

const V2_TO_V1: Record<V2Status, V1Status> = {
  generated: 'pending',
  started: 'started',
  in_progress: 'in_progress',
  processing: 'processing',
  verified: 'completed',
  manual_review: 'completed',
  rejected: 'failed',
  expired: 'expired',
  canceled: 'canceled',
};

/** Stable fake values derived from the id, so repeated reads agree. */
function fakePerson(record: VerificationRecord) {
  const digits = [...record.id].reduce((sum, ch) => (sum * 31 + ch.charCodeAt(0)) % 10_000_000, 7);
  return {
    first_name: 'Jane',
    last_name: 'Sandbox',
    document_number: `SB${String(digits).padStart(7, '0')}`,
    expiry_date: '2032-05-20',
    date_of_birth: '1990-01-15',
    nationality: 'NLD',
  };
}

/** Results exist only once an outcome was decided; before that `results` is `{}`. */
function v2Results(record: VerificationRecord): Record<string, unknown> {
  if (!['verified', 'manual_review', 'rejected'].includes(record.status)) return {};
  const passed = record.status === 'verified';
  const results = {
    document: {
      type: record.documentType,
      status: record.status === 'rejected' ? 'rejected' : passed ? 'accepted' : 'review',
      data: record.status === 'rejected' ? null : fakePerson(record),
      checks: { mrz: passed ? 'passed' : 'inconclusive', expiry: 'passed', tampering: record.status === 'rejected' ? 'failed' : 'passed' },
    },
    liveness: {
      status: record.status === 'rejected' ? 'rejected' : passed ? 'accepted' : 'review',
      score: record.status === 'rejected' ? 0.21 : passed ? 0.98 : 0.64,
      face_match: record.status === 'rejected' ? 0.18 : passed ? 0.95 : 0.71,
      prompts: record.prompts,
    },
  };
  // Only the steps this verification's flow has.
  return {
    ...(record.flow.includes('document') ? { document: results.document } : {}),
    ...(record.flow.includes('liveness') ? { liveness: results.liveness } : {}),
    ...formResults(record),
  };
}

/** The form's values for the operator (`results.form_data`, the webhook's `form_data`), where the flow has a form. */
function formResults(record: VerificationRecord): { form_data?: Record<string, string> } {
  return record.flow.includes('form_data') && record.formData ? { form_data: { ...record.formData } } : {};
}

/** okID v2client `GET /api/get-verification-details/{id}`. */
export function toV2Details(store: VerificationStore, record: VerificationRecord): V2Details & Record<string, unknown> {
  return {
    verification_id: record.id,
    status: {
      current: record.status,
      updated_at: iso(record.updatedAt),
      progress: { ...store.progress(record) },
    },
    expires_at: iso(record.expiresAt),
    created_at: iso(record.createdAt),
    extra_data: record.extraData,
    return_url: record.returnUrl,
    results: v2Results(record),
  };
}

/** okID v1 `GET /v1/verification/:id`. */
export function toV1Verification(store: VerificationStore, record: VerificationRecord): Record<string, unknown> {
  const status = V2_TO_V1[record.status];
  const body: Record<string, unknown> = {
    id: record.id,
    status,
    created_at: iso(record.createdAt),
    updated_at: iso(record.updatedAt),
    completed_at: record.completedAt === null ? null : iso(record.completedAt),
    expires_at: iso(record.expiresAt),
    progress: { ...store.progress(record) },
    document_type: record.documentType,
    metadata: record.extraData,
  };
  if (record.status === 'verified' || record.status === 'manual_review') {
    body.outcome = record.status;
    body.verification_details = fakePerson(record);
  }
  return body;
}

/** The capture API's `GET /v1/flow/{id}`, with the status normalized (`started` → `opened`…). */
export function toFlowConfig(store: VerificationStore, record: VerificationRecord, deviceToken: string, operator?: Operator): FlowConfig {
  const snapshot = snapshotFromV2(toV2Details(store, record));
  return {
    verificationId: record.id,
    status: snapshot.status,
    steps: [...record.flow],
    documentTypes: record.flow.includes('document') ? DOCUMENT_TYPES.map((d) => ({ type: d.type, sides: [...d.sides] })) : [],
    liveness: { prompts: record.flow.includes('liveness') ? [...record.prompts] : [] },
    ...(record.flow.includes('form_data') ? { form: { fields: record.formFields.map((field) => ({ ...field })) } } : {}),
    progress: snapshot.progress,
    ...(snapshot.outcome ? { outcome: snapshot.outcome } : {}),
    updatedAt: snapshot.updatedAt,
    expiresAt: snapshot.expiresAt,
    returnUrl: record.returnUrl,
    ...(operator ? { operator: { ...operator } } : {}),
    deviceToken,
  };
}

/** Normalized status and progress, the short answer of the capture API's writes. */
export function toFlowStatus(store: VerificationStore, record: VerificationRecord) {
  const snapshot = snapshotFromV2(toV2Details(store, record));
  return { status: snapshot.status, progress: snapshot.progress, updatedAt: snapshot.updatedAt };
}

/** The `data` of a webhook event: no images, no document details. */
export function toWebhookData(store: VerificationStore, record: VerificationRecord): Record<string, unknown> {
  const data: Record<string, unknown> = {
    id: record.id,
    status: record.status,
    updated_at: iso(record.updatedAt),
    expires_at: iso(record.expiresAt),
    progress: { ...store.progress(record) },
    extra_data: record.extraData,
  };
  if (record.status === 'verified' || record.status === 'manual_review') data.outcome = record.status;
  // Personal data goes only with the outcome, to the operator's server (as get-verification-details).
  if (['verified', 'manual_review', 'rejected'].includes(record.status)) Object.assign(data, formResults(record));
  return data;
}

// ------------------------------------------------------------------ the documents' own dialect
//
// `dialect: 'documented'` answers with what okID's published documents show, and nothing more:
// no `progress` or `expires_at` on v1, no `outcome` field, no `processing`/`rejected`/`canceled`
// words. The proxy must read that too.

/** The v2 status words the v2client documents use (details, QR code 409, flow description). */
const V2_DOCUMENTED: Record<V2Status, string> = {
  generated: 'generated',
  started: 'started',
  in_progress: 'in_progress',
  processing: 'in_progress',
  verified: 'verified',
  manual_review: 'manual_review',
  rejected: 'failed',
  expired: 'expired',
  canceled: 'failed',
};

/**
 * The v1 words: the documents show `completed` on the record, and `started`, `failed`,
 * `expired` as webhook events; before the person starts, v2's `generated`.
 */
const V1_DOCUMENTED: Record<V2Status, string> = {
  generated: 'generated',
  started: 'started',
  in_progress: 'started',
  processing: 'started',
  verified: 'completed',
  manual_review: 'completed',
  rejected: 'failed',
  expired: 'expired',
  canceled: 'failed',
};

/** The documented v2 word for a sandbox status (the QR code's 409 `current_status` too). */
export const documentedV2Word = (status: V2Status): string => V2_DOCUMENTED[status];

/** okID's `ver_…` id of a v1 record, as the v1 document shows beside a `tok_v1_…` token: stable per token. */
export function v1RecordId(record: VerificationRecord): string {
  const digits = [...record.id].reduce((sum, ch) => (sum * 131 + ch.charCodeAt(0)) % 2 ** 40, 17);
  return `ver_${digits.toString(36).padStart(8, '0')}${record.id.slice(-12)}`;
}

/** The documented `GET /api/get-verification-details/{id}`: `verification_id`, `status`, `results`. */
export function toV2Documented(store: VerificationStore, record: VerificationRecord): Record<string, unknown> {
  return {
    verification_id: record.id,
    status: { current: V2_DOCUMENTED[record.status], updated_at: iso(record.updatedAt), progress: { ...store.progress(record) } },
    results: v2Results(record),
  };
}

/**
 * The documented `GET /v1/verification/:id`: `id` (okID's `ver_…` record id), `status`,
 * `created_at`, `completed_at`, `document_type`, `verification_details`, `metadata` — the last
 * three and `completed_at` once completed.
 */
export function toV1Documented(record: VerificationRecord): Record<string, unknown> {
  const status = V1_DOCUMENTED[record.status];
  const body: Record<string, unknown> = { id: v1RecordId(record), status, created_at: iso(record.createdAt) };
  if (status === 'completed') {
    body.completed_at = iso(record.completedAt ?? record.updatedAt);
    body.document_type = record.documentType;
    const { first_name, last_name, document_number, expiry_date, date_of_birth } = fakePerson(record);
    body.verification_details = { first_name, last_name, document_number, expiry_date, date_of_birth };
  }
  body.metadata = record.extraData ?? {};
  return body;
}

/** The documented webhook `data`: the v1 record's fields (the v1 document's payload), for v1 and v2 alike. */
export function toWebhookDocumented(record: VerificationRecord): Record<string, unknown> {
  const data = toV1Documented(record);
  if (record.api === 'v2') {
    data.id = record.id;
    data.status = V1_DOCUMENTED[record.status];
  }
  return data;
}
