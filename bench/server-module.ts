/**
 * The proxy as an operator runs it, for the benchmarks' server processes: the built package
 * (`dist/server.js`, which `npm run bench` builds first), or the module `OKID_SERVER_MODULE`
 * names; the TypeScript sources only when neither exists. Not the sources through tsx by
 * choice: its transform keeps function names by giving every function a property store, which
 * adds a few kilobytes per open stream that a real deployment does not have.
 */
import { existsSync } from 'node:fs';

/** `okid-verify/server`. */
export type ServerModule = typeof import('../src/server/index.js');

/** Loads `okid-verify/server` as described above. */
export async function serverModule(): Promise<ServerModule> {
  const built = new URL('../dist/server.js', import.meta.url);
  const chosen = process.env.OKID_SERVER_MODULE || (existsSync(built) ? built.href : '../src/server/index.js');
  return (await import(chosen)) as ServerModule;
}
