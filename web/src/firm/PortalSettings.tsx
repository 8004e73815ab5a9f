// Flow 10 (owners and admins): how customers sign in, and whether new clients' contacts get
// portal access by default — for future clients only, or for every existing one too.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { identity } from "../api/client";
import { must } from "../api/problem";
import { ErrorText, Loading } from "../components/Status";
import { useScope } from "./clients";
import { Check } from "./fields";

type Method = "password" | "magic_link" | "eid" | "secret_link";
const METHODS: Method[] = ["password", "magic_link", "eid", "secret_link"];

export function usePortalSettings() {
  return useQuery({
    queryKey: ["firm-portal-settings", useScope()],
    queryFn: async () => must(await identity.GET("/api/v1/firms/current/portal-settings")),
  });
}

export function PortalSettings() {
  const { t } = useTranslation();
  const scope = useScope();
  const queries = useQueryClient();
  const current = usePortalSettings();
  const [methods, setMethods] = useState<Method[]>([]);
  const [byDefault, setByDefault] = useState(false);
  const [existing, setExisting] = useState(false);
  useEffect(() => {
    if (!current.data) return;
    setMethods(current.data.sign_in_methods);
    setByDefault(current.data.portal_access_default);
  }, [current.data]);
  const save = useMutation({
    mutationFn: async () =>
      must(
        await identity.PUT("/api/v1/firms/current/portal-settings", {
          body: {
            sign_in_methods: methods,
            portal_access_default: byDefault,
            enable_for_existing: byDefault && existing,
          },
        }),
      ),
    onSuccess: () => void queries.invalidateQueries({ queryKey: ["firm-portal-settings", scope] }),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }
  if (current.isPending) return <Loading />;
  if (current.error) return <ErrorText error={current.error} />;
  return (
    <>
      <h1>{t("firm.portal.title")}</h1>
      <form onSubmit={submit}>
        <fieldset className="panel">
          <legend>{t("firm.portal.methods")}</legend>
          {METHODS.map((m) => (
            <Check
              key={m}
              label={t(`firm.portal.method.${m}`)}
              checked={methods.includes(m)}
              onChange={(on) => setMethods(on ? [...methods, m] : methods.filter((x) => x !== m))}
            />
          ))}
          {methods.includes("secret_link") && <p className="hint">{t("firm.portal.secretHint")}</p>}
        </fieldset>
        <fieldset className="panel">
          <legend>{t("firm.portal.access")}</legend>
          <Check label={t("firm.portal.byDefault")} checked={byDefault} onChange={setByDefault} />
          {byDefault && (
            <Check label={t("firm.portal.existingToo")} checked={existing} onChange={setExisting} />
          )}
        </fieldset>
        <ErrorText error={save.error} />
        <button type="submit" disabled={save.isPending}>
          {t("firm.portal.save")}
        </button>
        {save.isSuccess && (
          <p role="status" className="ok">
            {t("firm.portal.saved", { count: save.data.enabled?.filter((e) => e.ok).length ?? 0 })}
          </p>
        )}
      </form>
    </>
  );
}
