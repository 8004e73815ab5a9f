import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { documents, signing } from "../api/client";
import { must } from "../api/problem";
import { ErrorText, Loading } from "../components/Status";
import { formatDate } from "../i18n/format";
import { contextKey, useContext } from "../lib/auth";

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
        {attention.isPending ? (
          <Loading />
        ) : attention.error ? (
          <ErrorText error={attention.error} />
        ) : attention.data.items.length === 0 ? (
          <p className="muted">{t("home.nothingWaiting")}</p>
        ) : (
          <ul className="list">
            {attention.data.items.map((item) => (
              <li key={item.id}>
                <strong>{t("home.signingWaiting", { name: item.document_name })}</strong>
                <span className="muted">
                  {t("home.expires", { date: formatDate(item.expires_at, i18n.language) })}
                </span>
                <span className="muted">{t("home.openFromMail")}</span>
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
