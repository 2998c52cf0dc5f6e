/**
 * Who a request comes from, for the proxy's per-client limits. A client is the address of the
 * socket the request arrived on; behind reverse proxies the operator says which hops it trusts
 * (`trustProxy`), and the client is then the first address in `X-Forwarded-For`, read from the
 * right, that no trusted hop vouches for. Everything left of it was written by the client itself
 * and is never believed: a spoofed header cannot move a request into another client's bucket.
 */
import { BlockList, isIP } from 'node:net';

/**
 * Which hops in front of the proxy are trusted to append the address they received a request
 * from to `X-Forwarded-For`.
 * - `true`: one hop (the usual single load balancer or reverse proxy). Unlike Express's `true`,
 *   this never believes the leftmost entry, which any client can write.
 * - a number `n`: the `n` nearest hops (the socket peer is the first).
 * - a list of addresses or CIDR ranges (`10.0.0.0/8`, `fd00::/8`, `127.0.0.1`): a hop is trusted
 *   when its address is in the list.
 * Without it (the default), `X-Forwarded-For` is ignored.
 */
export type TrustProxyOption = boolean | number | readonly string[];

/** Reads the client of a request from its socket address and `X-Forwarded-For`. */
export type ClientResolver = (socketAddress: string | undefined, forwardedFor: string | null) => string | undefined;

/** The client's address as the runtime gives it, for `okid.fetch` (Deno's `info`, Bun's `server`, or plain). */
export interface FetchClientInfo {
  /** The socket address of the client, when the caller knows it. */
  clientAddress?: string;
}

/** Socket addresses of requests built by the Node adapter (a Fetch `Request` has no socket). */
const socketAddresses = new WeakMap<Request, string>();

/** Records the socket address a `Request` was received from. */
export function rememberSocketAddress(request: Request, address: string | undefined): void {
  if (address) socketAddresses.set(request, address);
}

/**
 * The socket address of a Fetch request: from the Node adapter, or from what the runtime passed
 * as `okid.fetch`'s second argument: `{ clientAddress }`, Deno's `{ remoteAddr: { hostname } }`,
 * or Bun's server (`requestIP(request)`).
 */
export function socketAddressOf(request: Request, info?: unknown): string | undefined {
  const known = socketAddresses.get(request);
  if (known) return known;
  if (typeof info !== 'object' || info === null) return undefined;
  const given = info as {
    clientAddress?: unknown;
    remoteAddr?: { hostname?: unknown };
    requestIP?: (request: Request) => { address?: unknown } | null;
  };
  if (typeof given.clientAddress === 'string' && given.clientAddress !== '') return given.clientAddress;
  if (typeof given.remoteAddr?.hostname === 'string') return given.remoteAddr.hostname;
  if (typeof given.requestIP === 'function') {
    try {
      const address = given.requestIP(request)?.address;
      if (typeof address === 'string') return address;
    } catch {
      // Not Bun's server after all.
    }
  }
  return undefined;
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) → `10.0.0.1`; brackets and ports off. */
export function normalizeAddress(raw: string): string | undefined {
  let address = raw.trim();
  if (address.startsWith('[')) address = address.slice(1, address.indexOf(']') === -1 ? undefined : address.indexOf(']'));
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
  if (/^::ffff:\d{1,3}(\.\d{1,3}){3}$/i.test(address)) address = address.slice(7);
  return isIP(address) ? address.toLowerCase() : undefined;
}

function fail(message: string): never {
  throw new TypeError(`createOkidProxy: ${message}`);
}

/**
 * Validates `trustProxy` and returns how to find a request's client. Throws a `TypeError` naming
 * the option when it is not one of the accepted forms.
 */
export function createClientResolver(option: TrustProxyOption | undefined): ClientResolver {
  const hint = 'trustProxy must be true, a number of trusted hops (1 or more), or a list of trusted proxy addresses or CIDR ranges.';
  if (option === undefined || option === false) return (socket) => (socket === undefined ? undefined : normalizeAddress(socket) ?? socket);
  if (option === true) return hopsResolver(1);
  if (typeof option === 'number') {
    if (!Number.isInteger(option) || option < 1 || option > 32) fail(hint);
    return hopsResolver(option);
  }
  if (!Array.isArray(option) || option.length === 0) fail(hint);
  const trusted = new BlockList();
  for (const entry of option as unknown[]) {
    if (typeof entry !== 'string') fail(hint);
    const [address, prefix, extra] = entry.split('/');
    const normalized = normalizeAddress(address ?? '');
    if (!normalized || extra !== undefined) fail(`${hint} "${entry}" is not one.`);
    const family = isIP(normalized) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) {
      trusted.addAddress(normalized, family);
      continue;
    }
    const bits = Number(prefix);
    if (!/^\d{1,3}$/.test(prefix) || bits > (family === 'ipv6' ? 128 : 32)) fail(`${hint} "${entry}" is not one.`);
    trusted.addSubnet(normalized, bits, family);
  }
  const isTrusted = (address: string): boolean => trusted.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  return (socket, forwardedFor) => {
    const chain = hopChain(socket, forwardedFor);
    // Walk from the nearest hop outwards while each hop is one of ours.
    let index = 0;
    while (index < chain.length - 1) {
      const hop = chain[index]!;
      if (hop === PLATFORM || (hop !== undefined && isTrusted(hop))) index += 1;
      else break;
    }
    return pick(chain, index, socket);
  };
}

/** Stands for the socket peer when the runtime does not say (edge platforms): it is the platform's own hop. */
const PLATFORM = Symbol('platform');

type Hop = string | typeof PLATFORM | undefined;

/**
 * The hops from nearest to farthest: the socket peer, then `X-Forwarded-For` read right to left.
 * An entry that is not an IP address is kept as `undefined`, so a malformed header stops the walk.
 */
function hopChain(socket: string | undefined, forwardedFor: string | null): Hop[] {
  const chain: Hop[] = [socket === undefined ? PLATFORM : normalizeAddress(socket)];
  if (forwardedFor) {
    const entries = forwardedFor.split(',');
    // A header of thousands of entries is read no further than any sane chain of proxies.
    for (let i = entries.length - 1; i >= 0 && chain.length <= 64; i -= 1) chain.push(normalizeAddress(entries[i]!));
  }
  return chain;
}

function hopsResolver(hops: number): ClientResolver {
  return (socket, forwardedFor) => {
    const chain = hopChain(socket, forwardedFor);
    return pick(chain, Math.min(hops, chain.length - 1), socket);
  };
}

/**
 * The hop at `index`; when that entry is malformed, the nearest trusted hop that wrote it (a
 * proxy vouching for garbage is still the best address known), never the client's own words.
 */
function pick(chain: readonly Hop[], index: number, socket: string | undefined): string | undefined {
  for (let i = index; i >= 0; i -= 1) {
    const hop = chain[i];
    if (typeof hop === 'string') return hop;
  }
  return socket;
}
