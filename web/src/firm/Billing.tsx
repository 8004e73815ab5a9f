// Flow 9 (owners and admins): plan, storage against the limit (a bar with the 80 % mark),
// 10 GB blocks bought and cancelled, the signing balance and credit packs, the ledger, and a
// month's statement with VAT, downloadable.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { billing } from "../api/client";
import { must } from "../api/problem";
import type { components } from "../api/schema/billing";
import { ErrorText, Loading } from "../components/Status";
import { formatAmount, formatDate, formatSize } from "../i18n/format";
import { saveBlob } from "../lib/download";
import { useScope } from "./clients";
import { TextField } from "./fields";

type Statement = components["schemas"]["Statement"];

/** A statement as CSV (amounts in SEK, VAT on its own line) for the firm's bookkeeping. */
export function statementCsv(statement: Statement): string {
  const rows = [
    ["description", "quantity", "unit_price_sek", "amount_sek"],
    ...statement.lines.map((l) => [
      l.description,
      String(l.quantity),
      (l.unit_price_ore / 100).toFixed(2),
      l.amount_sek,
    ]),
    ["subtotal", "", "", statement.subtotal_sek],
    [`VAT ${statement.vat_percent} %`, "", "", statement.vat_sek],
    ["total", "", "", statement.total_sek],
  ];
  return rows
    .map((row) => row.map((cell) => `"${cell.replaceAll('"', '""')}"`).join(","))
    .join("\n");
}

function thisMonth(): string {
  return new Date().toISOString().slice(0, 7);
}

export function Billing() {
  const { t, i18n } = useTranslation();
  const scope = useScope();
  const queries = useQueryClient();
  const account = useQuery({
    queryKey: ["firm-account", scope],
    queryFn: async () => must(await billing.GET("/api/v1/billing/account")),
  });
  const prices = useQuery({
    queryKey: ["prices"],
    queryFn: async () => must(await billing.GET("/api/v1/billing/prices")),
  });
  const refresh = () => {
    void queries.invalidateQueries({ queryKey: ["firm-account", scope] });
    void queries.invalidateQueries({ queryKey: ["firm-ledger", scope] });
    void queries.invalidateQueries({ queryKey: ["firm-statement", scope] });
  };
  const blocks = useMutation({
    mutationFn: async (buy: boolean) =>
      must(
        await billing.POST(
          buy ? "/api/v1/billing/storage-blocks" : "/api/v1/billing/storage-blocks/cancellations",
          { body: { quantity: 1, idempotency_key: crypto.randomUUID() } },
        ),
      ),
    onSuccess: refresh,
  });
  const pack = useMutation({
    mutationFn: async (code: string) =>
      must(
        await billing.POST("/api/v1/billing/credit-purchases", {
          body: { pack: code, idempotency_key: crypto.randomUUID() },
        }),
      ),
    onSuccess: refresh,
  });
  if (account.isPending) return <Loading />;
  if (account.error) return <ErrorText error={account.error} />;
  const { storage, balance } = account.data;
  const lang = i18n.language;
  const share = storage.limit ? Math.min(100, (100 * storage.used) / storage.limit) : 0;
  return (
    <>
      <h1>{t("firm.billing.title")}</h1>
      <section aria-labelledby="plan-title" className="panel">
        <h2 id="plan-title">
          {t("firm.billing.plan", { plan: t(`firm.plan.${account.data.plan}`) })}
        </h2>
        <p>
          {t("firm.billing.used", {
            used: formatSize(storage.used, lang),
            limit: formatSize(storage.limit, lang),
          })}
        </p>
        <div className="meter">
          <meter
            min={0}
            max={storage.limit}
            value={storage.used}
            high={storage.limit * 0.8}
            optimum={0}
            aria-label={t("firm.billing.meter", { percent: Math.round(share) })}
          />
          <span className="mark" aria-hidden="true" />
        </div>
        <p className="hint">{t("firm.billing.mark")}</p>
        <p>
          {t("firm.billing.blocks", {
            count: storage.blocks,
            size: formatSize(storage.block_bytes, lang),
          })}
          {prices.data &&
            ` · ${t("firm.billing.blockPrice", { price: formatAmount(prices.data.block_price_ore, lang) })}`}
        </p>
        <div className="row">
          <button type="button" onClick={() => blocks.mutate(true)}>
            {t("firm.billing.buyBlock")}
          </button>
          {storage.blocks > 0 && (
            <button type="button" className="secondary" onClick={() => blocks.mutate(false)}>
              {t("firm.billing.cancelBlock")}
            </button>
          )}
        </div>
        <ErrorText error={blocks.error} />
      </section>
      <section aria-labelledby="credits-title" className="panel">
        <h2 id="credits-title">{t("firm.billing.credits", { count: balance.credits })}</h2>
        <div className="row">
          {(prices.data?.credit_packs ?? []).map((p) => (
            <button
              key={p.pack}
              type="button"
              className="secondary"
              onClick={() => pack.mutate(p.pack)}
            >
              {t("firm.billing.buyPack", {
                count: p.credits,
                price: formatAmount(p.price_ore, lang),
              })}
            </button>
          ))}
        </div>
        <ErrorText error={pack.error} />
        {pack.isSuccess && (
          <p role="status" className="ok">
            {t("firm.billing.bought", { count: pack.data.credits })}
          </p>
        )}
      </section>
      <Ledger />
      <Statements />
    </>
  );
}

function Ledger() {
  const { t, i18n } = useTranslation();
  const ledger = useQuery({
    queryKey: ["firm-ledger", useScope()],
    queryFn: async () =>
      must(await billing.GET("/api/v1/billing/ledger", { params: { query: { limit: 20 } } })),
  });
  return (
    <section aria-labelledby="ledger-title" className="panel">
      <h2 id="ledger-title">{t("firm.billing.ledger")}</h2>
      {ledger.error && <ErrorText error={ledger.error} />}
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t("firm.billing.when")}</th>
            <th scope="col">{t("firm.billing.what")}</th>
            <th scope="col">{t("firm.billing.change")}</th>
          </tr>
        </thead>
        <tbody>
          {(ledger.data?.entries ?? []).map((e) => (
            <tr key={e.id}>
              <td>{formatDate(e.at, i18n.language)}</td>
              <td>{t(`firm.ledger.${e.kind.replace(".", "_")}`, { defaultValue: e.kind })}</td>
              <td>
                {e.bytes ? formatSize(Math.abs(e.bytes), i18n.language) : ""}
                {e.credits ? t("firm.billing.creditChange", { count: e.credits }) : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Statements() {
  const { t, i18n } = useTranslation();
  const [month, setMonth] = useState(thisMonth());
  const statement = useQuery({
    queryKey: ["firm-statement", useScope(), month],
    queryFn: async () =>
      must(
        await billing.GET("/api/v1/billing/statements/{month}", {
          params: { path: { month } },
        }),
      ),
    enabled: /^\d{4}-\d{2}$/.test(month),
  });
  const save = (data: Statement) =>
    saveBlob(new Blob([statementCsv(data)], { type: "text/csv" }), `statement-${data.month}.csv`);
  const lang = i18n.language;
  return (
    <section aria-labelledby="statement-title" className="panel">
      <h2 id="statement-title">{t("firm.billing.statement")}</h2>
      <TextField label={t("firm.billing.month")} type="month" value={month} onChange={setMonth} />
      {statement.error && <ErrorText error={statement.error} />}
      {statement.data && (
        <>
          <table className="table">
            <tbody>
              {statement.data.lines.map((l) => (
                <tr key={`${l.description}-${l.amount_ore}`}>
                  <td>{l.description}</td>
                  <td>{formatAmount(l.amount_ore, lang)}</td>
                </tr>
              ))}
              <tr>
                <th scope="row">{t("firm.billing.subtotal")}</th>
                <td>{formatAmount(statement.data.subtotal_ore, lang)}</td>
              </tr>
              <tr>
                <th scope="row">
                  {t("firm.billing.vat", { percent: statement.data.vat_percent })}
                </th>
                <td>{formatAmount(statement.data.vat_ore, lang)}</td>
              </tr>
              <tr>
                <th scope="row">{t("firm.billing.total")}</th>
                <td>{formatAmount(statement.data.total_ore, lang)}</td>
              </tr>
            </tbody>
          </table>
          <button
            type="button"
            className="secondary"
            onClick={() => statement.data && save(statement.data)}
          >
            {t("firm.billing.download")}
          </button>
        </>
      )}
    </section>
  );
}
