// Two builds from one config, as Vite's server-side rendering guide does them:
//   npx vite build examples/react-ssr --outDir dist/client                     (the page + client entry)
//   npx vite build examples/react-ssr --outDir dist/server --ssr src/entry-server.tsx
// The server build leaves react, react-dom and okid-verify to Node's own resolution.
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    // okid-verify's face detector is a lazy chunk only phones load (see ../react-app/vite.config.ts).
    chunkSizeWarningLimit: 1400,
    rolldownOptions: { checks: { moduleLevelDirective: false } },
  },
});
