// Owners and admins: how the firm looks to its customers (display name, colours, logo) in the
// portal and in every mail, and its portal address /p/<slug> for invoices and mails.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { identity } from "../api/client";
import { ApiError, must, problemKey } from "../api/problem";
import { useOwnBranding } from "../components/Brand";
import { ErrorText, Loading } from "../components/Status";
import { contrastWithWhite, slugShapeOk, WCAG_AA } from "../lib/branding";
import { useScope } from "./clients";
import { TextField } from "./fields";

/** A refusal of this page in words: the colour's measured contrast, the address's rule. */
function Refusal({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  const problem = error instanceof ApiError ? error : null;
  const ratio = (problem?.problem as { ratio?: unknown } | undefined)?.ratio;
  let text = t(problemKey(error));
  if (problem?.status === 422 && typeof ratio === "number") {
    text = t("firm.branding.lowContrast", {
      field: t(`firm.branding.${problem.field === "accent_color" ? "accent" : "primary"}`),
      ratio: ratio.toFixed(2),
    });
  } else if (problem?.status === 422 && problem.field === "slug")
    text = t("firm.branding.slugRule");
  else if (problem?.status === 409 && problem.field === "slug") text = t("firm.branding.slugTaken");
  else if (problem?.status === 422 && problem.field === "logo")
    text = t("firm.branding.logoRefused");
  return (
    <p className="error" role="alert">
      {text}
    </p>
  );
}

function ColourField(props: { label: string; value: string; onChange: (value: string) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const ratio = props.value ? contrastWithWhite(props.value) : null;
  let verdict = t("firm.branding.defaultColour");
  if (props.value && ratio === null) verdict = t("firm.branding.colourShape");
  else if (ratio !== null) {
    verdict = t(ratio >= WCAG_AA ? "firm.branding.readable" : "firm.branding.unreadable", {
      ratio: ratio.toFixed(2),
    });
  }
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <div className="row">
        <input
          id={id}
          type="text"
          value={props.value}
          placeholder="#1a5fb4"
          aria-describedby={`${id}-contrast`}
          onChange={(event) => props.onChange(event.target.value.trim())}
        />
        <input
          type="color"
          aria-label={t("firm.branding.pick", { field: props.label })}
          value={ratio !== null ? props.value.toLowerCase() : "#0b5cad"}
          onChange={(event) => props.onChange(event.target.value)}
        />
      </div>
      <p id={`${id}-contrast`} className="hint" aria-live="polite">
        {verdict}
      </p>
    </div>
  );
}

function useSaved() {
  const queries = useQueryClient();
  const scope = useScope();
  return () => void queries.invalidateQueries({ queryKey: ["firm-branding", scope] });
}

function LookForm({ initial }: { initial: { name: string; primary: string; accent: string } }) {
  const { t } = useTranslation();
  const saved = useSaved();
  const [name, setName] = useState(initial.name);
  const [primary, setPrimary] = useState(initial.primary);
  const [accent, setAccent] = useState(initial.accent);
  const save = useMutation({
    mutationFn: async () =>
      must(
        await identity.PUT("/api/v1/firms/current/branding", {
          body: {
            display_name: name.trim() || null,
            primary_color: primary || null,
            accent_color: accent || null,
          },
        }),
      ),
    onSuccess: saved,
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }
  return (
    <form onSubmit={submit} className="panel">
      <h2>{t("firm.branding.look")}</h2>
      <TextField label={t("firm.branding.displayName")} value={name} onChange={setName} />
      <ColourField label={t("firm.branding.primary")} value={primary} onChange={setPrimary} />
      <ColourField label={t("firm.branding.accent")} value={accent} onChange={setAccent} />
      <Refusal error={save.error} />
      <button type="submit" disabled={save.isPending}>
        {t("firm.branding.saveLook")}
      </button>
      {save.isSuccess && (
        <p role="status" className="ok">
          {t("firm.branding.saved")}
        </p>
      )}
    </form>
  );
}

function LogoForm({ logoUrl, hasLogo }: { logoUrl?: string | null; hasLogo: boolean }) {
  const { t } = useTranslation();
  const saved = useSaved();
  const id = useId();
  const [file, setFile] = useState<File | null>(null);
  const upload = useMutation({
    mutationFn: async () =>
      must(
        await identity.PUT("/api/v1/firms/current/branding/logo", {
          body: file as unknown as string,
          bodySerializer: (body: unknown) => body as Blob,
          headers: { "Content-Type": "application/octet-stream" },
        }),
      ),
    onSuccess: saved,
  });
  const remove = useMutation({
    mutationFn: async () => must(await identity.DELETE("/api/v1/firms/current/branding/logo")),
    onSuccess: saved,
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    if (file) upload.mutate();
  }
  return (
    <form onSubmit={submit} className="panel">
      <h2>{t("firm.branding.logo")}</h2>
      {logoUrl && <img className="brand-logo" src={logoUrl} alt={t("firm.branding.current")} />}
      {hasLogo && !logoUrl && <p className="hint">{t("firm.branding.logoNeedsSlug")}</p>}
      <div className="field">
        <label htmlFor={id}>{t("firm.branding.logoFile")}</label>
        <input
          id={id}
          type="file"
          accept="image/png,image/svg+xml"
          aria-describedby={`${id}-hint`}
          onChange={(event) => setFile(event.target.files?.[0] ?? null)}
        />
        <p id={`${id}-hint`} className="hint">
          {t("firm.branding.logoHint")}
        </p>
      </div>
      <Refusal error={upload.error ?? remove.error} />
      <div className="row">
        <button type="submit" disabled={!file || upload.isPending}>
          {t("firm.branding.upload")}
        </button>
        {hasLogo && (
          <button type="button" className="secondary" onClick={() => remove.mutate()}>
            {t("firm.branding.removeLogo")}
          </button>
        )}
      </div>
      {upload.isSuccess && (
        <p role="status" className="ok">
          {t("firm.branding.saved")}
        </p>
      )}
    </form>
  );
}

function SlugForm({ initial, portalUrl }: { initial: string; portalUrl?: string | null }) {
  const { t } = useTranslation();
  const saved = useSaved();
  const id = useId();
  const [slug, setSlug] = useState(initial);
  const save = useMutation({
    mutationFn: async () =>
      must(await identity.PUT("/api/v1/firms/current/slug", { body: { slug } })),
    onSuccess: saved,
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }
  const shapeOk = slug === "" || slugShapeOk(slug);
  return (
    <form onSubmit={submit} className="panel">
      <h2>{t("firm.branding.address")}</h2>
      {portalUrl && (
        <p>
          {t("firm.branding.currentAddress")} <a href={portalUrl}>{portalUrl}</a>
        </p>
      )}
      <div className="field">
        <label htmlFor={id}>{t("firm.branding.slug")}</label>
        <input
          id={id}
          type="text"
          value={slug}
          required
          autoCapitalize="none"
          spellCheck={false}
          aria-describedby={`${id}-rule`}
          aria-invalid={!shapeOk}
          onChange={(event) => setSlug(event.target.value.trim().toLowerCase())}
        />
        <p id={`${id}-rule`} className="hint" aria-live="polite">
          {t(shapeOk ? "firm.branding.slugHint" : "firm.branding.slugRule")}
        </p>
      </div>
      <Refusal error={save.error} />
      <button type="submit" disabled={!slugShapeOk(slug) || save.isPending}>
        {t("firm.branding.saveSlug")}
      </button>
      {save.isSuccess && (
        <p role="status" className="ok">
          {t("firm.branding.slugSaved")}
        </p>
      )}
    </form>
  );
}

export function Branding() {
  const { t } = useTranslation();
  const current = useOwnBranding();
  if (current.isPending) return <Loading />;
  if (current.error || !current.data) return <ErrorText error={current.error} />;
  const b = current.data;
  return (
    <>
      <h1>{t("firm.branding.title")}</h1>
      <p>{t("firm.branding.intro")}</p>
      <LookForm
        initial={{
          name: b.display_name ?? "",
          primary: b.primary_color ?? "",
          accent: b.accent_color ?? "",
        }}
      />
      <LogoForm logoUrl={b.logo_url} hasLogo={b.has_logo} />
      <SlugForm initial={b.slug ?? ""} portalUrl={b.portal_url} />
    </>
  );
}
