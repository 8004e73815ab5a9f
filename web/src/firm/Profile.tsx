// Flow 1's second factor: a staff user turns TOTP on (the secret for an authenticator app,
// confirmed by a code) and off (a code and the password).
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { identity } from "../api/client";
import { must } from "../api/problem";
import { ErrorText } from "../components/Status";
import { useMe } from "../lib/auth";
import { TextField } from "./fields";

export function Profile() {
  const { t } = useTranslation();
  const me = useMe();
  return (
    <>
      <h1>{t("firm.profile.title")}</h1>
      <p>{me.data?.email}</p>
      <p>
        <Link to="/firm/settings">{t("firm.profile.notifications")}</Link>
      </p>
      {/* The form for what can be done now; each keeps its outcome shown until the next visit. */}
      {me.data?.totp_enabled === false && <TotpOn />}
      {me.data?.totp_enabled && <TotpOff />}
    </>
  );
}

function TotpOn() {
  const { t } = useTranslation();
  const [code, setCode] = useState("");
  const start = useMutation({
    mutationFn: async () => must(await identity.POST("/api/v1/auth/totp")),
  });
  const confirm = useMutation({
    mutationFn: async () =>
      must(await identity.POST("/api/v1/auth/totp/confirm", { body: { code } })),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    confirm.mutate();
  }
  return (
    <section aria-labelledby="totp-on" className="panel">
      <h2 id="totp-on">{t("firm.profile.on")}</h2>
      {confirm.isSuccess ? (
        <p role="status" className="ok">
          {t("firm.profile.isOn")}
        </p>
      ) : start.data ? (
        <form onSubmit={submit}>
          <p>{t("firm.profile.scan")}</p>
          <p>
            <code data-testid="totp-secret">{start.data.secret}</code>
          </p>
          <TextField
            label={t("firm.profile.code")}
            value={code}
            onChange={setCode}
            autoComplete="one-time-code"
            required
          />
          <ErrorText error={confirm.error} />
          <button type="submit">{t("firm.profile.confirm")}</button>
        </form>
      ) : (
        <>
          <ErrorText error={start.error} />
          <button type="button" onClick={() => start.mutate()}>
            {t("firm.profile.start")}
          </button>
        </>
      )}
    </section>
  );
}

function TotpOff() {
  const { t } = useTranslation();
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const off = useMutation({
    mutationFn: async () =>
      must(await identity.DELETE("/api/v1/auth/totp", { body: { code, password } })),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    off.mutate();
  }
  return (
    <form onSubmit={submit} className="panel" aria-labelledby="totp-off">
      <h2 id="totp-off">{t("firm.profile.off")}</h2>
      <TextField
        label={t("firm.profile.code")}
        value={code}
        onChange={setCode}
        autoComplete="one-time-code"
        required
      />
      <TextField
        label={t("common.password")}
        type="password"
        value={password}
        onChange={setPassword}
        autoComplete="current-password"
        required
      />
      <ErrorText error={off.error} />
      <button type="submit" className="danger">
        {t("firm.profile.turnOff")}
      </button>
      {off.isSuccess && (
        <p role="status" className="ok">
          {t("firm.profile.isOff")}
        </p>
      )}
    </form>
  );
}
