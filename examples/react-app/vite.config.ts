// `npx vite build examples/react-app`: Vite compiles the JSX itself (React 19's automatic runtime),
// so the app needs no plugin.
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    // okid-verify's face detector (TensorFlow.js, about 1.2 MB) is a chunk of its own that only a
    // phone running the capture flow loads; the page itself stays small.
    chunkSizeWarningLimit: 1400,
    // Verify.tsx starts with 'use client' for Next.js; in a client-only app it means nothing.
    rolldownOptions: { checks: { moduleLevelDirective: false } },
  },
});
