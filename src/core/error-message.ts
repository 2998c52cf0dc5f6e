/**
 * The message of a thrown value, for logs and error texts.
 *
 * Anything can be thrown in JavaScript (a string, an object, undefined), so callers that build a
 * message from a caught value go through this one function instead of each repeating the check.
 *
 * @param error - The caught value.
 * @returns `error.message` for an `Error`, otherwise `String(error)`.
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
