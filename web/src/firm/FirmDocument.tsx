// Flows 5 and 6: one document as the firm sees it — versions, finalise, delete (the bytes
// given back shown), approvals asked and answered, comments, and the access log.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { documents } from "../api/client";
import { must } from "../api/problem";
import { ErrorText, Loading } from "../components/Status";
import { formatDate, formatSize } from "../i18n/format";
import { download } from "../lib/download";
import { Comments, content, Preview } from "../pages/Document";
import { type ContactOfClient, fullName, useContactsOf, useScope } from "./clients";
import { TextField } from "./fields";

export function FirmDocument() {
  const { t, i18n } = useTranslation();
  const { documentId = "" } = useParams();
  const scope = useScope();
  const queries = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [freed, setFreed] = useState<number | null>(null);
  const path = { params: { path: { document_id: documentId } } };
  const doc = useQuery({
    queryKey: ["firm-document", scope, documentId],
    queryFn: async () => must(await documents.GET("/api/v1/documents/{document_id}", path)),
    enabled: freed === null,
  });
  const versions = useQuery({
    queryKey: ["firm-versions", scope, documentId],
    queryFn: async () =>
      must(await documents.GET("/api/v1/documents/{document_id}/versions", path)).versions,
    enabled: freed === null,
  });
  const contacts = useContactsOf(doc.data?.client_id ?? "");
  const refresh = () => {
    void queries.invalidateQueries({ queryKey: ["firm-document", scope, documentId] });
    void queries.invalidateQueries({ queryKey: ["firm-versions", scope, documentId] });
  };
  const finalise = useMutation({
    mutationFn: async () =>
      must(await documents.POST("/api/v1/documents/{document_id}/finalise", path)),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: async () => must(await documents.DELETE("/api/v1/documents/{document_id}", path)),
    // Every version's bytes come back to the firm's storage.
    onSuccess: () => setFreed((versions.data ?? []).reduce((sum, v) => sum + v.size, 0)),
  });
  const removeVersion = useMutation({
    mutationFn: async (versionId: string) =>
      must(
        await documents.DELETE("/api/v1/documents/{document_id}/versions/{version_id}", {
          params: { path: { document_id: documentId, version_id: versionId } },
        }),
      ),
    onSuccess: refresh,
  });
  if (freed !== null) {
    return (
      <section>
        <h1>{t("firm.document.deleted")}</h1>
        <p role="status" className="ok">
          {t("firm.document.freed", { size: formatSize(freed, i18n.language) })}
        </p>
        <Link to="/firm/clients">{t("firm.clients.back")}</Link>
      </section>
    );
  }
  if (doc.isPending) return <Loading />;
  if (doc.error) return <ErrorText error={doc.error} />;
  const d = doc.data;
  const pdf = d.content_type === "application/pdf";
  return (
    <>
      <p>
        <Link to={`/firm/folders/${d.folder_id}`}>{t("documents.backToFolder")}</Link>
      </p>
      <h1>{d.name}</h1>
      {d.finalised && (
        <p className="notice" role="note">
          {t("firm.document.finalisedNote")}
        </p>
      )}
      <p className="muted">
        {formatSize(d.size, i18n.language)} · {formatDate(d.updated_at, i18n.language)}
      </p>
      <div className="row">
        <button type="button" onClick={() => download(content(d.id), d.name).catch(setError)}>
          {t("documents.download")}
        </button>
        {pdf && <Preview documentId={d.id} />}
        {pdf && <Link to={`/firm/documents/${d.id}/signing`}>{t("firm.signing.start")}</Link>}
        {!d.finalised && (
          <button type="button" className="secondary" onClick={() => finalise.mutate()}>
            {t("firm.document.finalise")}
          </button>
        )}
        {!d.finalised && (
          <button type="button" className="danger" onClick={() => remove.mutate()}>
            {t("firm.document.delete")}
          </button>
        )}
      </div>
      <ErrorText error={error ?? finalise.error ?? remove.error ?? removeVersion.error} />
      <section aria-labelledby="versions-title" className="panel">
        <h2 id="versions-title">{t("versions.title")}</h2>
        <ul className="list">
          {(versions.data ?? []).map((v) => (
            <li key={v.id}>
              <span>{t("versions.number", { number: v.number })}</span>
              <span className="muted">
                {formatSize(v.size, i18n.language)} · {formatDate(v.created_at, i18n.language)}
              </span>
              <button
                type="button"
                className="link"
                onClick={() => download(content(d.id, v.id), d.name).catch(setError)}
              >
                {t("versions.download", { number: v.number })}
              </button>
              {!d.finalised && (versions.data?.length ?? 0) > 1 && (
                <button type="button" className="link" onClick={() => removeVersion.mutate(v.id)}>
                  {t("firm.document.deleteVersion", { number: v.number })}
                </button>
              )}
            </li>
          ))}
        </ul>
      </section>
      <Approvals documentId={d.id} contacts={contacts.data ?? []} />
      <Comments documentId={d.id} scope={scope} />
      <AccessLog documentId={d.id} contacts={contacts.data ?? []} versions={versions.data ?? []} />
    </>
  );
}

function nameOf(id: string, contacts: ContactOfClient[], t: (key: string) => string): string {
  const found = contacts.find((c) => c.contact_id === id);
  return found ? fullName(found.contact) : t("firm.document.someone");
}

function Approvals({ documentId, contacts }: { documentId: string; contacts: ContactOfClient[] }) {
  const { t, i18n } = useTranslation();
  const scope = useScope();
  const queries = useQueryClient();
  const [message, setMessage] = useState("");
  const path = { params: { path: { document_id: documentId } } };
  const key = ["approvals", scope, "document", documentId];
  const list = useQuery({
    queryKey: key,
    queryFn: async () =>
      must(await documents.GET("/api/v1/documents/{document_id}/approvals", path)).approvals,
  });
  const ask = useMutation({
    mutationFn: async () =>
      must(
        await documents.POST("/api/v1/documents/{document_id}/approvals", {
          ...path,
          body: { message },
        }),
      ),
    onSuccess: () => {
      setMessage("");
      // This document's list, and the lists of what waits on customers.
      void queries.invalidateQueries({ queryKey: ["approvals", scope] });
    },
  });
  return (
    <section aria-labelledby="approvals-title" className="panel">
      <h2 id="approvals-title">{t("approvals.title")}</h2>
      <ul className="list">
        {(list.data ?? []).map((approval) => (
          <li key={approval.id}>
            <p>{approval.message || t("approvals.asked")}</p>
            <span className="badge">{t(`firm.approval.${approval.status}`)}</span>
            <span className="muted">{formatDate(approval.created_at, i18n.language)}</span>
            {(approval.answers ?? []).map((a) => (
              <p key={a.contact_id}>
                {nameOf(a.contact_id, contacts, t)}: {t(`firm.approval.${a.answer}`)}
                {a.comment ? ` — ${a.comment}` : ""}
              </p>
            ))}
          </li>
        ))}
      </ul>
      <TextField label={t("firm.approval.message")} value={message} onChange={setMessage} />
      <button type="button" onClick={() => ask.mutate()} disabled={ask.isPending}>
        {t("firm.approval.ask")}
      </button>
      <ErrorText error={ask.error} />
    </section>
  );
}

function AccessLog({
  documentId,
  contacts,
  versions,
}: {
  documentId: string;
  contacts: ContactOfClient[];
  versions: { id: string; number: number }[];
}) {
  const { t, i18n } = useTranslation();
  const scope = useScope();
  const log = useQuery({
    queryKey: ["firm-access-log", scope, documentId],
    queryFn: async () =>
      must(
        await documents.GET("/api/v1/documents/{document_id}/access-log", {
          params: { path: { document_id: documentId } },
        }),
      ).entries,
  });
  const number = (id: string | null | undefined) => versions.find((v) => v.id === id)?.number;
  return (
    <section aria-labelledby="access-title" className="panel">
      <h2 id="access-title">{t("firm.document.accessLog")}</h2>
      {log.error && <ErrorText error={log.error} />}
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t("firm.document.who")}</th>
            <th scope="col">{t("firm.document.what")}</th>
            <th scope="col">{t("firm.document.when")}</th>
          </tr>
        </thead>
        <tbody>
          {(log.data ?? []).map((entry) => (
            <tr key={`${entry.user_id}-${entry.at}-${entry.method}`}>
              <td>
                {entry.user_kind === "staff"
                  ? t("firm.document.staff")
                  : nameOf(entry.user_id, contacts, t)}
              </td>
              <td>
                {t(`firm.document.method.${entry.method}`, { defaultValue: entry.method })}
                {number(entry.version_id)
                  ? ` · ${t("versions.number", { number: number(entry.version_id) })}`
                  : ""}
              </td>
              <td>{formatDate(entry.at, i18n.language)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
