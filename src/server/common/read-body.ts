/**
 * Reads a request or response body into bytes, refusing once it passes `max` bytes without
 * reading the rest: a `Content-Length` over the cap is refused before reading, and a body that
 * lies about its length (or sends none) is cut off as it streams. `tooLarge` makes the error.
 */
export async function readBodyCapped(message: Request | Response, max: number, tooLarge: () => Error): Promise<Uint8Array | undefined> {
  if (Number(message.headers.get('Content-Length')) > max) throw tooLarge();
  if (!message.body) return undefined;
  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
