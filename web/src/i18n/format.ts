// Dates, sizes and amounts in the person's locale (Intl only: no locale data is bundled).
export const LANGUAGES = ["sv", "en", "de", "es"] as const;
export type Language = (typeof LANGUAGES)[number];

const LOCALES: Record<Language, string> = { sv: "sv-SE", en: "en-GB", de: "de-DE", es: "es-ES" };

export function locale(language: string): string {
  return LOCALES[
    (LANGUAGES as readonly string[]).includes(language) ? (language as Language) : "en"
  ];
}

/** The first supported language among the browser's preferences, else English. */
export function pickLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split("-")[0];
    const found = LANGUAGES.find((language) => language === base);
    if (found) return found;
  }
  return "en";
}

// Intl formatters are costly to make: one per locale and style, kept (a list of 500 rows
// would otherwise build 1,000 of them).
const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();

function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: () => T): T {
  let found = formatters.get(key);
  if (!found) {
    found = make();
    formatters.set(key, found);
  }
  return found as T;
}

export function formatDate(iso: string, language: string): string {
  const tag = locale(language);
  return cached(
    `date:${tag}`,
    () => new Intl.DateTimeFormat(tag, { dateStyle: "medium", timeStyle: "short" }),
  ).format(new Date(iso));
}

const UNITS = ["byte", "kilobyte", "megabyte", "gigabyte", "terabyte"] as const;

/** Decimal units (1 kB = 1000 bytes), as billing counts storage. */
export function formatSize(bytes: number, language: string): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const tag = locale(language);
  return cached(
    `size:${tag}:${unit}`,
    () =>
      new Intl.NumberFormat(tag, {
        style: "unit",
        unit: UNITS[unit],
        unitDisplay: unit === 0 ? "long" : "short",
        maximumFractionDigits: unit === 0 ? 0 : 1,
      }),
  ).format(value);
}

/** Billing's amounts are integer öre (1 SEK = 100 öre). */
export function formatAmount(ore: number, language: string, currency = "SEK"): string {
  return new Intl.NumberFormat(locale(language), { style: "currency", currency }).format(ore / 100);
}

/** A calendar day ("2026-12-10", a due date): the same day wherever the reader is. */
export function formatDay(isoDate: string, language: string): string {
  const tag = locale(language);
  return cached(
    `day:${tag}`,
    () => new Intl.DateTimeFormat(tag, { dateStyle: "medium", timeZone: "UTC" }),
  ).format(new Date(`${isoDate}T12:00:00Z`));
}
