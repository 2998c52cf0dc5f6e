// An Angular (standalone) component around <okid-verify>. CUSTOM_ELEMENTS_SCHEMA lets the
// template use the tag; `[attr.…]` bindings write attributes, which server-side rendering keeps;
// `(okid-complete)` listens to the DOM event, and Angular's strict templates type `$event` from
// HTMLElementEventMap as OkidCompleteEvent.
import { CUSTOM_ELEMENTS_SCHEMA, Component, input, output } from '@angular/core';
import 'okid-verify';
import type { OkidCompleteDetail, OkidCompleteEvent, OkidErrorDetail, OkidErrorEvent } from 'okid-verify';

@Component({
  selector: 'app-verify',
  schemas: [CUSTOM_ELEMENTS_SCHEMA],
  template: `
    <okid-verify
      [attr.process-token]="verificationId()"
      proxy-url="/okid"
      (okid-complete)="handleComplete($event)"
      (okid-error)="handleError($event)"
    ></okid-verify>
  `,
})
export class VerifyComponent {
  /** The `ver_…` id your backend created. */
  readonly verificationId = input.required<string>();
  readonly verified = output<OkidCompleteDetail>();
  readonly failed = output<OkidErrorDetail>();

  handleComplete(event: OkidCompleteEvent): void {
    this.verified.emit(event.detail);
  }

  handleError(event: OkidErrorEvent): void {
    if (!event.detail.recoverable) this.failed.emit(event.detail);
  }
}
