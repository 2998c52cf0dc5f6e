/**
 * A picture (a camera frame, a decoded photo) drawn on a canvas and encoded, scaled down to a
 * width limit: the one copy of canvas → JPEG for camera stills and for photos picked from files.
 */

/** How {@link encodeImage} encodes. */
export interface EncodeOptions {
  /** Image MIME type (default `image/jpeg`: what the capture API takes). */
  type?: string;
  /** Encoder quality 0..1 (default 0.92). */
  quality?: number;
  /** The picture is scaled down to at most this width, in pixels, keeping its aspect ratio (default 1920). */
  maxWidth?: number;
}

/** `source` (of `width` × `height` pixels) as an encoded image; rejects when the browser cannot draw or encode it. */
export function encodeImage(source: CanvasImageSource, width: number, height: number, options: EncodeOptions = {}): Promise<Blob> {
  const { type = 'image/jpeg', quality = 0.92, maxWidth = 1920 } = options;
  const scale = Math.min(1, maxWidth / width);
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const context = canvas.getContext('2d');
  if (!context) return Promise.reject(new Error('This browser cannot draw the picture.'));
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  return new Promise<Blob>((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The picture could not be encoded.'))), type, quality);
  });
}

/** A picked file (PNG, HEIC where the browser decodes it, …) re-encoded as JPEG, as the capture API takes. */
export async function fileToJpeg(file: Blob, maxWidth = 1920): Promise<Blob> {
  const bitmap = await createImageBitmap(file);
  try {
    return await encodeImage(bitmap, bitmap.width, bitmap.height, { maxWidth });
  } finally {
    bitmap.close();
  }
}
