// Flow 5: one folder — its customer rules, an upload (part 1's uploader), its documents.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router";
import { documents } from "../api/client";
import { must } from "../api/problem";
import { ErrorText, Loading } from "../components/Status";
import { formatDate, formatSize } from "../i18n/format";
import { Upload } from "../pages/Folder";
import { useContactsOf, useScope } from "./clients";
import type { Folder } from "./folders";
import { type RulesDraft, RulesFields } from "./RulesFields";

export function FirmFolder() {
  const { t, i18n } = useTranslation();
  const { folderId = "" } = useParams();
  const scope = useScope();
  const queries = useQueryClient();
  const navigate = useNavigate();
  const path = { params: { path: { folder_id: folderId } } };
  const folder = useQuery({
    queryKey: ["firm-folder", scope, folderId],
    queryFn: async () => must(await documents.GET("/api/v1/folders/{folder_id}", path)),
  });
  const list = useQuery({
    queryKey: ["firm-folder-documents", scope, folderId],
    queryFn: async () =>
      must(
        await documents.GET("/api/v1/folders/{folder_id}/documents", {
          params: { path: { folder_id: folderId }, query: { limit: 200 } },
        }),
      ),
  });
  const remove = useMutation({
    mutationFn: async () => must(await documents.DELETE("/api/v1/folders/{folder_id}", path)),
    onSuccess: () => navigate(`/firm/clients/${folder.data?.client_id}`),
  });
  if (folder.isPending) return <Loading />;
  if (folder.error) return <ErrorText error={folder.error} />;
  const f = folder.data;
  return (
    <>
      <p>
        <Link to={`/firm/clients/${f.client_id}`}>{t("firm.folders.back")}</Link>
      </p>
      <h1>{f.name}</h1>
      <FolderRules folder={f} />
      <Upload
        folderId={folderId}
        onDone={() => void queries.invalidateQueries({ queryKey: ["firm-folder-documents"] })}
      />
      <section aria-labelledby="documents-title" className="panel">
        <h2 id="documents-title">{t("folders.documents")}</h2>
        {list.isPending ? (
          <Loading />
        ) : list.error ? (
          <ErrorText error={list.error} />
        ) : list.data.documents.length === 0 ? (
          <>
            <p className="muted">{t("folders.empty")}</p>
            <button type="button" className="danger" onClick={() => remove.mutate()}>
              {t("firm.folders.delete")}
            </button>
            <ErrorText error={remove.error} />
          </>
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
                    <Link to={`/firm/documents/${doc.id}`}>{doc.name}</Link>
                    {doc.finalised && <span className="badge">{t("documents.finalised")}</span>}
                  </td>
                  <td>{formatSize(doc.size, i18n.language)}</td>
                  <td>{formatDate(doc.updated_at, i18n.language)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

function FolderRules({ folder }: { folder: Folder }) {
  const { t } = useTranslation();
  const scope = useScope();
  const queries = useQueryClient();
  const contacts = useContactsOf(folder.client_id);
  const [rules, setRules] = useState<RulesDraft>(folder.rules);
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: async () =>
      must(
        await documents.PATCH("/api/v1/folders/{folder_id}", {
          params: { path: { folder_id: folder.id } },
          body: rules,
        }),
      ),
    onSuccess: () => {
      setSaved(true);
      void queries.invalidateQueries({ queryKey: ["firm-folder", scope, folder.id] });
      void queries.invalidateQueries({ queryKey: ["firm-folders", scope, folder.client_id] });
    },
  });
  return (
    <section aria-labelledby="rules-title" className="panel">
      <h2 id="rules-title">{t("firm.folders.rules")}</h2>
      <RulesFields
        rules={rules}
        contacts={contacts.data ?? []}
        onChange={(changed) => {
          setSaved(false);
          setRules(changed);
        }}
      />
      <ErrorText error={save.error} />
      <button type="button" onClick={() => save.mutate()}>
        {t("firm.folders.saveRules")}
      </button>
      <p role="status" className="ok">
        {saved ? t("firm.folders.saved") : ""}
      </p>
    </section>
  );
}
