// A contact's details and roles, as the new-client form and the add-contact form take them.
import { useTranslation } from "react-i18next";
import { Check, TextField } from "./fields";

export type Role = "commercial" | "operational" | "employee";
export const ROLES: Role[] = ["commercial", "operational", "employee"];

export type ContactDraft = {
  first_name: string;
  last_name: string;
  email: string;
  phone: string;
  personal_number: string;
  roles: Role[];
  primary: boolean;
};

export const emptyContact = (primary = false): ContactDraft => ({
  first_name: "",
  last_name: "",
  email: "",
  phone: "",
  personal_number: "",
  roles: ["operational"],
  primary,
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
  const set = (key: keyof ContactDraft) => (value: string) => onChange({ ...draft, [key]: value });
  const role = (name: Role, on: boolean) =>
    onChange({
      ...draft,
      roles: on ? [...draft.roles, name] : draft.roles.filter((r) => r !== name),
    });
  return (
    <fieldset className="panel">
      <legend>{legend}</legend>
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
    </fieldset>
  );
}
