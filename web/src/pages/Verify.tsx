// The public verify page: anyone picks a PDF and learns whether this platform sealed it,
// whether it is intact or changed since, when it was sealed and timestamped, and who signed it
// in which order by which method. The file goes to `/api/v1/verify` only; nothing keeps it.
import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { signing } from "../api/client";
import { must } from "../api/problem";
import type { components } from "../api/schema/signing";
import { ErrorText } from "../components/Status";
import { formatDate } from "../i18n/format";

type Verification = components["schemas"]["Verification"];

export function Verify() {
  const { t, i18n } = useTranslation();
  const ids = useId();
  const [file, setFile] = useState<File | null>(null);
  const [answer, setAnswer] = useState<Verification | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const date = (iso?: string | null) => (iso ? formatDate(iso, i18n.language) : "—");

  const check = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setAnswer(null);
    try {
      const sent = await signing.POST("/api/v1/verify", {
        body: file as unknown as string,
        bodySerializer: (body: unknown) => body as Blob,
        headers: { "Content-Type": "application/pdf" },
      });
      setAnswer(must(sent));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby={`${ids}-title`}>
      <h1 id={`${ids}-title`}>{t("verify.title")}</h1>
      <p>{t("verify.intro")}</p>
      <form onSubmit={(event) => void check(event)} className="panel">
        <div className="field">
          <label htmlFor={`${ids}-file`}>{t("verify.file")}</label>
          <input
            id={`${ids}-file`}
            type="file"
            accept="application/pdf,.pdf"
            required
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          />
        </div>
        <button type="submit" disabled={busy || !file}>
          {t("verify.check")}
        </button>
      </form>
      <ErrorText error={error} />
      {answer && (
        <div role="status" className="panel">
          <p className={answer.verdict === "intact" ? "notice" : "error"}>
            <strong>{t(`verify.verdict.${answer.verdict}`)}</strong>
          </p>
          {answer.verdict !== "not_sealed" && (
            <dl>
              <dt>{t("verify.ours")}</dt>
              <dd>{t(answer.sealed_by_platform ? "verify.yes" : "verify.no")}</dd>
              <dt>{t("verify.sealedAt")}</dt>
              <dd>{date(answer.sealed_at)}</dd>
              <dt>{t("verify.timestampedAt")}</dt>
              <dd>
                {date(answer.timestamped_at)}
                {answer.timestamp_authority && ` · ${answer.timestamp_authority}`}
              </dd>
              <dt>{t("verify.longTerm")}</dt>
              <dd>{t(answer.long_term_validation ? "verify.yes" : "verify.no")}</dd>
              {answer.document_name && (
                <>
                  <dt>{t("verify.document")}</dt>
                  <dd>{answer.document_name}</dd>
                </>
              )}
            </dl>
          )}
          {answer.parties && answer.parties.length > 0 && (
            <>
              <h2>{t("verify.parties")}</h2>
              <ol className="list">
                {answer.parties.map((p) => (
                  <li key={`${p.order}-${p.name}-${p.acted_at}`}>
                    {t("verify.party", {
                      name: p.name,
                      order: p.order,
                      method: t(`verify.method.${p.method}`),
                      date: date(p.acted_at),
                    })}
                  </li>
                ))}
              </ol>
            </>
          )}
        </div>
      )}
    </section>
  );
}
