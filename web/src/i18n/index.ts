import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import { LANGUAGES, type Language, pickLanguage } from "./format";
import de from "./locales/de.json";
import en from "./locales/en.json";
import es from "./locales/es.json";
import sv from "./locales/sv.json";

export const CATALOGS = { sv, en, de, es } as const;
const STORED = "portal.language";

function initial(): Language {
  const stored = typeof localStorage === "undefined" ? null : localStorage.getItem(STORED);
  if (stored && (LANGUAGES as readonly string[]).includes(stored)) return stored as Language;
  return pickLanguage(typeof navigator === "undefined" ? [] : navigator.languages);
}

/** The person's own choice on this browser: kept, and it wins over what the account says. */
export function setLanguage(language: Language): void {
  localStorage.setItem(STORED, language);
  void i18n.changeLanguage(language);
}

/** The language identity keeps for the person (or an invitation names), used unless they
 * chose one on this browser. */
export function adoptLanguage(language: Language): void {
  if (localStorage.getItem(STORED) === null && i18n.language !== language) {
    void i18n.changeLanguage(language);
  }
}

void i18n.use(initReactI18next).init({
  resources: Object.fromEntries(
    Object.entries(CATALOGS).map(([language, catalog]) => [language, { translation: catalog }]),
  ),
  lng: initial(),
  fallbackLng: false,
  interpolation: { escapeValue: false },
  returnNull: false,
});

i18n.on("languageChanged", (language) => {
  document.documentElement.lang = language;
});
if (typeof document !== "undefined") document.documentElement.lang = i18n.language;

export default i18n;
