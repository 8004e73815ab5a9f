// One client: its contacts with their roles and portal access (flows 3, 4), its folders
// (flow 5) and its signing requests (flows 7, 8).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { identity, signing } from "../api/client";
import { must } from "../api/problem";
import { ErrorText, Loading } from "../components/Status";
import { ApprovalsWaiting, SigningItem } from "./Attention";
import { ClientFolders } from "./ClientFolders";
import {
  type ContactDraft,
  ContactFields,
  contactBody,
  emptyContact,
  linkExisting,
} from "./ContactForm";
import { type ContactOfClient, fullName, useClient, useContactsOf, useScope } from "./clients";
import { useFolders } from "./folders";
import { PortalAccess, SecretLink } from "./PortalAccess";
import { usePortalSettings } from "./PortalSettings";
import { ClientRequests } from "./Requests";
import { ClientThreads } from "./Threads";

export function Client() {
  const { t } = useTranslation();
  const { clientId = "" } = useParams();
  const scope = useScope();
  const queries = useQueryClient();
  const client = useClient(clientId);
  const contacts = useContactsOf(clientId);
  const folders = useFolders(clientId);
  const archive = useMutation({
    mutationFn: async () =>
      must(
        await identity.POST("/api/v1/clients/{client_id}/archive", {
          params: { path: { client_id: clientId } },
        }),
      ),
    onSuccess: () => {
      void queries.invalidateQueries({ queryKey: ["firm-client", scope, clientId] });
      void queries.invalidateQueries({ queryKey: ["firm-clients", scope] });
    },
  });
  if (client.isPending) return <Loading />;
  if (client.error) return <ErrorText error={client.error} />;
  return (
    <>
      <p>
        <Link to="/firm/clients">{t("firm.clients.back")}</Link>
      </p>
      <h1>{client.data.name}</h1>
      <p className="muted">
        {t(`firm.kind.${client.data.kind}`)}
        {client.data.organisation_number ? ` · ${client.data.organisation_number}` : ""}
        {client.data.archived && <span className="badge">{t("firm.clients.isArchived")}</span>}
      </p>
      {!client.data.archived && (
        <button type="button" className="secondary" onClick={() => archive.mutate()}>
          {t("firm.clients.archive")}
        </button>
      )}
      <ErrorText error={archive.error} />
      <section aria-labelledby="contacts-title" className="panel">
        <h2 id="contacts-title">{t("firm.contacts.title")}</h2>
        {contacts.isPending ? (
          <Loading />
        ) : contacts.error ? (
          <ErrorText error={contacts.error} />
        ) : (
          <ContactList contacts={contacts.data} />
        )}
        <AddContact clientId={clientId} />
      </section>
      <ClientFolders clientId={clientId} contacts={contacts.data ?? []} />
      <ClientSignings clientId={clientId} />
      <ClientRequests
        clientId={clientId}
        folders={folders.data ?? []}
        contacts={contacts.data ?? []}
      />
      <ClientThreads
        clientId={clientId}
        folders={folders.data ?? []}
        contacts={contacts.data ?? []}
      />
      <section aria-labelledby="client-approvals-title" className="panel">
        <h2 id="client-approvals-title">{t("firm.attention.approvals")}</h2>
        <ApprovalsWaiting clientId={clientId} />
      </section>
    </>
  );
}

function ContactList({ contacts }: { contacts: ContactOfClient[] }) {
  const { t } = useTranslation();
  const secretLinks = usePortalSettings().data?.sign_in_methods.includes("secret_link");
  if (contacts.length === 0) return <p className="muted">{t("firm.contacts.none")}</p>;
  return (
    <ul className="list">
      {contacts.map((c) => (
        <li key={c.contact_id}>
          <strong>{fullName(c.contact)}</strong>
          {c.primary && <span className="badge">{t("firm.contact.primary")}</span>}
          <span className="muted">
            {[c.contact.email, c.contact.phone, ...c.roles.map((r) => t(`firm.role.${r}`))]
              .filter(Boolean)
              .join(" · ")}
          </span>
          <PortalAccess contact={c.contact} />
          {secretLinks && c.contact.portal_access && <SecretLink contact={c.contact} />}
        </li>
      ))}
    </ul>
  );
}

function AddContact({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const scope = useScope();
  const queries = useQueryClient();
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState<ContactDraft>(emptyContact());
  const add = useMutation({
    mutationFn: async () => {
      if (draft.existing) return linkExisting(clientId, draft);
      const { roles, primary, ...details } = contactBody(draft);
      return must(
        await identity.POST("/api/v1/contacts", {
          body: { ...details, clients: [{ client_id: clientId, roles, primary }] },
        }),
      );
    },
    onSuccess: () => {
      setDraft(emptyContact());
      setOpen(false);
      void queries.invalidateQueries({ queryKey: ["firm-contacts", scope, clientId] });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    add.mutate();
  }
  if (!open) {
    return (
      <button type="button" className="secondary" onClick={() => setOpen(true)}>
        {t("firm.contact.add")}
      </button>
    );
  }
  return (
    <form onSubmit={submit}>
      <ContactFields legend={t("firm.contact.add")} draft={draft} onChange={setDraft} />
      <ErrorText error={add.error} />
      <button type="submit">{t("firm.contact.save")}</button>
    </form>
  );
}

function ClientSignings({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const scope = useScope();
  const list = useQuery({
    queryKey: ["firm-signings", scope, clientId],
    queryFn: async () =>
      must(await signing.GET("/api/v1/signings", { params: { query: { client_id: clientId } } })),
  });
  return (
    <section aria-labelledby="signings-title" className="panel">
      <h2 id="signings-title">{t("firm.signing.title")}</h2>
      {list.isPending ? (
        <Loading />
      ) : list.error ? (
        <ErrorText error={list.error} />
      ) : list.data.items.length === 0 ? (
        <p className="muted">{t("firm.signing.none")}</p>
      ) : (
        <ul className="list">
          {list.data.items.map((item) => (
            <SigningItem key={item.id} item={item} />
          ))}
        </ul>
      )}
    </section>
  );
}
