// Flow 3: a company or an individual, with its contacts, roles and primary contact in one form.
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { identity } from "../api/client";
import { must } from "../api/problem";
import { ErrorText } from "../components/Status";
import {
  type ContactDraft,
  ContactFields,
  contactBody,
  emptyContact,
  linkExisting,
} from "./ContactForm";
import { SelectField, TextField } from "./fields";

export function NewClient() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [kind, setKind] = useState<"company" | "individual">("company");
  const [name, setName] = useState("");
  const [number, setNumber] = useState("");
  const [contacts, setContacts] = useState<ContactDraft[]>([emptyContact(true)]);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const created = must(
        await identity.POST("/api/v1/clients", {
          body: {
            kind,
            name,
            organisation_number: number || null,
            contacts: contacts
              .filter((c) => !c.existing && (c.first_name || c.last_name))
              .map(contactBody),
          },
        }),
      );
      for (const draft of contacts) await linkExisting(created.id, draft);
      void queries.invalidateQueries({ queryKey: ["firm-clients"] });
      navigate(`/firm/clients/${created.id}`);
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <>
      <h1>{t("firm.clients.new")}</h1>
      <form onSubmit={submit}>
        <SelectField label={t("firm.clients.kind")} value={kind} onChange={setKind}>
          <option value="company">{t("firm.kind.company")}</option>
          <option value="individual">{t("firm.kind.individual")}</option>
        </SelectField>
        <TextField label={t("firm.clients.name")} value={name} onChange={setName} required />
        <TextField label={t("firm.clients.number")} value={number} onChange={setNumber} />
        {contacts.map((draft, index) => (
          <ContactFields
            // biome-ignore lint/suspicious/noArrayIndexKey: rows are only appended
            key={index}
            legend={t("firm.contact.numbered", { number: index + 1 })}
            draft={draft}
            onChange={(changed) =>
              setContacts(
                contacts.map((c, i) =>
                  i === index ? changed : changed.primary ? { ...c, primary: false } : c,
                ),
              )
            }
          />
        ))}
        <p className="row">
          <button
            type="button"
            className="secondary"
            onClick={() => setContacts([...contacts, emptyContact()])}
          >
            {t("firm.contact.another")}
          </button>
        </p>
        <ErrorText error={error} />
        <button type="submit">{t("firm.clients.create")}</button>
      </form>
    </>
  );
}
