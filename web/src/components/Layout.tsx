import { useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useEffect } from "react";
import { useTranslation } from "react-i18next";
import { NavLink, Outlet, useNavigate } from "react-router";
import { adoptLanguage } from "../i18n";
import { clientChoices, signOut, switchTo, useContext, useMe, useSignedIn } from "../lib/auth";
import { BrandMark, type Shown, shownOf, useLook, useOwnBranding } from "./Brand";
import { LanguageSelect } from "./LanguageSelect";

/** The signed-in page frame; `nav` replaces the customer's links (the firm's side has its own). */
export function Layout({ nav }: { nav?: ReactNode }) {
  const { t } = useTranslation();
  const context = useContext();
  const me = useMe();
  const signedIn = useSignedIn();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const choices = clientChoices(me.data);
  const current = `${context?.firm_id}/${context?.client_id}`;
  const language = me.data?.language;
  const brand = shownOf(useOwnBranding().data);
  useLook(brand);
  useEffect(() => {
    if (language) adoptLanguage(language);
  }, [language]);

  async function onSwitch(value: string) {
    const choice = choices.find((c) => `${c.firmId}/${c.clientId}` === value);
    if (!choice) return;
    signedIn(await switchTo(choice.firmId, choice.clientId));
    navigate("/");
  }

  return (
    <>
      <a className="skip" href="#main">
        {t("layout.skip")}
      </a>
      <header className="header">
        <BrandMark brand={brand} />
        <nav aria-label={t("layout.nav")}>
          {nav ?? (
            <>
              <NavLink to="/" end>
                {t("nav.home")}
              </NavLink>
              <NavLink to="/folders">{t("nav.documents")}</NavLink>
              <NavLink to="/threads">{t("nav.messages")}</NavLink>
              <NavLink to="/notifications">{t("nav.notifications")}</NavLink>
              <NavLink to="/settings">{t("nav.settings")}</NavLink>
            </>
          )}
        </nav>
        <div className="tools">
          {choices.length > 1 && (
            <label className="inline">
              <span>{t("layout.actingFor")}</span>
              <select value={current} onChange={(event) => void onSwitch(event.target.value)}>
                {choices.map((c) => (
                  <option key={`${c.firmId}/${c.clientId}`} value={`${c.firmId}/${c.clientId}`}>
                    {c.name} ({c.firmName})
                  </option>
                ))}
              </select>
            </label>
          )}
          <LanguageSelect />
          <button
            type="button"
            className="secondary"
            onClick={async () => {
              await signOut();
              queries.clear();
              navigate("/sign-in");
            }}
          >
            {t("layout.signOut")}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}

/** Pages that need no session (sign-in, links, the signing party page); a firm's portal
 *  address gives its own page, in the firm's branding. */
export function PublicLayout({ brand, children }: { brand?: Shown | null; children?: ReactNode }) {
  return (
    <>
      <header className="header">
        <BrandMark brand={brand} />
        <div className="tools">
          <LanguageSelect />
        </div>
      </header>
      <main id="main" tabIndex={-1} className="narrow">
        {children ?? <Outlet />}
      </main>
    </>
  );
}
