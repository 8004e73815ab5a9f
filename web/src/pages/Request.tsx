// A document request as the customer sees it (issue 20): what the firm asks for, item by item,
// and a file for each item still waiting. The file goes to the folder the firm chose, even one
// the customer cannot open: the request lets them upload there for that item only.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { documents } from "../api/client";
import { must } from "../api/problem";
import type { components } from "../api/schema/documents";
import { ErrorText, Loading } from "../components/Status";
import { formatDay } from "../i18n/format";
import { contextKey, useContext } from "../lib/auth";
import { uploadForItem } from "../lib/upload";
import { uploadErrorKey } from "./Folder";

export type RequestOut = components["schemas"]["RequestOut"];
export type ItemOut = components["schemas"]["ItemOut"];

/** Items the customer may still send a file for. */
export function takesFiles(request: RequestOut, item: ItemOut): boolean {
  return request.closed_at === null && ["open", "submitted", "returned"].includes(item.status);
}

/** The status of a request or an item, as a badge. */
export function StatusBadge({ item }: { item: { status: string; overdue?: boolean } }) {
  const { t } = useTranslation();
  return (
    <>
      <span className="badge">{t(`requests.status.${item.status}`)}</span>
      {item.overdue && <span className="badge">{t("requests.overdue")}</span>}
    </>
  );
}

export function Request() {
  const { t } = useTranslation();
  const { requestId = "" } = useParams();
  const key = contextKey(useContext());
  const queries = useQueryClient();
  const request = useQuery({
    queryKey: ["request", key, requestId],
    queryFn: async () =>
      must(
        await documents.GET("/api/v1/requests/{request_id}", {
          params: { path: { request_id: requestId } },
        }),
      ),
  });
  if (request.isPending) return <Loading />;
  if (request.error) return <ErrorText error={request.error} />;
  const refresh = () => {
    void queries.invalidateQueries({ queryKey: ["request", key, requestId] });
    void queries.invalidateQueries({ queryKey: ["requests", key] });
  };
  return (
    <>
      <p>
        <Link to="/">{t("nav.home")}</Link>
      </p>
      <h1>{request.data.title}</h1>
      <p>
        <StatusBadge item={request.data} />
      </p>
      {request.data.message && <p>{request.data.message}</p>}
      <section aria-labelledby="items-title" className="panel">
        <h2 id="items-title">{t("requests.items")}</h2>
        <ul className="list">
          {request.data.items
            .filter((item) => item.status !== "cancelled")
            .map((item) => (
              <ItemRow key={item.id} request={request.data} item={item} onDone={refresh} />
            ))}
        </ul>
      </section>
    </>
  );
}

function ItemRow(props: { request: RequestOut; item: ItemOut; onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const { request, item } = props;
  const inputId = useId();
  const [sending, setSending] = useState<{ sent: number; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function send(files: FileList) {
    setError(null);
    try {
      for (const file of Array.from(files)) {
        await uploadForItem(request.id, item.id, file, (sent, total) =>
          setSending({ sent, total }),
        );
      }
    } catch (caught) {
      setError(uploadErrorKey(caught));
    } finally {
      setSending(null);
      props.onDone();
    }
  }
  return (
    <li>
      <strong>{item.title}</strong>
      <StatusBadge item={item} />
      <span className="muted">
        {t("requests.due", { date: formatDay(item.due_date, i18n.language) })}
      </span>
      {item.description && <span>{item.description}</span>}
      {item.status === "returned" && (
        <span className="error">
          {t("requests.returnedBecause", { reason: item.return_reason })}
        </span>
      )}
      {item.files.length > 0 && (
        <span className="muted">
          {t("requests.sent", { names: item.files.map((f) => f.name).join(", ") })}
        </span>
      )}
      {takesFiles(request, item) && (
        <div className="field">
          <label htmlFor={inputId}>{t("requests.uploadFor", { title: item.title })}</label>
          <input
            id={inputId}
            type="file"
            multiple
            disabled={sending !== null}
            onChange={(event) => {
              if (event.target.files?.length) void send(event.target.files);
              event.target.value = "";
            }}
          />
          {sending && (
            <progress
              max={sending.total || 1}
              value={sending.sent}
              aria-label={t("requests.uploading", { title: item.title })}
            />
          )}
        </div>
      )}
      {error && (
        <span className="error" role="alert">
          {t(error)}
        </span>
      )}
    </li>
  );
}
