// A firm's branding in the page: its colours as CSS custom properties on the document's root
// element, set through the CSSOM (element.style.setProperty), which the app's CSP allows
// (style-src 'self' forbids inline style attributes and <style> elements, not the CSSOM).
// The stylesheet reads --brand-primary / --brand-accent with the app's own colours as
// fallbacks, so an unbranded page looks as before.

export type Look = {
  primary_color?: string | null;
  accent_color?: string | null;
};

const PROPERTIES = { primary_color: "--brand-primary", accent_color: "--brand-accent" } as const;
const COLOUR = /^#[0-9a-fA-F]{6}$/;
/** White text on a brand colour: WCAG AA for normal text (identity refuses less). */
export const WCAG_AA = 4.5;

/** Put the firm's colours on `element` (default: the root); null or a bad value removes one. */
export function applyLook(look: Look | null, element: HTMLElement = document.documentElement) {
  for (const [field, property] of Object.entries(PROPERTIES) as [keyof Look, string][]) {
    const value = look?.[field];
    if (value && COLOUR.test(value)) element.style.setProperty(property, value.toLowerCase());
    else element.style.removeProperty(property);
  }
}

function channel(value: number): number {
  const c = value / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** WCAG 2.x contrast of white text on `#rrggbb`, rounded down to two decimals (so 4.49 never
 *  reads as 4.5, as identity rounds); null for a value that is not `#rrggbb`. */
export function contrastWithWhite(colour: string): number | null {
  if (!COLOUR.test(colour)) return null;
  const at = (i: number) => channel(Number.parseInt(colour.slice(i, i + 2), 16));
  const luminance = 0.2126 * at(1) + 0.7152 * at(3) + 0.0722 * at(5);
  return Math.floor((1.05 / (luminance + 0.05)) * 100) / 100;
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$/;

/** The portal address rule (identity's domain.check_slug, without the reserved words, which
 *  the API names when it refuses one). */
export function slugShapeOk(slug: string): boolean {
  return SLUG.test(slug) && !slug.includes("--");
}
