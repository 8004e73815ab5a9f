// Flow 4: one contact's portal access — the switch, the invitation now or later, re-sending,
// and where the invitation stands; a refusal is said with its reason.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { identity } from "../api/client";
import { ApiError, must } from "../api/problem";
import { ErrorText } from "../components/Status";
import { formatDate } from "../i18n/format";
import { type Contact, fullName, useScope } from "./clients";
import { instant, TextField } from "./fields";

/** The reason a contact cannot have portal access, by the field the API names. */
export function refusalKey(field: string | null | undefined): string {
  if (field === "email") return "firm.access.noEmail";
  if (field === "clients" || field === "client_ids") return "firm.access.noContact";
  return "errors.invalid";
}

export function PortalAccess({ contact }: { contact: Contact }) {
  const { t, i18n } = useTranslation();
  const scope = useScope();
  const queries = useQueryClient();
  const [later, setLater] = useState("");
  const path = { params: { path: { contact_id: contact.id } } };
  const key = ["firm-access", scope, contact.id];
  const access = useQuery({
    queryKey: key,
    queryFn: async () =>
      must(await identity.GET("/api/v1/contacts/{contact_id}/portal-access", path)),
  });
  const done = () => void queries.invalidateQueries({ queryKey: key });
  const change = useMutation({
    mutationFn: async (body: { enabled: boolean; send_at?: string | null }) =>
      must(await identity.PUT("/api/v1/contacts/{contact_id}/portal-access", { ...path, body })),
    onSuccess: done,
  });
  const resend = useMutation({
    mutationFn: async () =>
      must(
        await identity.POST("/api/v1/contacts/{contact_id}/invitation", {
          ...path,
          body: { send_at: null },
        }),
      ),
    onSuccess: done,
  });
  const name = fullName(contact);
  const state = access.data;
  const error = change.error ?? resend.error;
  return (
    <div className="access">
      {state && (
        <p>
          <span className="badge">{t(`firm.access.status.${state.status}`)}</span>{" "}
          {state.status === "scheduled" && state.send_at && (
            <span className="muted">{formatDate(state.send_at, i18n.language)}</span>
          )}
          {state.status === "sent" && state.sent_at && (
            <span className="muted">{formatDate(state.sent_at, i18n.language)}</span>
          )}
        </p>
      )}
      {state && !state.enabled ? (
        <div className="row">
          <button type="button" onClick={() => change.mutate({ enabled: true })}>
            {t("firm.access.now", { name })}
          </button>
          <TextField
            label={t("firm.access.laterAt", { name })}
            type="datetime-local"
            value={later}
            onChange={setLater}
          />
          <button
            type="button"
            className="secondary"
            disabled={!later}
            onClick={() => change.mutate({ enabled: true, send_at: instant(later) })}
          >
            {t("firm.access.later", { name })}
          </button>
        </div>
      ) : state ? (
        <div className="row">
          {state.status !== "registered" && (
            <button type="button" className="secondary" onClick={() => resend.mutate()}>
              {t("firm.access.resend", { name })}
            </button>
          )}
          <button
            type="button"
            className="danger"
            onClick={() => change.mutate({ enabled: false })}
          >
            {t("firm.access.off", { name })}
          </button>
        </div>
      ) : null}
      {error instanceof ApiError && error.status === 422 ? (
        <p className="error" role="alert">
          {t(refusalKey(error.field))}
        </p>
      ) : (
        <ErrorText error={error} />
      )}
    </div>
  );
}

/** A contact's personal secret link, made anew (the earlier one and its sessions end); the
 *  address is shown only now, to hand to the contact. */
export function SecretLink({ contact }: { contact: Contact }) {
  const { t } = useTranslation();
  const make = useMutation({
    mutationFn: async () =>
      must(
        await identity.POST("/api/v1/contacts/{contact_id}/secret-link", {
          params: { path: { contact_id: contact.id } },
        }),
      ),
  });
  return (
    <div className="row">
      <button type="button" className="secondary" onClick={() => make.mutate()}>
        {t("firm.access.secretLink", { name: fullName(contact) })}
      </button>
      {make.data && (
        <output className="secret" data-testid="secret-link">
          {make.data.url}
        </output>
      )}
      <ErrorText error={make.error} />
    </div>
  );
}
