import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, lazy, Suspense, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { documents } from "../api/client";
import { must } from "../api/problem";
import { ErrorText, Loading } from "../components/Status";
import { formatDate, formatSize } from "../i18n/format";
import { contextKey, useContext } from "../lib/auth";
import { download, fetchBytes } from "../lib/download";

const PdfPreview = lazy(() => import("../components/PdfPreview"));

export function content(documentId: string, versionId?: string): string {
  const base = `/api/v1/documents/${documentId}/content`;
  return versionId ? `${base}?version_id=${versionId}` : base;
}

export function Preview({ documentId }: { documentId: string }) {
  const { t } = useTranslation();
  const [data, setData] = useState<ArrayBuffer | null>(null);
  const [error, setError] = useState<unknown>(null);
  if (data) {
    return (
      <Suspense fallback={<Loading />}>
        <PdfPreview data={data} />
      </Suspense>
    );
  }
  return (
    <>
      <ErrorText error={error} />
      <button
        type="button"
        className="secondary"
        onClick={() =>
          fetchBytes(content(documentId))
            .then((blob) => blob.arrayBuffer())
            .then(setData, setError)
        }
      >
        {t("documents.preview")}
      </button>
    </>
  );
}

export function Comments({ documentId, scope }: { documentId: string; scope: string }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const queries = useQueryClient();
  const [body, setBody] = useState("");
  const path = { params: { path: { document_id: documentId } } };
  const list = useQuery({
    queryKey: ["comments", scope, documentId],
    queryFn: async () =>
      must(await documents.GET("/api/v1/documents/{document_id}/comments", path)),
  });
  const add = useMutation({
    mutationFn: async (text: string) =>
      must(
        await documents.POST("/api/v1/documents/{document_id}/comments", {
          ...path,
          body: { body: text },
        }),
      ),
    onSuccess: () => {
      setBody("");
      void queries.invalidateQueries({ queryKey: ["comments", scope, documentId] });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    if (body.trim()) add.mutate(body.trim());
  }
  return (
    <section aria-labelledby={`${id}-title`} className="panel">
      <h2 id={`${id}-title`}>{t("comments.title")}</h2>
      {list.isPending ? (
        <Loading />
      ) : list.error ? (
        <ErrorText error={list.error} />
      ) : (
        <ul className="list comments">
          {list.data.comments.map((comment) => (
            <li key={comment.id}>
              <p>{comment.body}</p>
              <span className="muted">
                {t(comment.author_kind === "staff" ? "comments.byFirm" : "comments.byClient")} ·{" "}
                {formatDate(comment.created_at, i18n.language)}
              </span>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor={id}>{t("comments.new")}</label>
          <textarea id={id} value={body} rows={3} onChange={(e) => setBody(e.target.value)} />
        </div>
        <ErrorText error={add.error} />
        <button type="submit" disabled={add.isPending || !body.trim()}>
          {t("comments.send")}
        </button>
      </form>
    </section>
  );
}

function Approvals({ documentId, scope }: { documentId: string; scope: string }) {
  const { t, i18n } = useTranslation();
  const queries = useQueryClient();
  const [comment, setComment] = useState("");
  const id = useId();
  const list = useQuery({
    queryKey: ["approvals", scope, documentId],
    queryFn: async () =>
      must(
        await documents.GET("/api/v1/documents/{document_id}/approvals", {
          params: { path: { document_id: documentId } },
        }),
      ),
  });
  const answer = useMutation({
    mutationFn: async ({
      approvalId,
      value,
    }: {
      approvalId: string;
      value: "accepted" | "rejected";
    }) =>
      must(
        await documents.POST("/api/v1/approvals/{approval_id}/answer", {
          params: { path: { approval_id: approvalId } },
          body: { answer: value, comment },
        }),
      ),
    // Its own list, and the home page's list of what waits for an answer.
    onSuccess: () => void queries.invalidateQueries({ queryKey: ["approvals", scope] }),
  });
  if (!list.data || list.data.approvals.length === 0) return null;
  return (
    <section aria-labelledby={`${id}-title`} className="panel">
      <h2 id={`${id}-title`}>{t("approvals.title")}</h2>
      <ul className="list">
        {list.data.approvals.map((approval) => (
          <li key={approval.id}>
            <p>{approval.message || t("approvals.asked")}</p>
            <span className="muted">
              {t(`approvals.status.${approval.status}`, { defaultValue: approval.status })} ·{" "}
              {formatDate(approval.created_at, i18n.language)}
            </span>
            {(approval.answers ?? []).map((a) => (
              <p key={a.contact_id} className="muted">
                {t(`approvals.answer.${a.answer}`, { defaultValue: a.answer })}
                {a.comment ? `: ${a.comment}` : ""}
              </p>
            ))}
            {approval.status === "pending" && (
              <div>
                <div className="field">
                  <label htmlFor={`${id}-${approval.id}`}>{t("approvals.comment")}</label>
                  <textarea
                    id={`${id}-${approval.id}`}
                    rows={2}
                    value={comment}
                    onChange={(e) => setComment(e.target.value)}
                  />
                </div>
                <div className="row">
                  <button
                    type="button"
                    onClick={() => answer.mutate({ approvalId: approval.id, value: "accepted" })}
                  >
                    {t("approvals.accept")}
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => answer.mutate({ approvalId: approval.id, value: "rejected" })}
                  >
                    {t("approvals.reject")}
                  </button>
                </div>
              </div>
            )}
          </li>
        ))}
      </ul>
      <ErrorText error={answer.error} />
    </section>
  );
}

export function Document() {
  const { t, i18n } = useTranslation();
  const { documentId = "" } = useParams();
  const scope = contextKey(useContext());
  const [error, setError] = useState<unknown>(null);
  const path = { params: { path: { document_id: documentId } } };
  const doc = useQuery({
    queryKey: ["document", scope, documentId],
    queryFn: async () => must(await documents.GET("/api/v1/documents/{document_id}", path)),
  });
  const versions = useQuery({
    queryKey: ["versions", scope, documentId],
    queryFn: async () =>
      must(await documents.GET("/api/v1/documents/{document_id}/versions", path)),
  });
  if (doc.isPending) return <Loading />;
  if (doc.error) return <ErrorText error={doc.error} />;
  const d = doc.data;
  return (
    <>
      <p>
        <Link to={`/folders/${d.folder_id}`}>{t("documents.backToFolder")}</Link>
      </p>
      <h1>{d.name}</h1>
      {d.finalised && (
        <p className="notice" role="note">
          {t("documents.finalisedNote")}
        </p>
      )}
      <p className="muted">
        {formatSize(d.size, i18n.language)} · {formatDate(d.updated_at, i18n.language)}
      </p>
      <div className="row">
        <button type="button" onClick={() => download(content(d.id), d.name).catch(setError)}>
          {t("documents.download")}
        </button>
        {d.content_type === "application/pdf" && <Preview documentId={d.id} />}
      </div>
      <ErrorText error={error} />
      <Approvals documentId={d.id} scope={scope} />
      <section aria-labelledby="versions-title" className="panel">
        <h2 id="versions-title">{t("versions.title")}</h2>
        {versions.data && (
          <ul className="list">
            {versions.data.versions.map((v) => (
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
              </li>
            ))}
          </ul>
        )}
      </section>
      <Comments documentId={d.id} scope={scope} />
    </>
  );
}
