/**
 * The element's configuration from its attributes: the resolved config (core/config.ts), the QR
 * code of its handoff URL in the element's language, and the mode `auto` settles on.
 */
import { resolveConfig } from '../core/config.js';
import type { ConfigInput, ResolvedConfig } from '../core/config.js';
import type { Locale } from '../i18n/locale.js';
import { isPhoneLike } from './device.js';
import { handoffUrlIn } from './language.js';
import { qrPath } from './qr-code.js';
import type { QrPicture } from './views.js';

/** The attributes that make the configuration; a change to any of them (or to the language) reconfigures. */
export const CONFIG_KEYS = ['processToken', 'verificationUrl', 'proxyUrl', 'mode', 'capture', 'handoffUrl', 'apiUrl', 'frontendUrl', 'returnUrl', 'pollInterval', 'locale'] as const;

export interface Configured {
  config?: ResolvedConfig;
  /** Why there is no config: shown, and fired as `CONFIG_INVALID`. */
  error?: string;
  qr?: QrPicture;
  /** `auto` resolved once per configuration, so a view never flips under the user. */
  mode?: 'handoff' | 'capture';
}

/** Configures from `input`; `qr` is the picture drawn now, kept when its URL is unchanged. */
export function configure(input: ConfigInput, language: Locale, qr: QrPicture | undefined): Configured {
  const result = resolveConfig(input, document.baseURI);
  if (!result.ok) return { error: result.message, qr };
  const { config } = result;
  const url = handoffUrlIn(config.handoffUrl, language);
  if (qr?.url !== url) {
    try {
      qr = { url, ...qrPath(url) };
    } catch {
      // A QR code holds about 2,300 bytes at error correction M.
      return { error: 'The handoff URL is too long for a QR code: shorten handoff-url or verification-url.' };
    }
  }
  return { config, qr, mode: config.mode === 'auto' ? (isPhoneLike() ? 'capture' : 'handoff') : config.mode };
}

/** Whether a new configuration follows another verification, or follows it another way. */
export function startsOver(previous: Configured, next: Configured, pollIntervalChanged: boolean): boolean {
  const { config } = next;
  return (
    !config ||
    previous.config?.verificationId !== config.verificationId ||
    previous.config?.proxyUrl !== config.proxyUrl ||
    previous.mode !== next.mode ||
    (next.mode === 'capture' && previous.config?.capture !== config.capture) ||
    pollIntervalChanged
  );
}
