// The signing party's page, reached from the signing mail's `/sign#token=` link, with or
// without an account: read the document, authenticate by the party's method, sign or decline.
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, lazy, Suspense, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { signing } from "../api/client";
import { ApiError, must } from "../api/problem";
import { ErrorText, Loading } from "../components/Status";
import { formatDate } from "../i18n/format";
import { takeToken } from "../lib/fragment";

const PdfPreview = lazy(() => import("../components/PdfPreview"));

async function bytes(path: string): Promise<ArrayBuffer> {
  const response = await fetch(path);
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => ({})));
  return response.arrayBuffer();
}

function saveAs(data: ArrayBuffer, name: string, type: string) {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function Sign() {
  const { t, i18n } = useTranslation();
  const [token] = useState(() => takeToken() ?? "");
  const path = { params: { path: { token } } };
  const [pdf, setPdf] = useState<ArrayBuffer | null>(null);
  const [typedName, setTypedName] = useState("");
  const [code, setCode] = useState("");
  const [codeSent, setCodeSent] = useState(false);
  const [signingSession, setSigningSession] = useState<string | null>(null);
  const [reason, setReason] = useState("");
  const [declining, setDeclining] = useState(false);
  const [outcome, setOutcome] = useState<"signed" | "declined" | null>(null);
  const [error, setError] = useState<unknown>(null);
  const ids = useId();

  const view = useQuery({
    queryKey: ["party", token],
    queryFn: async () => must(await signing.GET("/api/v1/sign/{token}", path)),
    enabled: token !== "",
    retry: false,
  });

  if (!token) return <ErrorText error={new ApiError(410, {})} />;
  if (view.isPending) return <Loading />;
  if (view.error) {
    return (
      <section>
        <h1>{t("sign.title")}</h1>
        <ErrorText error={view.error} />
      </section>
    );
  }
  const party = view.data;
  const needsCode = party.method === "email_otp" && !signingSession && !party.authenticated;

  async function run(action: () => Promise<void>) {
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(caught);
    }
  }
  const sendCode = () =>
    run(async () => {
      must(await signing.POST("/api/v1/sign/{token}/code", path));
      setCodeSent(true);
    });
  const verify = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const answer = must(
        await signing.POST("/api/v1/sign/{token}/code/verify", { ...path, body: { code } }),
      );
      setSigningSession(answer.session);
    });
  };
  const sign = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      must(
        await signing.POST("/api/v1/sign/{token}/sign", {
          ...path,
          body: { typed_name: typedName || null },
          headers: signingSession ? { "X-Signing-Session": signingSession } : {},
        }),
      );
      setOutcome("signed");
    });
  };
  const decline = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      must(await signing.POST("/api/v1/sign/{token}/decline", { ...path, body: { reason } }));
      setOutcome("declined");
    });
  };

  if (outcome) {
    return (
      <section>
        <h1>{party.document_name}</h1>
        <p role="status" className="notice">
          {t(outcome === "signed" ? "sign.done" : "sign.declined")}
        </p>
      </section>
    );
  }

  return (
    <section aria-labelledby={`${ids}-title`}>
      <h1 id={`${ids}-title`}>{t("sign.title")}</h1>
      <p>
        <strong>{party.document_name}</strong>
      </p>
      {party.message && <blockquote>{party.message}</blockquote>}
      <p className="muted">
        {t("sign.expires", { date: formatDate(party.expires_at, i18n.language) })}
      </p>
      <h2>{t("sign.parties")}</h2>
      <ul className="list">
        {party.parties.map((p) => (
          <li key={`${p.order}-${p.name}`}>
            {p.name} · {t(`sign.role.${p.role}`)} · {t(`sign.status.${p.status}`)}
          </li>
        ))}
      </ul>
      <div className="row">
        <button
          type="button"
          className="secondary"
          onClick={() =>
            void run(async () => setPdf(await bytes(`/api/v1/sign/${token}/document`)))
          }
        >
          {t("sign.read")}
        </button>
        {party.attachments.map((a, index) => (
          <button
            key={a.name}
            type="button"
            className="link"
            onClick={() =>
              void run(async () =>
                saveAs(
                  await bytes(`/api/v1/sign/${token}/attachments/${index}`),
                  a.name,
                  "application/octet-stream",
                ),
              )
            }
          >
            {t("sign.attachment", { name: a.name })}
          </button>
        ))}
      </div>
      {pdf && (
        <Suspense fallback={<Loading />}>
          <PdfPreview data={pdf} />
        </Suspense>
      )}
      <ErrorText error={error} />
      {!party.may_act_now ? (
        <p className="notice">{t("sign.notYet")}</p>
      ) : needsCode ? (
        <div className="panel">
          <h2>{t("sign.codeTitle")}</h2>
          {!codeSent ? (
            <button type="button" onClick={() => void sendCode()}>
              {t("sign.sendCode")}
            </button>
          ) : (
            <form onSubmit={verify}>
              <div className="field">
                <label htmlFor={`${ids}-code`}>{t("sign.code")}</label>
                <input
                  id={`${ids}-code`}
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  value={code}
                  onChange={(e) => setCode(e.target.value)}
                />
              </div>
              <button type="submit">{t("sign.verify")}</button>
            </form>
          )}
        </div>
      ) : party.method === "eid" && !party.authenticated ? (
        <p className="notice">{t("sign.eidNotHere")}</p>
      ) : (
        <form onSubmit={sign} className="panel">
          <div className="field">
            <label htmlFor={`${ids}-name`}>{t("sign.typedName")}</label>
            <input
              id={`${ids}-name`}
              value={typedName}
              autoComplete="name"
              required
              onChange={(e) => setTypedName(e.target.value)}
            />
          </div>
          <button type="submit">
            {t(party.you.role === "approver" ? "sign.approve" : "sign.sign")}
          </button>
        </form>
      )}
      {party.may_act_now && (
        <div className="panel">
          {!declining ? (
            <button type="button" className="danger" onClick={() => setDeclining(true)}>
              {t("sign.decline")}
            </button>
          ) : (
            <form onSubmit={decline}>
              <div className="field">
                <label htmlFor={`${ids}-reason`}>{t("sign.reason")}</label>
                <textarea
                  id={`${ids}-reason`}
                  required
                  value={reason}
                  onChange={(e) => setReason(e.target.value)}
                />
              </div>
              <button type="submit" className="danger">
                {t("sign.confirmDecline")}
              </button>
            </form>
          )}
        </div>
      )}
    </section>
  );
}

export function SignedCopy() {
  const { t } = useTranslation();
  const [token] = useState(() => takeToken() ?? "");
  const [error, setError] = useState<unknown>(token ? null : new ApiError(410, {}));
  return (
    <section>
      <h1>{t("signedCopy.title")}</h1>
      <p>{t("signedCopy.intro")}</p>
      <ErrorText error={error} />
      <button
        type="button"
        disabled={!token}
        onClick={() =>
          bytes(`/api/v1/sign/${token}/copy`)
            .then((data) => saveAs(data, "signed.pdf", "application/pdf"))
            .catch(setError)
        }
      >
        {t("signedCopy.download")}
      </button>
    </section>
  );
}
