// `npx vite build examples/vue-app`. Vue's compiler must know that <okid-verify> is a custom
// element, else it looks for a Vue component of that name and warns that it cannot resolve it.
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [vue({ template: { compilerOptions: { isCustomElement: (tag) => tag === 'okid-verify' } } })],
  build: {
    // okid-verify's face detector (TensorFlow.js, about 1.2 MB) is a chunk of its own that only a
    // phone running the capture flow loads; the page itself stays small.
    chunkSizeWarningLimit: 1400,
  },
});
