import { useSyncExternalStore } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, NavLink, useLocation } from "react-router";
import { session } from "../api/session";
import { Layout } from "../components/Layout";
import { administers, useRole } from "./role";

function FirmNav() {
  const { t } = useTranslation();
  const role = useRole();
  return (
    <>
      <NavLink to="/firm" end>
        {t("firm.nav.attention")}
      </NavLink>
      <NavLink to="/firm/clients">{t("firm.nav.clients")}</NavLink>
      <NavLink to="/firm/staff">{t("firm.nav.staff")}</NavLink>
      {administers(role) && <NavLink to="/firm/billing">{t("firm.nav.billing")}</NavLink>}
      {administers(role) && <NavLink to="/firm/portal">{t("firm.nav.portal")}</NavLink>}
      {administers(role) && <NavLink to="/firm/webhooks">{t("firm.nav.webhooks")}</NavLink>}
      {administers(role) && <NavLink to="/firm/branding">{t("firm.nav.branding")}</NavLink>}
      <NavLink to="/firm/notifications">{t("nav.notifications")}</NavLink>
      <NavLink to="/firm/profile">{t("firm.nav.profile")}</NavLink>
    </>
  );
}

/** The firm's pages: signed in, in a staff context; a customer is sent to their own home. */
export function RequireStaff() {
  const location = useLocation();
  const signedIn = useSyncExternalStore(session.subscribe, session.signedIn, session.signedIn);
  const context = useSyncExternalStore(session.subscribe, session.context, session.context);
  if (!signedIn) {
    return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  }
  if (context?.kind !== "staff") return <Navigate to="/" replace />;
  return <Layout nav={<FirmNav />} />;
}

/** Where a customer's path leads a staff user (a mailed link, the app's root): the firm's own
 *  page of the same thing, under /firm. */
export function firmPathFor(path: string): string {
  return path === "/" ? "/firm" : `/firm${path}`;
}
