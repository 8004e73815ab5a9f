import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { documents } from "../api/client";
import { must } from "../api/problem";
import { ErrorText, Loading } from "../components/Status";
import { formatSize } from "../i18n/format";
import { contextKey, useContext } from "../lib/auth";

export function Folders() {
  const { t, i18n } = useTranslation();
  const context = useContext();
  const clientId = context?.client_id ?? "";
  const folders = useQuery({
    queryKey: ["folders", contextKey(context)],
    queryFn: async () =>
      must(
        await documents.GET("/api/v1/clients/{client_id}/folders", {
          params: { path: { client_id: clientId } },
        }),
      ),
    enabled: clientId !== "",
  });
  return (
    <>
      <h1>{t("folders.title")}</h1>
      {folders.isPending ? (
        <Loading />
      ) : folders.error ? (
        <ErrorText error={folders.error} />
      ) : folders.data.folders.length === 0 ? (
        <p className="muted">{t("folders.none")}</p>
      ) : (
        <ul className="cards">
          {folders.data.folders.map((folder) => (
            <li key={folder.id}>
              <Link className="card" to={`/folders/${folder.id}`}>
                <strong>{folder.name}</strong>
                <span className="muted">
                  {t("folders.count", { count: folder.document_count })} ·{" "}
                  {formatSize(folder.total_size, i18n.language)}
                </span>
                {folder.rules.level === "upload" && (
                  <span className="badge">{t("folders.openForUpload")}</span>
                )}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
