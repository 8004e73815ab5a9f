// The firm's mark in the page header: its logo (decorative: the name beside it is the text,
// so the header still names the firm when the image does not load) and its display name; the
// product's name where no firm is known. Its colours go on the root element (lib/branding).
import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { identity } from "../api/client";
import { must } from "../api/problem";
import type { components } from "../api/schema/identity";
import { contextKey, useContext } from "../lib/auth";
import { applyLook, type Look } from "../lib/branding";

export type Shown = { name: string; logo_url?: string | null } & Look;
type Own = components["schemas"]["Branding"];

export function BrandMark({ brand }: { brand: Shown | null | undefined }) {
  const { t } = useTranslation();
  if (!brand) return <div className="brand">{t("app.name")}</div>;
  return (
    <div className="brand">
      {brand.logo_url && <img className="brand-logo" src={brand.logo_url} alt="" />}
      <span>{brand.name}</span>
    </div>
  );
}

/** The firm's colours on the page while it is shown; the app's own once it is gone. */
export function useLook(look: Look | null | undefined) {
  const primary = look?.primary_color ?? null;
  const accent = look?.accent_color ?? null;
  useEffect(() => {
    applyLook({ primary_color: primary, accent_color: accent });
    return () => applyLook(null);
  }, [primary, accent]);
}

/** The branding of the firm of the signed-in person's token (its contacts and staff alike). */
export function useOwnBranding() {
  const context = useContext();
  return useQuery({
    queryKey: ["firm-branding", contextKey(context)],
    queryFn: async () => must(await identity.GET("/api/v1/firms/current/branding")),
    enabled: context !== null,
  });
}

export function shownOf(own: Own | undefined): Shown | null {
  if (!own) return null;
  return {
    name: own.display_name ?? own.name,
    logo_url: own.logo_url,
    primary_color: own.primary_color,
    accent_color: own.accent_color,
  };
}
