import { useTranslation } from "react-i18next";
import { setLanguage } from "../i18n";
import { LANGUAGES, type Language } from "../i18n/format";

const NAMES: Record<Language, string> = {
  sv: "Svenska",
  en: "English",
  de: "Deutsch",
  es: "Español",
};

export function LanguageSelect() {
  const { t, i18n } = useTranslation();
  return (
    <label className="inline">
      <span>{t("layout.language")}</span>
      <select
        value={i18n.language}
        onChange={(event) => setLanguage(event.target.value as Language)}
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
