import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { type DragEvent, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams, useSearchParams } from "react-router";
import { documents } from "../api/client";
import { ApiError, must } from "../api/problem";
import { ErrorText, Loading } from "../components/Status";
import { formatDate, formatSize } from "../i18n/format";
import { contextKey, useContext } from "../lib/auth";
import { uploadFile } from "../lib/upload";

type Item = {
  key: string;
  name: string;
  sent: number;
  total: number;
  error?: string;
  done?: boolean;
};

export function uploadErrorKey(error: unknown): string {
  if (error instanceof ApiError && [402, 409, 411, 413, 415, 422].includes(error.status)) {
    return `upload.errors.${error.status}`;
  }
  return "upload.errors.other";
}

export function Upload({ folderId, onDone }: { folderId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const input = useRef<HTMLInputElement>(null);
  const [items, setItems] = useState<Item[]>([]);
  const [over, setOver] = useState(false);
  const hint = useId();

  function update(key: string, change: Partial<Item>) {
    setItems((all) => all.map((item) => (item.key === key ? { ...item, ...change } : item)));
  }

  async function start(files: FileList | File[]) {
    const batch = Array.from(files).map((file, index) => ({
      file,
      item: {
        key: `${Date.now()}-${index}-${file.name}`,
        name: file.name,
        sent: 0,
        total: file.size,
      },
    }));
    setItems((all) => [...batch.map((b) => b.item), ...all]);
    await Promise.all(
      batch.map(async ({ file, item }) => {
        try {
          await uploadFile(folderId, file, (sent, total) => update(item.key, { sent, total }));
          update(item.key, { done: true });
        } catch (caught) {
          update(item.key, { error: uploadErrorKey(caught) });
        }
      }),
    );
    onDone();
  }

  function drop(event: DragEvent) {
    event.preventDefault();
    setOver(false);
    if (event.dataTransfer.files.length) void start(event.dataTransfer.files);
  }

  return (
    <section aria-labelledby="upload-title" className="panel">
      <h2 id="upload-title">{t("upload.title")}</h2>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: the drop zone; the button inside is the keyboard way */}
      <div
        className={over ? "dropzone over" : "dropzone"}
        onDragOver={(event) => {
          event.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
        data-testid="dropzone"
      >
        <p id={hint}>{t("upload.drop")}</p>
        <button type="button" onClick={() => input.current?.click()} aria-describedby={hint}>
          {t("upload.choose")}
        </button>
        <input
          ref={input}
          type="file"
          multiple
          hidden
          aria-label={t("upload.choose")}
          onChange={(event) => {
            if (event.target.files?.length) void start(event.target.files);
            event.target.value = "";
          }}
        />
      </div>
      {items.length > 0 && (
        <ul className="list" aria-live="polite">
          {items.map((item) => (
            <li key={item.key}>
              <span>{item.name}</span>
              <progress
                max={item.total || 1}
                value={item.sent}
                aria-label={t("upload.progress", { name: item.name })}
              />
              {item.error ? (
                <span className="error" role="alert">
                  {t(item.error)}
                </span>
              ) : item.done ? (
                <span className="ok">{t("upload.done")}</span>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function Folder() {
  const { t, i18n } = useTranslation();
  const { folderId = "" } = useParams();
  const [search] = useSearchParams();
  const offset = pageOffset(search.get("page"));
  const key = contextKey(useContext());
  const queries = useQueryClient();
  const path = { params: { path: { folder_id: folderId } } };
  const folder = useQuery({
    queryKey: ["folder", key, folderId],
    queryFn: async () => must(await documents.GET("/api/v1/folders/{folder_id}", path)),
  });
  const list = useQuery({
    queryKey: ["folder-documents", key, folderId, offset],
    queryFn: async () =>
      must(
        await documents.GET("/api/v1/folders/{folder_id}/documents", {
          params: { path: { folder_id: folderId }, query: { limit: PAGE, offset } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  if (folder.isPending) return <Loading />;
  if (folder.error) return <ErrorText error={folder.error} />;
  return (
    <>
      <p>
        <Link to="/folders">{t("folders.back")}</Link>
      </p>
      <h1>{folder.data.name}</h1>
      {folder.data.rules.level === "upload" && (
        <Upload
          folderId={folderId}
          onDone={() => void queries.invalidateQueries({ queryKey: ["folder-documents"] })}
        />
      )}
      <section aria-labelledby="documents-title" className="panel">
        <h2 id="documents-title">{t("folders.documents")}</h2>
        {list.isPending ? (
          <Loading />
        ) : list.error ? (
          <ErrorText error={list.error} />
        ) : list.data.documents.length === 0 ? (
          <p className="muted">{t("folders.empty")}</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t("documents.name")}</th>
                <th scope="col">{t("documents.size")}</th>
                <th scope="col">{t("documents.changed")}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.documents.map((doc) => (
                <tr key={doc.id}>
                  <td>
                    <Link to={`/documents/${doc.id}`}>{doc.name}</Link>
                    {doc.finalised && <span className="badge">{t("documents.finalised")}</span>}
                  </td>
                  <td>{formatSize(doc.size, i18n.language)}</td>
                  <td>{formatDate(doc.updated_at, i18n.language)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {list.data && list.data.total > PAGE && (
          <Pager offset={offset} shown={list.data.documents.length} total={list.data.total} />
        )}
      </section>
    </>
  );
}

const PAGE = 200;

/** `?page=` (from 1) as the list's offset; anything else is the first page. */
function pageOffset(page: string | null): number {
  const number = Number(page);
  return Number.isInteger(number) && number > 1 ? (number - 1) * PAGE : 0;
}

function Pager({ offset, shown, total }: { offset: number; shown: number; total: number }) {
  const { t } = useTranslation();
  const page = offset / PAGE + 1;
  return (
    <nav className="pager" aria-label={t("folders.pages")}>
      {page > 1 && <Link to={`?page=${page - 1}`}>{t("folders.previous")}</Link>}
      <span>{t("folders.range", { from: offset + 1, to: offset + shown, total })}</span>
      {offset + shown < total && <Link to={`?page=${page + 1}`}>{t("folders.next")}</Link>}
    </nav>
  );
}
