/**
 * Whether this browser should run the capture flow itself (`mode="auto"`): a phone or tablet
 * with a touch screen, judged from the user agent and from what the device can do, so that a
 * phone asking for the desktop site still counts and a touch laptop does not.
 */
interface NavigatorLike {
  userAgent: string;
  maxTouchPoints?: number;
  userAgentData?: { mobile?: boolean };
}

const PHONE_UA = /Android.+Mobile|iPhone|iPod|Windows Phone|Mobi/i;
const TABLET_UA = /iPad|Android(?!.+Mobile)|Tablet/i;

/** True for phones and tablets; false for desktops and laptops, touch screen or not. */
export function isPhoneLike(
  nav: NavigatorLike = navigator,
  matches: (query: string) => boolean = (query) => globalThis.matchMedia?.(query).matches ?? false,
): boolean {
  if (nav.userAgentData?.mobile) return true;
  if (PHONE_UA.test(nav.userAgent) || TABLET_UA.test(nav.userAgent)) return true;
  // iPadOS reports a desktop Safari user agent; a touch-only pointer gives it away.
  const touchOnly = (nav.maxTouchPoints ?? 0) > 1 && matches('(pointer: coarse)') && !matches('(any-pointer: fine)');
  return touchOnly;
}
