// Signing in: password, a one-time email link, invitation links, password reset, secret link.
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useNavigate } from "react-router";
import { identity } from "../api/client";
import { ApiError, must, problemKey } from "../api/problem";
import type { Tokens } from "../api/session";
import { NewPassword } from "../components/PasswordField";
import { ErrorText, Loading } from "../components/Status";
import { adoptLanguage } from "../i18n";
import { useSignedIn } from "../lib/auth";
import { takeToken } from "../lib/fragment";
import { afterSignIn } from "../lib/landing";
import { passwordProblem } from "../lib/password";
import { EidSignIn } from "./EidSignIn";

function useFrom(): string | null {
  const location = useLocation();
  const state = location.state as { from?: string } | null;
  return state?.from ?? new URLSearchParams(location.search).get("next");
}

/** Store the tokens, then go on: to the chooser when several clients are open to this person. */
function useLand() {
  const signedIn = useSignedIn();
  const navigate = useNavigate();
  return async (tokens: Tokens, from: string | null) => {
    signedIn(tokens);
    const me = await identity.GET("/api/v1/me");
    const count = (me.data?.memberships ?? [])
      .filter((m) => m.kind === "contact")
      .reduce((sum, m) => sum + (m.clients?.length ?? 0), 0);
    navigate(afterSignIn(from, count), { replace: true });
  };
}

function Field(props: {
  label: string;
  type: string;
  value: string;
  onChange: (value: string) => void;
  autoComplete?: string;
  hint?: string;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type={props.type}
        value={props.value}
        autoComplete={props.autoComplete}
        required
        aria-describedby={props.hint ? `${id}-hint` : undefined}
        onChange={(event) => props.onChange(event.target.value)}
      />
      {props.hint && (
        <p id={`${id}-hint`} className="hint">
          {props.hint}
        </p>
      )}
    </div>
  );
}

type Mode = "password" | "link" | "reset" | "eid";
const EVERY_MODE: Mode[] = ["password", "link", "eid", "reset"];

/** The ways in a firm's chosen sign-in methods leave on its portal page (`reset` goes with
 *  the password); every way on the platform's own sign-in page. */
export function modesFor(methods: string[] | undefined): Mode[] {
  if (!methods) return EVERY_MODE;
  const offered: Record<Mode, boolean> = {
    password: methods.includes("password"),
    link: methods.includes("magic_link"),
    eid: methods.includes("eid"),
    reset: methods.includes("password"),
  };
  return EVERY_MODE.filter((mode) => offered[mode]);
}

export function SignIn({ methods, title }: { methods?: string[]; title?: string } = {}) {
  const { t } = useTranslation();
  const from = useFrom();
  const land = useLand();
  const modes = modesFor(methods);
  const [mode, setMode] = useState<Mode>(modes[0] ?? "password");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  // A staff account with TOTP on: the password was right, the code finishes the sign-in.
  const [challenge, setChallenge] = useState<string | null>(null);
  const [code, setCode] = useState("");

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      if (challenge) {
        await land(
          must(await identity.POST("/api/v1/auth/totp/verify", { body: { challenge, code } })),
          from,
        );
      } else if (mode === "password") {
        await land(
          must(await identity.POST("/api/v1/auth/sign-in", { body: { email, password } })),
          from,
        );
      } else {
        const path = mode === "link" ? "/api/v1/auth/magic-link" : "/api/v1/auth/password-reset";
        must(await identity.POST(path, { body: { email } }));
        setSent(true);
      }
    } catch (caught) {
      const waiting = totpChallenge(caught);
      if (waiting && !challenge) setChallenge(waiting);
      else setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">{title ?? t("signIn.title")}</h1>
      {modes.length === 0 && <p className="notice">{t("portal.secretOnly")}</p>}
      {methods?.includes("secret_link") && modes.length > 0 && (
        <p className="hint">{t("portal.secretToo")}</p>
      )}
      {modes.length > 0 && (
        <>
          <fieldset className="tabs">
            <legend className="visually-hidden">{t("signIn.how")}</legend>
            {modes.map((m) => (
              <button
                key={m}
                type="button"
                aria-pressed={mode === m}
                onClick={() => {
                  setMode(m);
                  setSent(false);
                  setError(null);
                }}
              >
                {t(`signIn.mode.${m}`)}
              </button>
            ))}
          </fieldset>
          {mode === "eid" ? (
            <EidSignIn onTokens={(tokens) => land(tokens, from)} />
          ) : sent ? (
            <p role="status" className="notice">
              {t(mode === "link" ? "signIn.linkSent" : "signIn.resetSent", { email })}
            </p>
          ) : (
            <form onSubmit={submit} noValidate={false}>
              <Field
                label={t("common.email")}
                type="email"
                autoComplete="username"
                value={email}
                onChange={setEmail}
              />
              {mode === "password" && (
                <Field
                  label={t("common.password")}
                  type="password"
                  autoComplete="current-password"
                  value={password}
                  onChange={setPassword}
                />
              )}
              {challenge && (
                <Field
                  label={t("firm.signIn.totp")}
                  type="text"
                  autoComplete="one-time-code"
                  value={code}
                  onChange={setCode}
                  hint={t("firm.signIn.totpHint")}
                />
              )}
              <ErrorText error={error} />
              <button type="submit" disabled={busy}>
                {t(`signIn.submit.${mode}`)}
              </button>
            </form>
          )}
        </>
      )}
    </section>
  );
}

/** The `challenge` of a 401 that waits for the TOTP code, if that is what failed. */
function totpChallenge(error: unknown): string | null {
  if (!(error instanceof ApiError) || error.status !== 401 || error.field !== "totp") return null;
  const challenge = (error.problem as { challenge?: unknown }).challenge;
  return typeof challenge === "string" ? challenge : null;
}

/** A page that trades the fragment's token for a session once, as it opens. */
function useTokenExchange(exchange: (token: string) => Promise<Tokens>) {
  const land = useLand();
  const from = useFrom();
  const [error, setError] = useState<unknown>(null);
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const token = takeToken();
    if (!token) {
      setError(new ApiError(410, {}));
      return;
    }
    exchange(token)
      .then((tokens) => land(tokens, from))
      .catch(setError);
  }, [exchange, land, from]);
  return error;
}

const magic = async (token: string) =>
  must(await identity.POST("/api/v1/auth/magic-link/sign-in", { body: { token } }));
const secret = async (token: string) =>
  must(await identity.POST("/api/v1/auth/secret-link/sign-in", { body: { token } }));

function Exchanging({ title, exchange }: { title: string; exchange: typeof magic }) {
  const { t } = useTranslation();
  const error = useTokenExchange(exchange);
  return (
    <section>
      <h1>{t(title)}</h1>
      {error ? (
        <>
          <ErrorText error={error} />
          <Link to="/sign-in">{t("signIn.again")}</Link>
        </>
      ) : (
        <Loading />
      )}
    </section>
  );
}

export const MagicLink = () => <Exchanging title="signIn.linkTitle" exchange={magic} />;
export const SecretLink = () => <Exchanging title="signIn.secretTitle" exchange={secret} />;

/** A form that sets a password with a mailed token: registration, reset, firm sign-up. */
function SetPassword({
  title,
  intro,
  path,
  successStatus,
  email,
  children,
}: {
  title: string;
  intro: string;
  path: "/api/v1/auth/register" | "/api/v1/auth/password-reset/complete" | "/api/v1/firms/confirm";
  successStatus?: string;
  /** The account's address, when known: shown, and offered to password managers. */
  email?: string;
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  const land = useLand();
  const [token] = useState(() => takeToken());
  const [password, setPassword] = useState("");
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (passwordProblem(password)) return;
    setError(null);
    try {
      const answer = await identity.POST(path, { body: { token: token ?? "", password } });
      const data = must(answer) as Tokens | { tokens?: Tokens } | null;
      const tokens = data && "tokens" in data ? data.tokens : (data as Tokens | null);
      if (tokens?.access_token) await land(tokens, null);
      else setDone(true);
    } catch (caught) {
      setError(caught);
    }
  }

  if (!token) return <ErrorText error={new ApiError(410, {})} />;
  if (done) {
    return (
      <section>
        <h1>{t(title)}</h1>
        <p role="status">{t(successStatus ?? "password.changed")}</p>
        <Link to="/sign-in">{t("signIn.title")}</Link>
      </section>
    );
  }
  return (
    <section aria-labelledby="set-password-title">
      <h1 id="set-password-title">{t(title)}</h1>
      {children}
      <p>{t(intro)}</p>
      <form onSubmit={submit}>
        {email && (
          <div className="field">
            <label htmlFor="set-password-email">{t("common.email")}</label>
            <input
              id="set-password-email"
              type="email"
              autoComplete="username"
              readOnly
              value={email}
            />
          </div>
        )}
        <NewPassword
          value={password}
          touched={touched}
          onChange={(value) => {
            setPassword(value);
            if (touched) setError(null);
          }}
        />
        {error instanceof ApiError && error.field === "password" ? (
          <p className="error" role="alert">
            {t(problemKey(error), { count: 15 })}
          </p>
        ) : (
          <ErrorText error={error} />
        )}
        <button type="submit">{t("password.submit")}</button>
      </form>
    </section>
  );
}

/** The invitation's page: the address and firm it was sent for, then a password; an address
 * that already has an account accepts with it instead. */
export function Register() {
  const { t } = useTranslation();
  const [token] = useState(() => takeToken());
  const details = useQuery({
    queryKey: ["invitation", token],
    queryFn: async () =>
      must(
        await identity.POST("/api/v1/auth/invitation/details", { body: { token: token ?? "" } }),
      ),
    enabled: token !== null,
    retry: false,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const language = details.data?.language;
  useEffect(() => {
    if (language) adoptLanguage(language);
  }, [language]);

  if (token === null || details.error) {
    return (
      <section>
        <h1>{t("register.title")}</h1>
        <ErrorText error={details.error ?? new ApiError(410, {})} />
        <Link to="/sign-in">{t("signIn.title")}</Link>
      </section>
    );
  }
  if (details.isPending) return <Loading />;
  if (details.data.has_account) return <AcceptInvitation />;
  return (
    <SetPassword
      title="register.title"
      intro="register.intro"
      path="/api/v1/auth/register"
      email={details.data.email}
    >
      <p>{t("register.firm", { firm: details.data.firm_name })}</p>
    </SetPassword>
  );
}
export const ResetPassword = () => (
  <SetPassword
    title="reset.title"
    intro="reset.intro"
    path="/api/v1/auth/password-reset/complete"
  />
);
export const ConfirmFirm = () => (
  <SetPassword title="firmConfirm.title" intro="firmConfirm.intro" path="/api/v1/firms/confirm" />
);

/** An invitation to an email that already has an account: accept it with that account. */
export function AcceptInvitation() {
  const { t } = useTranslation();
  const land = useLand();
  const [token] = useState(() => takeToken());
  const [error, setError] = useState<unknown>(null);
  async function accept() {
    setError(null);
    try {
      await land(
        must(
          await identity.POST("/api/v1/auth/invitation/accept", { body: { token: token ?? "" } }),
        ),
        null,
      );
    } catch (caught) {
      setError(caught);
    }
  }
  return (
    <section>
      <h1>{t("invitation.title")}</h1>
      <p>{t("invitation.intro")}</p>
      <ErrorText error={error} />
      <button type="button" onClick={() => void accept()} disabled={!token}>
        {t("invitation.accept")}
      </button>
    </section>
  );
}
