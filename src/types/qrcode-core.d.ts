// Types for the qrcode package's core encoder, which @types/qrcode does not describe. Browser
// code imports this module alone (8 KB gzip) instead of the package entry (9.7 KB with renderers).
declare module 'qrcode/lib/core/qrcode.js' {
  interface QRCodeCore {
    create(
      text: string | Array<{ data: string; mode: 'byte' | 'alphanumeric' | 'numeric' }>,
      options?: { errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H'; version?: number },
    ): { modules: { size: number; data: Uint8Array }; version: number };
  }
  const core: QRCodeCore;
  export default core;
}
