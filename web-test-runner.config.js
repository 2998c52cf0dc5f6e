// Unit tests of the element and its controllers, in real Chromium (CHROMIUM_PATH, else Debian's,
// else Playwright's own: scripts/chromium.js). The scripted proxy middleware lets a test decide what
// the proxy answers, over real HTTP, to produce faults a real proxy only shows by accident.
import { playwrightLauncher } from '@web/test-runner-playwright';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { build } from 'esbuild';
import { scriptedProxy } from './test/unit/scripted-proxy.js';
import { sandboxRoutes } from './test/unit/sandbox-routes.js';
import { chromiumExecutable } from './scripts/chromium.js';

/**
 * jsqr (which unit tests use to read the element's QR code back) ships CommonJS only, which
 * browsers cannot import; esbuild bundles each requested CommonJS entry into one ES module.
 */
function commonjsToEsm(pattern) {
  const cache = new Map();
  return {
    name: 'commonjs-to-esm',
    async serve(context) {
      if (!pattern.test(context.path)) return undefined;
      if (!cache.has(context.path)) {
        const result = await build({
          entryPoints: [`.${context.path}`],
          bundle: true,
          format: 'esm',
          write: false,
          logLevel: 'silent',
        });
        cache.set(context.path, result.outputFiles[0].text);
      }
      return { body: cache.get(context.path), type: 'js' };
    },
  };
}

export default {
  files: 'test/unit/**/*.test.ts',
  nodeResolve: true,
  concurrency: 1,
  testsFinishTimeout: 120_000,
  testFramework: { config: { timeout: 10_000 } },
  middleware: [scriptedProxy(), sandboxRoutes()],
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: './tsconfig.json' }),
    commonjsToEsm(/^\/node_modules\/jsqr\/dist\/jsQR\.js$/),
  ],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath: chromiumExecutable(),
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          // A real getUserMedia, fed by Chromium's own test pattern, with no permission prompt.
          '--use-fake-ui-for-media-stream',
          '--use-fake-device-for-media-stream',
        ],
      },
      createBrowserContext: ({ browser }) => browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] }),
    }),
  ],
};
