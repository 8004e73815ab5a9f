import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { notify } from "../api/client";
import { must } from "../api/problem";
import { ErrorText, Loading } from "../components/Status";
import { formatDate } from "../i18n/format";
import { contextKey, useContext } from "../lib/auth";
import { portalPath } from "../lib/links";

type Choice = "immediate" | "daily_digest" | "off";
type Category = "documents" | "comments_and_approvals" | "signing" | "account" | "messages";
const CATEGORIES: Category[] = [
  "documents",
  "comments_and_approvals",
  "signing",
  "account",
  "messages",
];
const CHOICES: Choice[] = ["immediate", "daily_digest", "off"];

export function Notifications() {
  const { t, i18n } = useTranslation();
  const scope = contextKey(useContext());
  const queries = useQueryClient();
  const feed = useQuery({
    queryKey: ["feed", scope],
    queryFn: async () => must(await notify.GET("/api/v1/notifications")),
  });
  const refreshFeed = () => void queries.invalidateQueries({ queryKey: ["feed", scope] });
  const readAll = useMutation({
    mutationFn: async () => must(await notify.POST("/api/v1/notifications/read")),
    onSuccess: refreshFeed,
  });
  const readOne = useMutation({
    mutationFn: async (id: string) =>
      must(
        await notify.POST("/api/v1/notifications/{notification_id}/read", {
          params: { path: { notification_id: id } },
        }),
      ),
    onSuccess: refreshFeed,
  });
  if (feed.isPending) return <Loading />;
  if (feed.error) return <ErrorText error={feed.error} />;
  return (
    <>
      <h1>{t("feed.title")}</h1>
      <p className="row">
        <span>{t("feed.unread", { count: feed.data.unread })}</span>
        {feed.data.unread > 0 && (
          <button type="button" className="secondary" onClick={() => readAll.mutate()}>
            {t("feed.readAll")}
          </button>
        )}
      </p>
      {feed.data.items.length === 0 ? (
        <p className="muted">{t("feed.empty")}</p>
      ) : (
        <ul className="list">
          {feed.data.items.map((item) => (
            <li key={item.id} className={item.read ? "read" : "unread"}>
              <Link
                to={portalPath(item.link)}
                onClick={() => !item.read && readOne.mutate(item.id)}
              >
                {item.title}
              </Link>
              <span className="muted">
                {item.read ? t("feed.read") : t("feed.new")} ·{" "}
                {formatDate(item.created_at, i18n.language)}
              </span>
              {!item.read && (
                <button type="button" className="link" onClick={() => readOne.mutate(item.id)}>
                  {t("feed.markRead")}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export function Settings() {
  const { t } = useTranslation();
  const scope = contextKey(useContext());
  const queries = useQueryClient();
  const [saved, setSaved] = useState(false);
  const prefs = useQuery({
    queryKey: ["preferences", scope],
    queryFn: async () => must(await notify.GET("/api/v1/me/notification-preferences")),
  });
  const change = useMutation({
    mutationFn: async (categories: Record<string, Choice>) =>
      must(await notify.PATCH("/api/v1/me/notification-preferences", { body: { categories } })),
    // The choice shows at once; the server's answer confirms it, or a failure restores it.
    onMutate: (categories) => {
      queries.setQueryData(["preferences", scope], (old: typeof prefs.data) =>
        old ? { ...old, categories: { ...old.categories, ...categories } } : old,
      );
    },
    onSuccess: (data) => {
      queries.setQueryData(["preferences", scope], data);
      setSaved(true);
    },
    onError: () => void queries.invalidateQueries({ queryKey: ["preferences", scope] }),
  });
  if (prefs.isPending) return <Loading />;
  if (prefs.error) return <ErrorText error={prefs.error} />;
  return (
    <>
      <h1>{t("prefs.title")}</h1>
      <p>{t("prefs.intro")}</p>
      {CATEGORIES.map((category) => (
        <fieldset key={category} className="panel">
          <legend>{t(`prefs.category.${category}`)}</legend>
          {CHOICES.map((choice) => (
            <label key={choice} className="choice">
              <input
                type="radio"
                name={category}
                value={choice}
                checked={prefs.data.categories[category] === choice}
                onChange={() => {
                  setSaved(false);
                  change.mutate({ [category]: choice });
                }}
              />
              {t(`prefs.choice.${choice}`)}
            </label>
          ))}
        </fieldset>
      ))}
      <ErrorText error={change.error} />
      <p role="status" className="ok">
        {saved ? t("prefs.saved") : ""}
      </p>
    </>
  );
}
