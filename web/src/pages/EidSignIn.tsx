// eID sign-in: the personal number starts an order, confirmed in the eID app; the page asks
// until it is. A person with no email on file gives one before anything else.
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { identity } from "../api/client";
import { ApiError, must } from "../api/problem";
import type { Tokens } from "../api/session";
import { ErrorText } from "../components/Status";

export function EidSignIn({ onTokens }: { onTokens: (tokens: Tokens) => Promise<void> }) {
  const { t } = useTranslation();
  const ids = useId();
  const [number, setNumber] = useState("");
  const [order, setOrder] = useState<string | null>(null);
  const [needsEmail, setNeedsEmail] = useState(false);
  const [email, setEmail] = useState("");
  const [error, setError] = useState<unknown>(null);
  const alive = useRef(true);
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
      setOrder(started.order_ref);
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
      await collect(order, email);
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
        <p role="status" className="notice">
          {t("eid.waiting")}
        </p>
      )}
      <ErrorText error={error} />
      <button type="submit" disabled={order !== null}>
        {t("signIn.submit.eid")}
      </button>
    </form>
  );
}
