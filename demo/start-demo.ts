/**
 * What `npm run demo` starts: the okID sandbox and the operator site (page + proxy), wired so a
 * phone on the same network can scan the QR code and use its camera. On the LAN both serve
 * HTTPS on the same ports as plain http (a phone's browser gives the camera only to secure
 * pages); on localhost they stay plain http. The end-to-end tests start the demo through this
 * too, so what a user runs is what is tested.
 */
import { randomBytes } from 'node:crypto';
import { SANDBOX_DEMO_API_KEY, startSandbox } from '../src/sandbox/index.js';
import type { Sandbox } from '../src/sandbox/index.js';
import { lanCertificate, lanHttpsEnabled } from '../src/sandbox/certificate.js';
import type { LanCertificate } from '../src/sandbox/certificate.js';
import { freePort } from '../src/sandbox/web-server.js';
import { startOperatorServer } from './operator-server.js';
import { ootoProvider, uqudoProvider } from '../src/server/index.js';
import type { OperatorServer } from './operator-server.js';

/**
 * The sandbox key of a demo on loopback (the README's curl lines use it). A demo that listens
 * beyond loopback gets a random key per run instead (`demo.apiKey`), printed on this terminal only.
 */
export const DEMO_API_KEY = SANDBOX_DEMO_API_KEY;

/** The demo operator's name (its page's title says the same), shown on the phone's first screen. */
export const DEMO_OPERATOR_NAME = 'Acme Rentals';

/** Options of {@link startDemo}. */
export interface DemoOptions {
  /** Interface to listen on; `0.0.0.0` lets a phone on the LAN in. */
  host: string;
  /** The name or address a phone uses to reach this computer (the LAN address); none: local only. */
  publicHost?: string;
  /** Preferred ports; a busy one is replaced by a free one. */
  sandboxPort?: number;
  operatorPort?: number;
  /** `OKID_DEMO_HTTPS`, `OKID_DEMO_CERT`, `OKID_DEMO_KEY`, `XDG_CACHE_HOME`; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Where the self-signed certificate is kept; default the user's cache folder. */
  cacheDir?: string;
  /** The sandbox's `processingDelayMs`. */
  processingDelayMs?: number;
  /** `false`: the sandbox acts as okID does today (no capture API for other origins), so phones on the operator page get the hosted flow. */
  captureApi?: boolean;
  /**
   * The vendor behind the proxy (`OKID_DEMO_PROVIDER`): okID (the default), or OOTO-AI or uqudo,
   * the sandbox then emulating that vendor and the proxy using its provider.
   */
  provider?: DemoProvider;
}

/** The vendors the demo can put behind the element. */
export const DEMO_PROVIDERS = ['okid', 'ooto', 'uqudo'] as const;
export type DemoProvider = (typeof DEMO_PROVIDERS)[number];

/** A running demo. */
export interface Demo {
  sandbox: Sandbox;
  operator: OperatorServer;
  /** The operator page on this computer (plain http on localhost). */
  localUrl: string;
  /** The operator page for a phone (https on the LAN unless turned off), when there is a public host. */
  phoneUrl?: string;
  /** Where QR codes point: the sandbox's `/verify` page (or the vendor's pages) as a phone reaches it. */
  frontendUrl: string;
  /** The vendor behind the proxy. */
  provider: DemoProvider;
  /** The LAN certificate, when HTTPS is on. */
  certificate?: LanCertificate;
  /** The sandbox's API key: {@link DEMO_API_KEY} on loopback, else random for this run. A secret then: terminal only. */
  apiKey: string;
  close(): Promise<void>;
}

const bracket = (host: string) => (host.includes(':') ? `[${host}]` : host);

/** Starts the sandbox and the operator site; see {@link DemoOptions}. */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const env = options.env ?? process.env;
  const { host, publicHost } = options;
  // Each run signs its webhooks with a fresh secret that only these two processes know.
  const webhookSecret = randomBytes(24).toString('base64url');
  const certificate = publicHost && lanHttpsEnabled(env) ? await lanCertificate({ hosts: [publicHost], env, cacheDir: options.cacheDir }) : undefined;
  const scheme = certificate ? 'https' : 'http';

  // Where this computer reaches both servers: loopback when they listen everywhere, else their own address.
  const local = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const sandboxPort = await freePort(options.sandboxPort ?? 0, host);
  const operatorPort = await freePort(options.operatorPort ?? 0, host);
  // The QR code must open on a phone, so it points at the public host when there is one.
  const frontendUrl = publicHost ? `${scheme}://${bracket(publicHost)}:${sandboxPort}` : undefined;
  const localUrl = `http://${local === '127.0.0.1' ? 'localhost' : bracket(local)}:${operatorPort}/`;
  const phoneUrl = publicHost ? `${scheme}://${bracket(publicHost)}:${operatorPort}/` : undefined;
  const provider = options.provider ?? 'okid';
  if (provider !== 'okid') return startVendorDemo(provider, { host, local, sandboxPort, operatorPort, frontendUrl, localUrl, phoneUrl, certificate });
  const sandbox = await startSandbox({
    port: sandboxPort,
    host,
    // Beyond loopback the sandbox makes a random key for the run; on loopback it keeps the README's.
    frontendUrl,
    tls: certificate,
    processingDelayMs: options.processingDelayMs,
    captureApi: options.captureApi,
    // The phone's first screen names who asks: the demo's operator site, at the address a phone knows.
    operator: { name: DEMO_OPERATOR_NAME, url: phoneUrl ?? localUrl },
    // Status reaches the page the moment it changes: okID's webhook → the proxy → the event stream.
    webhookUrl: `http://${bracket(local)}:${operatorPort}/okid/webhooks`,
    webhookSecret,
  });
  const operator = await startOperatorServer({
    okidUrl: sandbox.url,
    apiKey: sandbox.apiKey,
    webhookSecret,
    frontendUrl,
    port: operatorPort,
    host,
    tls: certificate,
  });
  return {
    sandbox,
    operator,
    localUrl,
    phoneUrl,
    frontendUrl: frontendUrl ?? sandbox.url,
    provider,
    certificate,
    apiKey: sandbox.apiKey,
    close: async () => {
      await operator.close();
      await sandbox.close();
    },
  };
}

interface VendorDemoPlaces {
  host: string;
  local: string;
  sandboxPort: number;
  operatorPort: number;
  frontendUrl: string | undefined;
  localUrl: string;
  phoneUrl: string | undefined;
  certificate: LanCertificate | undefined;
}

/** The demo with OOTO-AI or uqudo behind the element: the sandbox in that vendor's mode, the proxy with its provider. */
async function startVendorDemo(provider: 'ooto' | 'uqudo', places: VendorDemoPlaces): Promise<Demo> {
  const { host, local, frontendUrl, certificate } = places;
  // OOTO's callbacks come back to the proxy on this computer (the sandbox takes, beyond loopback,
  // only callback URLs beneath its webhookUrl).
  const proxyUrl = `http://${bracket(local)}:${places.operatorPort}`;
  const sandbox = await startSandbox({ provider, port: places.sandboxPort, host, frontendUrl, tls: certificate, ...(provider === 'ooto' ? { webhookUrl: `${proxyUrl}/okid/webhooks/ooto` } : {}) });
  // The proxy reaches the sandbox on this computer.
  const vendorUrl = `http://${bracket(local)}:${new URL(sandbox.url).port}`;
  const vendor =
    provider === 'ooto'
      ? ootoProvider({
          appId: sandbox.appId!,
          appKey: sandbox.apiKey,
          baseUrl: vendorUrl,
          scopes: ['liveness', 'deepfake'],
          publicUrl: proxyUrl,
        })
      : uqudoProvider({
          token: sandbox.apiKey,
          baseUrl: vendorUrl,
          // Sealing key of this run's ids.
          secret: randomBytes(32).toString('base64url'),
          documents: [{ documentType: 'PASSPORT', reading: { enabled: true } }],
          facialRecognition: { enabled: true },
          backgroundCheck: { enabled: true },
        });
  const operator = await startOperatorServer({ okidUrl: sandbox.url, apiKey: '', provider: vendor, port: places.operatorPort, host, tls: certificate });
  return {
    sandbox,
    operator,
    localUrl: places.localUrl,
    phoneUrl: places.phoneUrl,
    frontendUrl: frontendUrl ?? sandbox.url,
    provider,
    certificate,
    apiKey: sandbox.apiKey,
    close: async () => {
      await operator.close();
      await sandbox.close();
    },
  };
}
