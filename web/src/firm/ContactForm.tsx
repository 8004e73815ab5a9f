// A contact's details and roles, as the new-client form and the add-contact form take them. A
// person the firm already has (found by their email) is linked instead of entered twice.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { identity } from "../api/client";
import { must } from "../api/problem";
import { fullName } from "./clients";
import { Check, TextField } from "./fields";

export type Role = "commercial" | "operational" | "employee";
export const ROLES: Role[] = ["commercial", "operational", "employee"];

type Known = { id: string; name: string };

export type ContactDraft = {
  first_name: string;
  last_name: string;
  email: string;
  phone: string;
  personal_number: string;
  roles: Role[];
  primary: boolean;
  /** The firm's existing contact to link, when the email belongs to one. */
  existing: Known | null;
};

export const emptyContact = (primary = false): ContactDraft => ({
  first_name: "",
  last_name: "",
  email: "",
  phone: "",
  personal_number: "",
  roles: ["operational"],
  primary,
  existing: null,
});

/** What the API takes: empty optional fields are left out rather than sent as "". */
export function contactBody(draft: ContactDraft) {
  return {
    first_name: draft.first_name,
    last_name: draft.last_name,
    email: draft.email || null,
    phone: draft.phone || null,
    personal_number: draft.personal_number || null,
    roles: draft.roles,
    primary: draft.primary,
  };
}

/** Links an existing contact to a client with the draft's roles. */
export async function linkExisting(clientId: string, draft: ContactDraft): Promise<void> {
  if (!draft.existing) return;
  must(
    await identity.PUT("/api/v1/clients/{client_id}/contacts/{contact_id}", {
      params: { path: { client_id: clientId, contact_id: draft.existing.id } },
      body: { roles: draft.roles, primary: draft.primary },
    }),
  );
}

/** The firm's contact with this email, if any (identity answers 404 for none). */
async function findByEmail(email: string): Promise<Known | null> {
  const found = await identity.GET("/api/v1/contacts", { params: { query: { email } } });
  return found.data ? { id: found.data.id, name: fullName(found.data) } : null;
}

export function ContactFields({
  draft,
  onChange,
  legend,
}: {
  draft: ContactDraft;
  onChange: (draft: ContactDraft) => void;
  legend: string;
}) {
  const { t } = useTranslation();
  const [match, setMatch] = useState<Known | null>(null);
  const lookUp = () => {
    if (draft.email.includes("@")) void findByEmail(draft.email.trim()).then(setMatch);
  };
  return (
    <fieldset className="panel">
      <legend>{legend}</legend>
      {draft.existing ? (
        <p className="notice">
          {t("firm.contact.linking", { name: draft.existing.name })}{" "}
          <button
            type="button"
            className="link"
            onClick={() => onChange({ ...draft, existing: null })}
          >
            {t("firm.contact.newPerson")}
          </button>
        </p>
      ) : (
        <DetailFields draft={draft} onChange={onChange} lookUp={lookUp} />
      )}
      {match && !draft.existing && (
        <p className="notice" role="status">
          {t("firm.contact.known", { name: match.name })}{" "}
          <button type="button" onClick={() => onChange({ ...draft, existing: match })}>
            {t("firm.contact.link", { name: match.name })}
          </button>
        </p>
      )}
      <RoleFields draft={draft} onChange={onChange} />
    </fieldset>
  );
}

function DetailFields({
  draft,
  onChange,
  lookUp,
}: {
  draft: ContactDraft;
  onChange: (draft: ContactDraft) => void;
  lookUp: () => void;
}) {
  const { t } = useTranslation();
  const set = (key: keyof ContactDraft) => (value: string) => onChange({ ...draft, [key]: value });
  return (
    <>
      <TextField
        label={t("firm.contact.firstName")}
        value={draft.first_name}
        onChange={set("first_name")}
        required
      />
      <TextField
        label={t("firm.contact.lastName")}
        value={draft.last_name}
        onChange={set("last_name")}
        required
      />
      <TextField
        label={t("common.email")}
        type="email"
        value={draft.email}
        onChange={set("email")}
        onBlur={lookUp}
      />
      <TextField
        label={t("firm.contact.phone")}
        type="tel"
        value={draft.phone}
        onChange={set("phone")}
      />
      <TextField
        label={t("firm.contact.personalNumber")}
        value={draft.personal_number}
        onChange={set("personal_number")}
      />
    </>
  );
}

function RoleFields({
  draft,
  onChange,
}: {
  draft: ContactDraft;
  onChange: (draft: ContactDraft) => void;
}) {
  const { t } = useTranslation();
  const role = (name: Role, on: boolean) =>
    onChange({
      ...draft,
      roles: on ? [...draft.roles, name] : draft.roles.filter((r) => r !== name),
    });
  return (
    <>
      <fieldset>
        <legend>{t("firm.contact.roles")}</legend>
        {ROLES.map((name) => (
          <Check
            key={name}
            label={t(`firm.role.${name}`)}
            checked={draft.roles.includes(name)}
            onChange={(on) => role(name, on)}
          />
        ))}
      </fieldset>
      <Check
        label={t("firm.contact.primary")}
        checked={draft.primary}
        onChange={(on) => onChange({ ...draft, primary: on })}
      />
    </>
  );
}
