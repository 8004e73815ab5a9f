// A folder's customer rules: level, audience (all portal contacts or chosen ones), and whether
// the client's primary contact may manage them.
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { type ContactOfClient, fullName } from "./clients";
import { Check, SelectField } from "./fields";
import type { Level } from "./folders";

export type RulesDraft = { level: Level; audience: "all" | string[]; primary_manages: boolean };

export function RulesFields({
  rules,
  onChange,
  contacts,
}: {
  rules: RulesDraft;
  onChange: (rules: RulesDraft) => void;
  contacts: ContactOfClient[];
}) {
  const { t } = useTranslation();
  const group = useId();
  const chosen = rules.audience === "all" ? [] : rules.audience;
  const choose = (id: string, on: boolean) =>
    onChange({ ...rules, audience: on ? [...chosen, id] : chosen.filter((c) => c !== id) });
  return (
    <>
      <SelectField
        label={t("firm.folders.level")}
        value={rules.level}
        onChange={(level) => onChange({ ...rules, level })}
      >
        {(["none", "read", "upload"] as const).map((level) => (
          <option key={level} value={level}>
            {t(`firm.level.${level}`)}
          </option>
        ))}
      </SelectField>
      <fieldset>
        <legend>{t("firm.folders.audience")}</legend>
        <label className="choice">
          <input
            type="radio"
            name={group}
            checked={rules.audience === "all"}
            onChange={() => onChange({ ...rules, audience: "all" })}
          />
          {t("firm.folders.audienceAll")}
        </label>
        <label className="choice">
          <input
            type="radio"
            name={group}
            checked={rules.audience !== "all"}
            onChange={() => onChange({ ...rules, audience: [] })}
          />
          {t("firm.folders.audienceChosen")}
        </label>
        {rules.audience !== "all" &&
          contacts.map((c) => (
            <Check
              key={c.contact_id}
              label={fullName(c.contact)}
              checked={chosen.includes(c.contact_id)}
              onChange={(on) => choose(c.contact_id, on)}
            />
          ))}
      </fieldset>
      <Check
        label={t("firm.folders.primaryManages")}
        checked={rules.primary_manages}
        onChange={(on) => onChange({ ...rules, primary_manages: on })}
      />
    </>
  );
}
