// A client's messages on the firm's side (issue 20): its threads with this staff member's
// unread counts, a new thread with chosen portal contacts, and the client's folder for
// message attachments (files are refused until one is chosen).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { documents } from "../api/client";
import { must } from "../api/problem";
import { ErrorText } from "../components/Status";
import { NewThread, ThreadList } from "../pages/Thread";
import { type ContactOfClient, fullName, useScope } from "./clients";
import { SelectField } from "./fields";
import { type Folder, tree } from "./folders";

export function ClientThreads(props: {
  clientId: string;
  folders: Folder[];
  contacts: ContactOfClient[];
}) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const portal = props.contacts
    .filter((c) => c.contact.portal_access)
    .map((c) => ({ id: c.contact_id, name: fullName(c.contact) }));
  return (
    <section aria-labelledby="threads-title" className="panel">
      <h2 id="threads-title">{t("threads.title")}</h2>
      <ThreadList clientId={props.clientId} base="/firm" />
      <AttachmentFolder clientId={props.clientId} folders={props.folders} />
      {portal.length > 0 && (
        <NewThread
          clientId={props.clientId}
          contacts={portal}
          onStarted={(thread) => navigate(`/firm/threads/${thread.id}`)}
        />
      )}
    </section>
  );
}

function AttachmentFolder({ clientId, folders }: { clientId: string; folders: Folder[] }) {
  const { t } = useTranslation();
  const scope = useScope();
  const queries = useQueryClient();
  const key = ["thread-folder", scope, clientId];
  const chosen = useQuery({
    queryKey: key,
    queryFn: async () =>
      must(
        await documents.GET("/api/v1/clients/{client_id}/threads/folder", {
          params: { path: { client_id: clientId } },
        }),
      ),
  });
  const choose = useMutation({
    mutationFn: async (folderId: string) =>
      must(
        await documents.PUT("/api/v1/clients/{client_id}/threads/folder", {
          params: { path: { client_id: clientId } },
          body: { folder_id: folderId },
        }),
      ),
    onSuccess: (data) => queries.setQueryData(key, data),
  });
  if (!chosen.data || folders.length === 0) return null;
  return (
    <>
      <SelectField
        label={t("threads.folder")}
        value={chosen.data.folder_id ?? ""}
        onChange={(folderId) => folderId && choose.mutate(folderId)}
      >
        <option value="">{t("threads.noFolder")}</option>
        {tree(folders).map(({ folder, depth }) => (
          <option key={folder.id} value={folder.id}>
            {`${"– ".repeat(depth)}${folder.name}`}
          </option>
        ))}
      </SelectField>
      <ErrorText error={choose.error} />
    </>
  );
}
