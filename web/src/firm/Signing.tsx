// Flow 7: a request's progress per party; cancel (the credit coming back shown); the sealed
// PDF once complete.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { billing, signing } from "../api/client";
import { must } from "../api/problem";
import { ErrorText, Loading } from "../components/Status";
import { formatDate } from "../i18n/format";
import { download } from "../lib/download";
import { useScope } from "./clients";

async function credits(): Promise<number> {
  return must(await billing.GET("/api/v1/billing/balance")).credits;
}

export function Signing() {
  const { t, i18n } = useTranslation();
  const { signingId = "" } = useParams();
  const scope = useScope();
  const queries = useQueryClient();
  const [returned, setReturned] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const path = { params: { path: { signing_id: signingId } } };
  const view = useQuery({
    queryKey: ["firm-signing", scope, signingId],
    queryFn: async () => must(await signing.GET("/api/v1/signings/{signing_id}", path)),
  });
  const cancel = useMutation({
    mutationFn: async () => {
      const before = await credits();
      must(await signing.POST("/api/v1/signings/{signing_id}/cancel", { ...path, body: {} }));
      return (await credits()) - before;
    },
    onSuccess: (back) => {
      setReturned(back);
      void queries.invalidateQueries({ queryKey: ["firm-signing", scope, signingId] });
    },
  });
  const remind = useMutation({
    mutationFn: async () => must(await signing.POST("/api/v1/signings/{signing_id}/remind", path)),
    onSuccess: (data) => queries.setQueryData(["firm-signing", scope, signingId], data),
  });
  if (view.isPending) return <Loading />;
  if (view.error) return <ErrorText error={view.error} />;
  const s = view.data;
  const open = s.state === "sent" || s.state === "draft";
  return (
    <>
      <p>
        <Link to={`/firm/clients/${s.client_id}`}>{t("firm.signing.backToClient")}</Link>
      </p>
      <h1>{t("firm.signing.viewTitle", { name: s.document_name })}</h1>
      <p>
        <span className="badge">{t(`firm.signing.state.${s.halted ? "halted" : s.state}`)}</span>{" "}
        {t("firm.signing.progress", s.progress)} ·{" "}
        {t("home.expires", { date: formatDate(s.expires_at, i18n.language) })}
      </p>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t("firm.signing.order")}</th>
            <th scope="col">{t("firm.signing.name")}</th>
            <th scope="col">{t("firm.signing.role")}</th>
            <th scope="col">{t("firm.signing.method")}</th>
            <th scope="col">{t("firm.signing.partyStatus")}</th>
          </tr>
        </thead>
        <tbody>
          {s.parties.map((p) => (
            <tr key={p.id}>
              <td>{p.order}</td>
              <td>
                {p.name} <span className="muted">{p.email}</span>
              </td>
              <td>{t(`firm.signing.roles.${p.role}`)}</td>
              <td>{t(`firm.signing.methods.${p.method}`)}</td>
              <td>
                {t(`firm.signing.partyState.${p.status}`, { defaultValue: p.status })}
                {p.acted_at ? ` · ${formatDate(p.acted_at, i18n.language)}` : ""}
                {p.decline_reason ? ` — ${p.decline_reason}` : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {s.state === "completed" && (
        <p className="row">
          <button
            type="button"
            onClick={() =>
              download(`/api/v1/signings/${s.id}/signed.pdf`, s.document_name).catch(setError)
            }
          >
            {t("firm.signing.sealed")}
          </button>
          {s.signed_document_id && (
            <Link to={`/firm/documents/${s.signed_document_id}`}>
              {t("firm.signing.sealedInFolder")}
            </Link>
          )}
        </p>
      )}
      {s.state === "sent" && (
        <button type="button" className="secondary" onClick={() => remind.mutate()}>
          {t("firm.signing.remind")}
        </button>
      )}
      {remind.isSuccess && (
        <p role="status" className="ok">
          {t("firm.signing.reminded")}
        </p>
      )}
      {open && (
        <button
          type="button"
          className="danger"
          onClick={() => cancel.mutate()}
          disabled={cancel.isPending}
        >
          {t("firm.signing.cancel")}
        </button>
      )}
      {returned !== null && (
        <p role="status" className="ok">
          {t("firm.signing.cancelled", { count: returned })}
        </p>
      )}
      <ErrorText error={error ?? cancel.error ?? remind.error} />
    </>
  );
}
