import { useId } from "react";
import { useTranslation } from "react-i18next";
import { MIN_PASSWORD, passwordProblem } from "../lib/password";

/** A new password with the NIST rule said before submitting, and the server's word after. */
export function NewPassword({
  value,
  onChange,
  touched,
}: {
  value: string;
  onChange: (value: string) => void;
  touched: boolean;
}) {
  const { t } = useTranslation();
  const id = useId();
  const problem = touched ? passwordProblem(value) : null;
  return (
    <div className="field">
      <label htmlFor={id}>{t("password.new")}</label>
      <input
        id={id}
        type="password"
        autoComplete="new-password"
        value={value}
        required
        aria-describedby={`${id}-hint`}
        aria-invalid={problem !== null}
        onChange={(event) => onChange(event.target.value)}
      />
      <p id={`${id}-hint`} className={problem ? "error" : "hint"}>
        {problem
          ? t(problem, { count: MIN_PASSWORD })
          : t("password.hint", { count: MIN_PASSWORD })}
      </p>
    </div>
  );
}
