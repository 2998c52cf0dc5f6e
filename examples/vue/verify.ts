// A Vue 3 component around <okid-verify>, as a render function (the same in a .vue template:
// <okid-verify :process-token="verificationId" proxy-url="/okid" @okid-complete="…" />).
// `okid-verify/vue` registers the element and adds it to Vue's GlobalComponents for vue-tsc.
// Tell Vue's compiler the tag is a custom element: in vite.config.ts,
//   vue({ template: { compilerOptions: { isCustomElement: (tag) => tag === 'okid-verify' } } })
// (a whole app with a single-file component: examples/vue-app/).
import { defineComponent, h } from 'vue';
import 'okid-verify/vue';
import type { OkidCompleteDetail, OkidCompleteEvent, OkidErrorDetail, OkidErrorEvent } from 'okid-verify/vue';

export default defineComponent({
  name: 'VerifyIdentity',
  props: {
    /** The `ver_…` id your backend created. */
    verificationId: { type: String, required: true },
  },
  emits: {
    verified: (detail: OkidCompleteDetail) => Boolean(detail.verificationId),
    failed: (detail: OkidErrorDetail) => Boolean(detail.code),
  },
  setup(props, { emit }) {
    return () =>
      h('okid-verify', {
        'process-token': props.verificationId,
        'proxy-url': '/okid',
        // `@okid-complete` in a template; Vue calls addEventListener('okid-complete').
        onOkidComplete: (event: OkidCompleteEvent) => emit('verified', event.detail),
        onOkidError: (event: OkidErrorEvent) => {
          if (!event.detail.recoverable) emit('failed', event.detail);
        },
      });
  },
});
