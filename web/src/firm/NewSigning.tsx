// Flow 7: a PDF of a client's folder sent for signing — parties (the client's contacts or
// anyone by email) with role, order and method; language, attachments, message, expiry,
// reminders. A firm without credits is told so before it can send.
import { useMutation, useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router";
import { billing, documents, identity, signing } from "../api/client";
import { must } from "../api/problem";
import type { components } from "../api/schema/signing";
import { ErrorText, Loading } from "../components/Status";
import { LANGUAGES, type Language } from "../i18n/format";
import { type ContactOfClient, fullName, useContactsOf, useScope } from "./clients";
import { Check, instant, SelectField, TextField } from "./fields";
import { administers, useRole } from "./role";

type Party = components["schemas"]["PartyIn"];
const blankParty = (order: number): Party => ({
  name: "",
  email: "",
  role: "signer",
  method: "email_otp",
  order,
  contact_id: null,
});

export function NewSigning() {
  const { t } = useTranslation();
  const { documentId = "" } = useParams();
  const scope = useScope();
  const doc = useQuery({
    queryKey: ["firm-document", scope, documentId],
    queryFn: async () =>
      must(
        await documents.GET("/api/v1/documents/{document_id}", {
          params: { path: { document_id: documentId } },
        }),
      ),
  });
  const balance = useQuery({
    queryKey: ["firm-balance", scope],
    queryFn: async () => must(await billing.GET("/api/v1/billing/balance")),
  });
  if (doc.isPending || balance.isPending) return <Loading />;
  if (doc.error) return <ErrorText error={doc.error} />;
  if (balance.error) return <ErrorText error={balance.error} />;
  return (
    <>
      <p>
        <Link to={`/firm/documents/${documentId}`}>{t("firm.signing.backToDocument")}</Link>
      </p>
      <h1>{t("firm.signing.newTitle", { name: doc.data.name })}</h1>
      {doc.data.content_type !== "application/pdf" ? (
        <p className="error" role="alert">
          {t("firm.signing.onlyPdf")}
        </p>
      ) : balance.data.credits < 1 ? (
        <NoCredits />
      ) : (
        <SigningForm
          documentId={documentId}
          folderId={doc.data.folder_id}
          clientId={doc.data.client_id}
          credits={balance.data.credits}
        />
      )}
    </>
  );
}

/** No credit left: an admin buys more; a member is told whom to ask. */
function NoCredits() {
  const { t } = useTranslation();
  const role = useRole();
  const staff = useQuery({
    queryKey: ["firm-staff", useScope()],
    queryFn: async () => must(await identity.GET("/api/v1/staff")).items,
    enabled: role === "member",
  });
  const admins = (staff.data ?? [])
    .filter((s) => s.active && (s.role === "owner" || s.role === "admin"))
    .map((s) => s.name);
  return (
    <div className="notice" role="alert">
      <p>{t("firm.signing.noCredits")}</p>
      {administers(role) ? (
        <Link to="/firm/billing">{t("firm.signing.buyCredits")}</Link>
      ) : (
        <p>{t("firm.signing.askAdmin", { names: admins.join(", ") })}</p>
      )}
    </div>
  );
}

function SigningForm(props: {
  documentId: string;
  folderId: string;
  clientId: string;
  credits: number;
}) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const contacts = useContactsOf(props.clientId);
  const siblings = useQuery({
    queryKey: ["firm-folder-documents", useScope(), props.folderId],
    queryFn: async () =>
      must(
        await documents.GET("/api/v1/folders/{folder_id}/documents", {
          params: { path: { folder_id: props.folderId }, query: { limit: 200 } },
        }),
      ).documents,
  });
  const [parties, setParties] = useState<Party[]>([blankParty(1)]);
  const [language, setLanguage] = useState<Language>(
    (LANGUAGES as readonly string[]).includes(i18n.language) ? (i18n.language as Language) : "en",
  );
  const [message, setMessage] = useState("");
  const [expires, setExpires] = useState("");
  const [reminder, setReminder] = useState("");
  const [attachments, setAttachments] = useState<string[]>([]);
  const send = useMutation({
    mutationFn: async () => {
      const created = must(
        await signing.POST("/api/v1/signings", {
          body: {
            document_id: props.documentId,
            parties,
            language,
            message,
            expires_at: instant(expires),
            reminder_days: reminder ? Number(reminder) : null,
            attachment_ids: attachments,
          },
        }),
      );
      must(
        await signing.POST("/api/v1/signings/{signing_id}/send", {
          params: { path: { signing_id: created.id } },
        }),
      );
      return created.id;
    },
    onSuccess: (id) => navigate(`/firm/signings/${id}`),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    send.mutate();
  }
  const setParty = (index: number, party: Party) =>
    setParties(parties.map((p, i) => (i === index ? party : p)));
  return (
    <form onSubmit={submit}>
      <p className="muted">{t("firm.signing.credits", { count: props.credits })}</p>
      {parties.map((party, index) => (
        <PartyFields
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are only appended
          key={index}
          number={index + 1}
          party={party}
          contacts={contacts.data ?? []}
          onChange={(changed) => setParty(index, changed)}
        />
      ))}
      <button
        type="button"
        className="secondary"
        onClick={() => setParties([...parties, blankParty(parties.length + 1)])}
      >
        {t("firm.signing.addParty")}
      </button>
      <SelectField label={t("firm.signing.language")} value={language} onChange={setLanguage}>
        {LANGUAGES.map((code) => (
          <option key={code} value={code}>
            {t(`firm.language.${code}`)}
          </option>
        ))}
      </SelectField>
      <TextField label={t("firm.signing.message")} value={message} onChange={setMessage} />
      <TextField
        label={t("firm.signing.expires")}
        type="datetime-local"
        value={expires}
        onChange={setExpires}
      />
      <TextField
        label={t("firm.signing.reminder")}
        type="number"
        value={reminder}
        onChange={setReminder}
      />
      <fieldset className="panel">
        <legend>{t("firm.signing.attachments")}</legend>
        {(siblings.data ?? [])
          .filter((d) => d.id !== props.documentId)
          .map((d) => (
            <Check
              key={d.id}
              label={d.name}
              checked={attachments.includes(d.id)}
              onChange={(on) =>
                setAttachments(on ? [...attachments, d.id] : attachments.filter((a) => a !== d.id))
              }
            />
          ))}
      </fieldset>
      <ErrorText error={send.error} />
      <button type="submit" disabled={send.isPending}>
        {t("firm.signing.send")}
      </button>
    </form>
  );
}

function PartyFields(props: {
  number: number;
  party: Party;
  contacts: ContactOfClient[];
  onChange: (party: Party) => void;
}) {
  const { t } = useTranslation();
  const { party, onChange } = props;
  const pick = (contactId: string) => {
    const found = props.contacts.find((c) => c.contact_id === contactId);
    onChange(
      found
        ? {
            ...party,
            contact_id: contactId,
            name: fullName(found.contact),
            email: found.contact.email ?? "",
          }
        : { ...party, contact_id: null },
    );
  };
  return (
    <fieldset className="panel">
      <legend>{t("firm.signing.party", { number: props.number })}</legend>
      <SelectField
        label={t("firm.signing.fromContacts")}
        value={party.contact_id ?? ""}
        onChange={pick}
      >
        <option value="">{t("firm.signing.byEmail")}</option>
        {props.contacts.map((c) => (
          <option key={c.contact_id} value={c.contact_id}>
            {fullName(c.contact)}
          </option>
        ))}
      </SelectField>
      <TextField
        label={t("firm.signing.name")}
        value={party.name}
        onChange={(name) => onChange({ ...party, name })}
        required
      />
      <TextField
        label={t("common.email")}
        type="email"
        value={party.email}
        onChange={(email) => onChange({ ...party, email })}
        required
      />
      <SelectField
        label={t("firm.signing.role")}
        value={party.role ?? "signer"}
        onChange={(role) => onChange({ ...party, role })}
      >
        {(["signer", "approver", "viewer"] as const).map((role) => (
          <option key={role} value={role}>
            {t(`firm.signing.roles.${role}`)}
          </option>
        ))}
      </SelectField>
      <SelectField
        label={t("firm.signing.method")}
        value={party.method ?? "click"}
        onChange={(method) => onChange({ ...party, method })}
      >
        {(["email_otp", "click", "eid"] as const).map((method) => (
          <option key={method} value={method}>
            {t(`firm.signing.methods.${method}`)}
          </option>
        ))}
      </SelectField>
      <TextField
        label={t("firm.signing.order")}
        type="number"
        value={String(party.order ?? 1)}
        onChange={(order) => onChange({ ...party, order: Number(order) || 1 })}
      />
    </fieldset>
  );
}
