// Flow 8: what waits on customers, per client and across the firm: signing's needs-attention
// for staff, and the approval requests customers have not decided (documents).
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { documents, signing } from "../api/client";
import { must } from "../api/problem";
import type { components } from "../api/schema/signing";
import { ErrorText, Loading } from "../components/Status";
import { formatDate } from "../i18n/format";
import { useScope } from "./clients";
import { RequestsOverdue } from "./Requests";

type SigningSummary = components["schemas"]["SigningSummary"];

/** One request in a list: its document, state, progress and expiry. */
export function SigningItem({ item }: { item: SigningSummary }) {
  const { t, i18n } = useTranslation();
  return (
    <li>
      <Link to={`/firm/signings/${item.id}`}>{item.document_name}</Link>
      <span className="badge">
        {t(`firm.signing.state.${item.halted ? "halted" : item.state}`)}
      </span>
      <span className="muted">
        {t("firm.signing.progress", item.progress)} ·{" "}
        {t("home.expires", { date: formatDate(item.expires_at, i18n.language) })}
      </span>
    </li>
  );
}

export function SigningsWaiting({ clientId }: { clientId?: string }) {
  const { t } = useTranslation();
  const scope = useScope();
  const list = useQuery({
    queryKey: ["firm-attention", scope, clientId ?? "all"],
    queryFn: async () =>
      must(
        await signing.GET("/api/v1/signings/needs-attention", {
          params: { query: clientId ? { client_id: clientId } : {} },
        }),
      ),
  });
  if (list.isPending) return <Loading />;
  if (list.error) return <ErrorText error={list.error} />;
  if (list.data.items.length === 0) return <p className="muted">{t("firm.attention.none")}</p>;
  return (
    <ul className="list">
      {list.data.items.map((item) => (
        <SigningItem key={item.id} item={item} />
      ))}
    </ul>
  );
}

/** Approval requests the client's contacts (or, without `clientId`, any client's) have not
 * decided yet, oldest first. */
export function ApprovalsWaiting({ clientId }: { clientId?: string }) {
  const { t, i18n } = useTranslation();
  const scope = useScope();
  const list = useQuery({
    queryKey: ["approvals", scope, "waiting", clientId ?? "all"],
    queryFn: async () =>
      must(
        clientId
          ? await documents.GET("/api/v1/clients/{client_id}/approvals/waiting", {
              params: { path: { client_id: clientId } },
            })
          : await documents.GET("/api/v1/approvals/waiting"),
      ),
  });
  if (list.isPending) return <Loading />;
  if (list.error) return <ErrorText error={list.error} />;
  if (list.data.approvals.length === 0) {
    return <p className="muted">{t("firm.attention.noApprovals")}</p>;
  }
  return (
    <ul className="list">
      {list.data.approvals.map((approval) => (
        <li key={approval.id}>
          <Link to={`/firm/documents/${approval.document_id}`}>{approval.document_name}</Link>
          {approval.message && <span>{approval.message}</span>}
          <span className="muted">
            {t("firm.attention.askedOn", { date: formatDate(approval.created_at, i18n.language) })}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function Attention() {
  const { t } = useTranslation();
  return (
    <>
      <h1>{t("firm.attention.title")}</h1>
      <section aria-labelledby="attention-signings" className="panel">
        <h2 id="attention-signings">{t("firm.attention.signings")}</h2>
        <SigningsWaiting />
      </section>
      <section aria-labelledby="attention-approvals" className="panel">
        <h2 id="attention-approvals">{t("firm.attention.approvals")}</h2>
        <ApprovalsWaiting />
      </section>
      <section aria-labelledby="attention-requests" className="panel">
        <h2 id="attention-requests">{t("requests.overdueTitle")}</h2>
        <RequestsOverdue />
      </section>
      <p>
        <Link to="/firm/clients">{t("firm.attention.toClients")}</Link>
      </p>
    </>
  );
}
