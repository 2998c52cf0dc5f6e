// Type tests for the framework typings: each `@ts-expect-error` line must stay an error, so
// typings that loosen (or break) fail `tsc -p examples/tsconfig.json` (test/node/examples.test.ts).
import 'okid-verify/react';
import 'okid-verify/vue';
import type { GlobalComponents } from 'vue';
import type { VerifyComponent } from './angular/verify.component.js';

// React 19 JSX
export const reactValid = (
  <okid-verify
    process-token="ver_abcd1234"
    verification-url="https://verify.okid.io/verify?verification_id=ver_abcd1234"
    proxy-url="/okid"
    mode="handoff"
    handoff-url="https://example.com/phone?id={id}"
    api-url="https://api1.okid.io"
    frontend-url="https://verify.okid.io"
    flow-name="standard"
    locale="nl"
    return-url="https://example.com/done"
    poll-interval={3000}
    className="verify"
    onokid-status={(event) => event.detail.status satisfies string}
    onokid-complete={(event) => event.detail.outcome satisfies 'verified' | 'manual_review' | undefined}
    onokid-error={(event) => event.detail.code satisfies string}
  />
);
// @ts-expect-error mode is 'auto' | 'handoff' | 'capture'
export const reactBadMode = <okid-verify mode={42} />;
// @ts-expect-error mode is 'auto' | 'handoff' | 'capture'
export const reactUnknownMode = <okid-verify mode="qr" />;
// @ts-expect-error poll-interval is a number of milliseconds
export const reactBadInterval = <okid-verify poll-interval="soon" />;
// @ts-expect-error React 19 would listen for an event named "Complete": use onokid-complete
export const reactOnComplete = <okid-verify onComplete={() => undefined} />;
// @ts-expect-error React's onError is the DOM error event: use onokid-error
export const reactOnError = <okid-verify onError={() => undefined} />;
// @ts-expect-error okid-complete's detail has no `code` (that is okid-error's)
export const reactWrongDetail = <okid-verify onokid-complete={(event) => event.detail.code} />;

// Vue GlobalComponents (what vue-tsc checks templates against)
type VueProps = InstanceType<GlobalComponents['okid-verify']>['$props'];
export const vueValid: VueProps = {
  processToken: 'ver_abcd1234',
  proxyUrl: '/okid',
  mode: 'capture',
  pollInterval: 3000,
  onOkidComplete: (event) => event.detail.outcome satisfies 'verified' | 'manual_review' | undefined,
};
// @ts-expect-error mode is 'auto' | 'handoff' | 'capture'
export const vueBadMode: VueProps = { mode: 42 };
// @ts-expect-error okid-complete's detail has no `code`
export const vueWrongDetail: VueProps = { onOkidComplete: (event) => event.detail.code };

// Angular: its strict template check compiles `(okid-complete)="handleComplete($event)"` into
// an addEventListener call on the element typed by HTMLElementTagNameMap, as here.
declare const component: VerifyComponent;
const element = document.createElement('okid-verify');
element.addEventListener('okid-complete', (event) => component.handleComplete(event));
element.addEventListener('okid-error', (event) => component.handleError(event));
// @ts-expect-error (okid-error)="handleComplete($event)" hands an OkidErrorEvent to a complete handler
element.addEventListener('okid-error', (event) => component.handleComplete(event));
