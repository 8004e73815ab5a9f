// Flow 3 (search, filter) and flow 4's bulk: portal access for all contacts of chosen clients.
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { identity } from "../api/client";
import { must } from "../api/problem";
import { ErrorText, Loading } from "../components/Status";
import { useScope } from "./clients";
import { Check, TextField } from "./fields";
import { refusalKey } from "./PortalAccess";

const PAGE = 50;

export function Clients() {
  const { t } = useTranslation();
  const scope = useScope();
  const [q, setQ] = useState("");
  const [archived, setArchived] = useState(false);
  const [offset, setOffset] = useState(0);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const list = useQuery({
    queryKey: ["firm-clients", scope, q, archived, offset],
    queryFn: async () =>
      must(
        await identity.GET("/api/v1/clients", {
          params: { query: { q: q || null, archived, limit: PAGE, offset } },
        }),
      ),
    placeholderData: (previous) => previous,
  });
  const bulk = useMutation({
    mutationFn: async () =>
      must(await identity.POST("/api/v1/portal-access", { body: { client_ids: [...chosen] } })),
  });
  const toggle = (id: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(id);
    else next.delete(id);
    setChosen(next);
  };
  const given = bulk.data?.results.filter((r) => r.ok).length ?? 0;
  const refused = bulk.data?.results.filter((r) => !r.ok) ?? [];
  return (
    <>
      <h1>{t("firm.clients.title")}</h1>
      <p>
        <Link to="/firm/clients/new">{t("firm.clients.new")}</Link>
      </p>
      <search className="row">
        <TextField
          label={t("firm.clients.search")}
          type="search"
          value={q}
          onChange={(value) => {
            setQ(value);
            setOffset(0);
          }}
        />
        <Check
          label={t("firm.clients.archived")}
          checked={archived}
          onChange={(on) => {
            setArchived(on);
            setOffset(0);
          }}
        />
      </search>
      {list.isPending ? (
        <Loading />
      ) : list.error ? (
        <ErrorText error={list.error} />
      ) : list.data.items.length === 0 ? (
        <p className="muted">{t("firm.clients.none")}</p>
      ) : (
        <>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">
                  <span className="visually-hidden">{t("firm.clients.choose")}</span>
                </th>
                <th scope="col">{t("firm.clients.name")}</th>
                <th scope="col">{t("firm.clients.kind")}</th>
                <th scope="col">{t("firm.clients.number")}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((client) => (
                <tr key={client.id}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={t("firm.clients.chooseOne", { name: client.name })}
                      checked={chosen.has(client.id)}
                      onChange={(event) => toggle(client.id, event.target.checked)}
                    />
                  </td>
                  <td>
                    <Link to={`/firm/clients/${client.id}`}>{client.name}</Link>
                    {client.archived && (
                      <span className="badge">{t("firm.clients.isArchived")}</span>
                    )}
                  </td>
                  <td>{t(`firm.kind.${client.kind}`)}</td>
                  <td>{client.organisation_number ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="row">
            <span className="muted">
              {t("firm.clients.shown", {
                from: offset + 1,
                to: offset + list.data.items.length,
                total: list.data.total,
              })}
            </span>
            {offset > 0 && (
              <button type="button" className="secondary" onClick={() => setOffset(offset - PAGE)}>
                {t("firm.clients.previous")}
              </button>
            )}
            {offset + PAGE < list.data.total && (
              <button type="button" className="secondary" onClick={() => setOffset(offset + PAGE)}>
                {t("firm.clients.next")}
              </button>
            )}
          </p>
        </>
      )}
      <section aria-labelledby="bulk-title" className="panel">
        <h2 id="bulk-title">{t("firm.clients.bulkTitle")}</h2>
        <button
          type="button"
          disabled={chosen.size === 0 || bulk.isPending}
          onClick={() => bulk.mutate()}
        >
          {t("firm.clients.bulk", { count: chosen.size })}
        </button>
        <ErrorText error={bulk.error} />
        {bulk.data && (
          <div role="status">
            <p className="ok">{t("firm.clients.bulkDone", { count: given })}</p>
            {refused.map((r) => (
              <p key={`${r.client_id}/${r.contact_id}`} className="error">
                {t(refusalKey(r.field))}
              </p>
            ))}
          </div>
        )}
      </section>
    </>
  );
}
