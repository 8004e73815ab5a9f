// eID sign-in: the personal number starts an order, confirmed in the eID app; the page asks
// until it is. A person with no email on file gives one before anything else.
import { type FormEvent, lazy, Suspense, useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { identity } from "../api/client";
import { ApiError, must } from "../api/problem";
import type { Tokens } from "../api/session";
import { ErrorText } from "../components/Status";

const QrCode = lazy(() => import("../components/QrCode"));

type Order = { order_ref: string; auto_start_token?: string | null };

/** The QR data of a pending order, renewed every second (BankID's code changes each second,
 * so a photo of the screen is soon worthless); null once there is none to show. */
function useQrData(orderRef: string | null): string | null {
  const [data, setData] = useState<string | null>(null);
  useEffect(() => {
    if (!orderRef) {
      setData(null);
      return;
    }
    let live = true;
    async function renew() {
      const answer = await identity.POST("/api/v1/auth/eid/qr", {
        body: { order_ref: orderRef ?? "" },
      });
      if (live) setData(answer.data?.qr_data ?? null);
    }
    void renew();
    const timer = setInterval(() => void renew(), 1000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [orderRef]);
  return data;
}

/** BankID's own app on this device, started for this order. */
export function autostartUrl(token: string): string {
  return `bankid:///?autostarttoken=${encodeURIComponent(token)}&redirect=null`;
}

export function EidSignIn({ onTokens }: { onTokens: (tokens: Tokens) => Promise<void> }) {
  const { t } = useTranslation();
  const ids = useId();
  const [number, setNumber] = useState("");
  const [order, setOrder] = useState<Order | null>(null);
  const [needsEmail, setNeedsEmail] = useState(false);
  const [email, setEmail] = useState("");
  const [error, setError] = useState<unknown>(null);
  const alive = useRef(true);
  const qrData = useQrData(order && !needsEmail ? order.order_ref : null);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );

  /** Ask until the order is confirmed (or refused, or an email is wanted). */
  async function collect(orderRef: string, withEmail?: string) {
    while (alive.current) {
      const answer = await identity.POST("/api/v1/auth/eid/collect", {
        body: { order_ref: orderRef, email: withEmail ?? null },
      });
      if (answer.response.status === 422 && answer.error?.field === "email") {
        setNeedsEmail(true);
        return;
      }
      const result = must(answer);
      if (result.status === "complete" && result.tokens) {
        await onTokens(result.tokens);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  async function start(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const started = must(
        await identity.POST("/api/v1/auth/eid/start", { body: { personal_number: number } }),
      );
      setOrder(started);
      await collect(started.order_ref);
    } catch (caught) {
      setOrder(null);
      setError(caught);
    }
  }

  async function giveEmail(event: FormEvent) {
    event.preventDefault();
    if (!order) return;
    setError(null);
    try {
      await collect(order.order_ref, email);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, {}));
    }
  }

  if (needsEmail) {
    return (
      <form onSubmit={giveEmail}>
        <p>{t("eid.emailNeeded")}</p>
        <div className="field">
          <label htmlFor={`${ids}-email`}>{t("common.email")}</label>
          <input
            id={`${ids}-email`}
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <ErrorText error={error} />
        <button type="submit">{t("eid.continue")}</button>
      </form>
    );
  }
  return (
    <form onSubmit={start}>
      <div className="field">
        <label htmlFor={`${ids}-number`}>{t("eid.number")}</label>
        <input
          id={`${ids}-number`}
          inputMode="numeric"
          autoComplete="off"
          required
          value={number}
          aria-describedby={`${ids}-hint`}
          onChange={(e) => setNumber(e.target.value)}
        />
        <p id={`${ids}-hint`} className="hint">
          {t("eid.hint")}
        </p>
      </div>
      {order && (
        <div className="eid-order">
          <p role="status" className="notice">
            {t("eid.waiting")}
          </p>
          {order.auto_start_token && (
            <a className="button" href={autostartUrl(order.auto_start_token)}>
              {t("eid.openApp")}
            </a>
          )}
          {qrData && (
            <>
              <p>{t("eid.scan")}</p>
              <Suspense fallback={null}>
                <QrCode data={qrData} label={t("eid.qr")} />
              </Suspense>
            </>
          )}
        </div>
      )}
      <ErrorText error={error} />
      <button type="submit" disabled={order !== null}>
        {t("signIn.submit.eid")}
      </button>
    </form>
  );
}
