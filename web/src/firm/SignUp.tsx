// Flow 1: a firm signs up on a plan; the owner confirms from the mailed link (/sign-up/confirm).
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { billing, identity } from "../api/client";
import { must } from "../api/problem";
import { ErrorText, Loading } from "../components/Status";
import { formatAmount, formatSize, LANGUAGES, type Language } from "../i18n/format";
import { SelectField, TextField } from "./fields";

export function SignUp() {
  const { t, i18n } = useTranslation();
  const prices = useQuery({
    queryKey: ["prices"],
    queryFn: async () => must(await billing.GET("/api/v1/billing/prices")),
  });
  const [form, setForm] = useState({ name: "", owner_name: "", owner_email: "", country: "SE" });
  const [plan, setPlan] = useState<"partner" | "bureau">("partner");
  const [language, setLanguage] = useState<Language>(
    (LANGUAGES as readonly string[]).includes(i18n.language) ? (i18n.language as Language) : "en",
  );
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useState(false);
  const set = (key: keyof typeof form) => (value: string) => setForm({ ...form, [key]: value });

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      must(
        await identity.POST("/api/v1/firms", {
          body: { ...form, plan, default_language: language },
        }),
      );
      setSent(true);
    } catch (caught) {
      setError(caught);
    }
  }

  if (sent) {
    return (
      <section>
        <h1>{t("firm.signUp.title")}</h1>
        <p role="status" className="notice">
          {t("firm.signUp.sent", { email: form.owner_email })}
        </p>
      </section>
    );
  }
  return (
    <section aria-labelledby="sign-up-title">
      <h1 id="sign-up-title">{t("firm.signUp.title")}</h1>
      <form onSubmit={submit}>
        <TextField
          label={t("firm.signUp.firmName")}
          value={form.name}
          onChange={set("name")}
          required
        />
        <TextField
          label={t("firm.signUp.ownerName")}
          value={form.owner_name}
          onChange={set("owner_name")}
          autoComplete="name"
          required
        />
        <TextField
          label={t("common.email")}
          type="email"
          value={form.owner_email}
          onChange={set("owner_email")}
          autoComplete="email"
          required
        />
        <TextField
          label={t("firm.signUp.country")}
          value={form.country}
          onChange={set("country")}
          required
        />
        <SelectField label={t("firm.signUp.language")} value={language} onChange={setLanguage}>
          {LANGUAGES.map((code) => (
            <option key={code} value={code}>
              {t(`firm.language.${code}`)}
            </option>
          ))}
        </SelectField>
        <fieldset className="panel">
          <legend>{t("firm.signUp.plan")}</legend>
          {prices.isPending ? (
            <Loading />
          ) : prices.error ? (
            <ErrorText error={prices.error} />
          ) : (
            <>
              {prices.data.plans.map((p) => (
                <label key={p.plan} className="choice">
                  <input
                    type="radio"
                    name="plan"
                    value={p.plan}
                    checked={plan === p.plan}
                    onChange={() => setPlan(p.plan)}
                  />
                  {t(`firm.plan.${p.plan}`)} —{" "}
                  {t("firm.signUp.included", { size: formatSize(p.included_bytes, i18n.language) })}
                </label>
              ))}
              <p className="hint">
                {t("firm.signUp.extra", {
                  size: formatSize(prices.data.block_bytes, i18n.language),
                  price: formatAmount(prices.data.block_price_ore, i18n.language),
                })}
              </p>
            </>
          )}
        </fieldset>
        <ErrorText error={error} />
        <button type="submit">{t("firm.signUp.submit")}</button>
      </form>
    </section>
  );
}
