import { useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { identity } from "../api/client";
import { setLanguage } from "../i18n";
import { LANGUAGES, type Language } from "../i18n/format";
import { useContext } from "../lib/auth";

const NAMES: Record<Language, string> = {
  sv: "Svenska",
  en: "English",
  de: "Deutsch",
  es: "Español",
};

/** Switches the page at once; signed in, the choice is also the person's own (identity), so
 * the mail they get follows it. */
export function LanguageSelect() {
  const { t, i18n } = useTranslation();
  const context = useContext();
  const queries = useQueryClient();

  async function choose(language: Language) {
    setLanguage(language);
    if (!context) return;
    await identity.PUT("/api/v1/me/language", { body: { language } });
    await queries.invalidateQueries({ queryKey: ["me"] });
  }
  return (
    <label className="inline">
      <span>{t("layout.language")}</span>
      <select
        value={i18n.language}
        onChange={(event) => void choose(event.target.value as Language)}
      >
        {LANGUAGES.map((language) => (
          <option key={language} value={language} lang={language}>
            {NAMES[language]}
          </option>
        ))}
      </select>
    </label>
  );
}
