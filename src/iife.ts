/**
 * The script-tag bundle's entry: everything `okid-verify` exports, plus the Lit functions the
 * capture chunk (`okid-verify-capture.js`, loaded from beside this file on phones) renders with,
 * so a page runs one Lit.
 */
import { css, html, nothing } from 'lit';

export * from './index.js';

/** @internal Shared with the capture chunk; not an API. */
export const __lit = { html, nothing, css };
