/**
 * Where the document guide sits in a camera frame, so that quality is measured on the card the
 * person lines up, not on the table around it. Matches the `.guide.card` overlay
 * (`capture-styles.ts`).
 */

/** ID-1 cards (ID cards, driving licences) are 85.6 × 54 mm; passports' data page is close. */
const CARD_ASPECT = 85.6 / 54;

/**
 * The document guide, in frame pixels: the overlay is 86% of the width of a 4:3 view cropped
 * from the centre of the frame (object-fit: cover), at the card's aspect.
 */
export function guideRegion(width: number, height: number): { x: number; y: number; width: number; height: number } {
  const visibleWidth = Math.min(width, (height * 4) / 3);
  const w = Math.min(visibleWidth * 0.86, height * 0.86 * CARD_ASPECT);
  const h = w / CARD_ASPECT;
  return { x: Math.round((width - w) / 2), y: Math.round((height - h) / 2), width: Math.round(w), height: Math.round(h) };
}
