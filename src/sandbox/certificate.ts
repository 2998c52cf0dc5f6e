/**
 * The certificate of the demo and of `okid-sandbox --host 0.0.0.0` on the local network. A
 * phone's browser gives the camera only to secure pages, and a LAN address is not secure over
 * plain http, so these serve HTTPS there with a self-signed certificate made on first run and
 * kept in the user's cache folder (never in the repository), or with the operator's own one.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { TlsCredentials } from './web-server.js';

/** Where a certificate came from: the operator's files, this run, or an earlier run's cache. */
export type CertificateSource = 'operator' | 'created' | 'cached';

/** A certificate ready for `tls` options, with what a person needs to trust it. */
export interface LanCertificate extends TlsCredentials {
  source: CertificateSource;
  /** SHA-256 fingerprint as colon-separated hex, as browsers show it in the certificate viewer. */
  fingerprint256: string;
  /** The certificate file (the cache file, or the operator's `OKID_DEMO_CERT`). */
  certPath: string;
  /** The date after which browsers refuse it. */
  validTo: Date;
}

/** Options of {@link lanCertificate}. */
export interface LanCertificateOptions {
  /** Names and IP addresses the phone will use; loopback names are always added. */
  hosts: string[];
  /** Default `$XDG_CACHE_HOME/okid-verify`, else `~/.cache/okid-verify`. */
  cacheDir?: string;
  /** Where `OKID_DEMO_CERT` and `OKID_DEMO_KEY` are read; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** For tests; default now. */
  now?: Date;
}

/** A certificate problem worth one readable line (a missing file, a key that does not match). */
export class CertificateError extends Error {
  override name = 'CertificateError';
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];
/** Browsers cap server certificates at 398 days; a new one is made a week before it ends. */
const VALID_DAYS = 397;
const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;
const CERT_FILE = 'lan-cert.pem';
const KEY_FILE = 'lan-key.pem';

/** `OKID_DEMO_HTTPS=0` (or `false`, `off`, `no`) turns HTTPS off on the LAN. */
export function lanHttpsEnabled(env: Record<string, string | undefined> = process.env): boolean {
  return !/^(0|false|off|no)$/i.test(env.OKID_DEMO_HTTPS?.trim() ?? '');
}

/** True for addresses only this computer reaches (no certificate needed there). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127\./.test(bare);
}

/** The computer's IPv4 addresses on its networks (what a phone on the same Wi-Fi can reach). */
export function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((address) => address !== undefined && address.family === 'IPv4' && !address.internal)
    .map((address) => address!.address);
}

function defaultCacheDir(env: Record<string, string | undefined>): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'okid-verify');
}

function covers(certificate: X509Certificate, host: string): boolean {
  return isIP(host) ? certificate.checkIP(host) !== undefined : certificate.checkHost(host) !== undefined;
}

function describe(cert: string, key: string, source: CertificateSource, certPath: string): LanCertificate {
  const certificate = new X509Certificate(cert);
  return { cert, key, source, certPath, fingerprint256: certificate.fingerprint256, validTo: new Date(certificate.validTo) };
}

/** The operator's own certificate (for example from mkcert, whose root the phone trusts). */
async function operatorCertificate(certPath: string | undefined, keyPath: string | undefined): Promise<LanCertificate> {
  if (!certPath || !keyPath) {
    throw new CertificateError('OKID_DEMO_CERT and OKID_DEMO_KEY go together: set both (PEM files) or neither');
  }
  const read = async (path: string, name: string) => {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      throw new CertificateError(`${name}=${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  };
  const [cert, key] = await Promise.all([read(certPath, 'OKID_DEMO_CERT'), read(keyPath, 'OKID_DEMO_KEY')]);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new CertificateError(`OKID_DEMO_CERT=${certPath} is not a PEM certificate`);
  }
  let matches = false;
  try {
    matches = certificate.checkPrivateKey(createPrivateKey(key));
  } catch {
    throw new CertificateError(`OKID_DEMO_KEY=${keyPath} is not a PEM private key (an encrypted key is not supported)`);
  }
  if (!matches) throw new CertificateError(`OKID_DEMO_KEY=${keyPath} is not the key of OKID_DEMO_CERT=${certPath}`);
  return describe(cert, key, 'operator', certPath);
}

/** The cached certificate when it still covers `hosts` and has a week left, else undefined. */
async function cachedCertificate(dir: string, hosts: string[], now: Date): Promise<LanCertificate | undefined> {
  try {
    const [cert, key] = await Promise.all([readFile(join(dir, CERT_FILE), 'utf8'), readFile(join(dir, KEY_FILE), 'utf8')]);
    const certificate = new X509Certificate(cert);
    const fresh = new Date(certificate.validTo).getTime() - now.getTime() > RENEW_BEFORE_MS && new Date(certificate.validFrom) <= now;
    if (!fresh || !hosts.every((host) => covers(certificate, host)) || !certificate.checkPrivateKey(createPrivateKey(key))) return undefined;
    return describe(cert, key, 'cached', join(dir, CERT_FILE));
  } catch {
    return undefined; // missing or unreadable: make a new one
  }
}

async function createCertificate(dir: string, hosts: string[], now: Date): Promise<LanCertificate> {
  // Loaded only here: most runs of the sandbox never need a certificate.
  const { generate } = await import('selfsigned');
  const notAfterDate = new Date(now.getTime() + VALID_DAYS * 24 * 3600 * 1000);
  const pems = await generate([{ name: 'commonName', value: 'okid-verify demo (local network)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: hosts.map((host) => (isIP(host) ? { type: 7, ip: host } : { type: 2, value: host })) },
    ],
  });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Written beside, then renamed: a second demo starting at the same time never reads half a file.
  const suffix = `.${process.pid}.tmp`;
  await writeFile(join(dir, KEY_FILE + suffix), pems.private, { mode: 0o600 });
  await writeFile(join(dir, CERT_FILE + suffix), pems.cert, { mode: 0o644 });
  await rename(join(dir, KEY_FILE + suffix), join(dir, KEY_FILE));
  await rename(join(dir, CERT_FILE + suffix), join(dir, CERT_FILE));
  return describe(pems.cert, pems.private, 'created', join(dir, CERT_FILE));
}

/**
 * The certificate for HTTPS on the LAN: the operator's (`OKID_DEMO_CERT` and `OKID_DEMO_KEY`),
 * else the cached self-signed one when it covers `hosts` and is not about to expire, else a new
 * one (EC P-256, 397 days, SAN for `hosts` and loopback) written to the cache folder. Rejects
 * with a {@link CertificateError} for the operator's files that cannot be used.
 */
export async function lanCertificate(options: LanCertificateOptions): Promise<LanCertificate> {
  const env = options.env ?? process.env;
  if (env.OKID_DEMO_CERT || env.OKID_DEMO_KEY) return operatorCertificate(env.OKID_DEMO_CERT, env.OKID_DEMO_KEY);
  const now = options.now ?? new Date();
  const hosts = [...new Set([...LOOPBACK_HOSTS, ...options.hosts.map((host) => host.replace(/^\[|\]$/g, ''))])];
  const dir = options.cacheDir ?? defaultCacheDir(env);
  return (await cachedCertificate(dir, hosts, now)) ?? createCertificate(dir, hosts, now);
}

/** The lines a person reads before scanning: what the phone will show, and how to check it. */
export function certificateAdvice(certificate: LanCertificate): string[] {
  if (certificate.source === 'operator') {
    return [`HTTPS on the local network with your certificate ${certificate.certPath}`, `  SHA-256 ${certificate.fingerprint256}`];
  }
  return [
    `HTTPS on the local network with a self-signed certificate (${certificate.source === 'created' ? 'made now' : 'made earlier'}, kept in ${certificate.certPath}).`,
    'The phone will warn that the connection is not private: check that the fingerprint it shows',
    `  SHA-256 ${certificate.fingerprint256}`,
    'is this one, then accept it (Advanced → Proceed, or Show Details → visit this website).',
    'Set OKID_DEMO_CERT and OKID_DEMO_KEY to use your own (mkcert: no warning), or OKID_DEMO_HTTPS=0 for plain http.',
  ];
}
