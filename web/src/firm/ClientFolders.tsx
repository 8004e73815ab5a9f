// Flow 5: a client's folders at a glance (who at the customer sees each), and a new folder or
// subfolder with its customer level, audience and whether the primary contact manages it.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { documents } from "../api/client";
import { must } from "../api/problem";
import { ErrorText, Loading } from "../components/Status";
import { formatSize } from "../i18n/format";
import { type ContactOfClient, useScope } from "./clients";
import { Check, SelectField, TextField } from "./fields";
import { admitted, type Level, tree, useFolders } from "./folders";
import { type RulesDraft, RulesFields } from "./RulesFields";

export function ClientFolders({
  clientId,
  contacts,
}: {
  clientId: string;
  contacts: ContactOfClient[];
}) {
  const { t, i18n } = useTranslation();
  const folders = useFolders(clientId);
  return (
    <section aria-labelledby="folders-title" className="panel">
      <h2 id="folders-title">{t("firm.folders.title")}</h2>
      {folders.isPending ? (
        <Loading />
      ) : folders.error ? (
        <ErrorText error={folders.error} />
      ) : folders.data.length === 0 ? (
        <p className="muted">{t("folders.none")}</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t("firm.folders.name")}</th>
              <th scope="col">{t("firm.folders.level")}</th>
              <th scope="col">{t("firm.folders.seenBy")}</th>
            </tr>
          </thead>
          <tbody>
            {tree(folders.data).map(({ folder, depth }) => {
              const names = admitted(folder.rules, contacts);
              return (
                <tr key={folder.id}>
                  <td style={{ paddingInlineStart: `${0.5 + depth * 1.25}rem` }}>
                    <Link to={`/firm/folders/${folder.id}`}>{folder.name}</Link>
                    <span className="muted">
                      {" "}
                      {t("folders.count", { count: folder.document_count })} ·{" "}
                      {formatSize(folder.total_size, i18n.language)}
                    </span>
                  </td>
                  <td>{t(`firm.level.${folder.rules.level}`)}</td>
                  <td>{names.length ? names.join(", ") : t("firm.folders.nobody")}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <NewFolder clientId={clientId} contacts={contacts} parents={folders.data ?? []} />
    </section>
  );
}

function NewFolder({
  clientId,
  contacts,
  parents,
}: {
  clientId: string;
  contacts: ContactOfClient[];
  parents: { id: string; name: string }[];
}) {
  const { t } = useTranslation();
  const scope = useScope();
  const queries = useQueryClient();
  const [name, setName] = useState("");
  const [parent, setParent] = useState("");
  const [inherit, setInherit] = useState(true);
  const [rules, setRules] = useState<RulesDraft>({
    level: "read" as Level,
    audience: "all",
    primary_manages: false,
  });
  const create = useMutation({
    mutationFn: async () =>
      must(
        await documents.POST("/api/v1/clients/{client_id}/folders", {
          params: { path: { client_id: clientId } },
          // A subfolder copies its parent's rules unless others are given.
          body:
            parent && inherit
              ? { name, parent_id: parent }
              : { name, parent_id: parent || null, ...rules },
        }),
      ),
    onSuccess: () => {
      setName("");
      void queries.invalidateQueries({ queryKey: ["firm-folders", scope, clientId] });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }
  return (
    <form onSubmit={submit} aria-labelledby="new-folder-title">
      <h3 id="new-folder-title">{t("firm.folders.new")}</h3>
      <TextField label={t("firm.folders.name")} value={name} onChange={setName} required />
      <SelectField label={t("firm.folders.parent")} value={parent} onChange={setParent}>
        <option value="">{t("firm.folders.top")}</option>
        {parents.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </SelectField>
      {parent && (
        <Check label={t("firm.folders.inherit")} checked={inherit} onChange={setInherit} />
      )}
      {(!parent || !inherit) && (
        <RulesFields rules={rules} onChange={setRules} contacts={contacts} />
      )}
      <ErrorText error={create.error} />
      <button type="submit" disabled={create.isPending}>
        {t("firm.folders.create")}
      </button>
    </form>
  );
}
