import { useQuery } from "@tanstack/react-query";
import type { TFunction } from "i18next";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";
import { documents, signing } from "../api/client";
import { must } from "../api/problem";
import { ErrorText, Loading } from "../components/Status";
import { formatDate, formatDay } from "../i18n/format";
import { contextKey, useContext } from "../lib/auth";
import type { RequestOut } from "./Request";

const recorded = new Set<string>();

export function Home() {
  const { t, i18n } = useTranslation();
  const context = useContext();
  const clientId = context?.client_id ?? "";
  const key = contextKey(context);
  const attention = useQuery({
    queryKey: ["attention", key],
    queryFn: async () => must(await signing.GET("/api/v1/signings/needs-attention")),
  });
  const approvals = useQuery({
    queryKey: ["approvals", key, "waiting"],
    queryFn: async () =>
      must(
        await documents.GET("/api/v1/clients/{client_id}/approvals/waiting", {
          params: { path: { client_id: clientId } },
        }),
      ),
    enabled: clientId !== "",
  });
  const requests = useQuery({
    queryKey: ["requests", key],
    queryFn: async () =>
      must(
        await documents.GET("/api/v1/clients/{client_id}/requests", {
          params: { path: { client_id: clientId } },
        }),
      ),
    enabled: clientId !== "",
  });
  // Requests waiting for the customer: an item still open, or returned to them.
  const asked = (requests.data?.requests ?? []).filter(
    (r) => r.closed_at === null && (r.status === "open" || r.status === "returned"),
  );
  const threads = useQuery({
    queryKey: ["threads", key, clientId],
    queryFn: async () =>
      must(
        await documents.GET("/api/v1/clients/{client_id}/threads", {
          params: { path: { client_id: clientId } },
        }),
      ),
    enabled: clientId !== "",
  });
  const unread = (threads.data?.threads ?? []).filter((thread) => thread.unread > 0);
  const news = useQuery({
    queryKey: ["news", key],
    queryFn: async () =>
      must(
        await documents.GET("/api/v1/clients/{client_id}/news", {
          params: { path: { client_id: clientId } },
        }),
      ),
    enabled: clientId !== "",
  });

  // Once the news are shown, this visit is recorded: the next one starts from now. Each
  // context once per page load, so coming back to Home in the same visit keeps the list.
  const shown = news.isSuccess;
  useEffect(() => {
    if (!shown || !clientId || recorded.has(key)) return;
    recorded.add(key);
    void documents.POST("/api/v1/clients/{client_id}/visits", {
      params: { path: { client_id: clientId } },
    });
  }, [shown, clientId, key]);

  return (
    <>
      <h1>{t("home.title")}</h1>
      <section aria-labelledby="attention-title" className="panel">
        <h2 id="attention-title">{t("home.attention")}</h2>
        {attention.isPending || approvals.isPending || requests.isPending ? (
          <Loading />
        ) : attention.error || approvals.error || requests.error ? (
          <ErrorText error={attention.error ?? approvals.error ?? requests.error} />
        ) : attention.data.items.length +
            approvals.data.approvals.length +
            asked.length +
            unread.length ===
          0 ? (
          <p className="muted">{t("home.nothingWaiting")}</p>
        ) : (
          <ul className="list">
            {attention.data.items.map((item) => (
              <li key={item.id}>
                <strong>{t("home.signingWaiting", { name: item.document_name })}</strong>
                <span className="muted">
                  {t("home.expires", { date: formatDate(item.expires_at, i18n.language) })}
                </span>
                <OpenSigning signingId={item.id} />
              </li>
            ))}
            {asked.map((request) => (
              <li key={request.id}>
                <strong>{t("home.requestWaiting", { title: request.title })}</strong>
                <span className="muted">{nextDue(request, i18n.language, t)}</span>
                <Link to={`/requests/${request.id}`}>{t("home.sendDocuments")}</Link>
              </li>
            ))}
            {unread.map((thread) => (
              <li key={thread.id}>
                <strong>{t("home.unreadMessages", { count: thread.unread })}</strong>
                <Link to={`/threads/${thread.id}`}>{thread.subject}</Link>
              </li>
            ))}
            {approvals.data.approvals.map((approval) => (
              <li key={approval.id}>
                <strong>{t("home.approvalWaiting", { name: approval.document_name })}</strong>
                {approval.message && <span className="muted">{approval.message}</span>}
                <Link to={`/documents/${approval.document_id}`}>{t("home.answer")}</Link>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="news-title" className="panel">
        <h2 id="news-title">{t("home.news")}</h2>
        {news.isPending ? (
          <Loading />
        ) : news.error ? (
          <ErrorText error={news.error} />
        ) : news.data.documents.length === 0 ? (
          <p className="muted">{t("home.noNews")}</p>
        ) : (
          <ul className="list">
            {news.data.documents.map((doc) => (
              <li key={doc.id}>
                <Link to={`/documents/${doc.id}`}>{doc.name}</Link>
                <span className="muted">{formatDate(doc.updated_at, i18n.language)}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

/** When the first item still waiting for the customer is due. */
function nextDue(request: RequestOut, language: string, t: TFunction): string {
  const waiting = request.items
    .filter((item) => item.status === "open" || item.status === "returned")
    .map((item) => item.due_date)
    .sort();
  const first = waiting[0];
  return first ? t("requests.due", { date: formatDay(first, language) }) : "";
}

/** The party page of a request waiting for this contact, opened with a fresh link of their
 * own (the same page the signing email leads to). */
function OpenSigning({ signingId }: { signingId: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  async function open() {
    setError(null);
    try {
      const link = must(
        await signing.POST("/api/v1/signings/{signing_id}/party-link", {
          params: { path: { signing_id: signingId } },
        }),
      );
      navigate(`/sign#token=${encodeURIComponent(link.token)}`);
    } catch (caught) {
      setError(caught);
    }
  }
  return (
    <>
      <button type="button" onClick={() => void open()}>
        {t("home.sign")}
      </button>
      <ErrorText error={error} />
    </>
  );
}
