import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useSearchParams } from "react-router";
import { ErrorText, Loading } from "../components/Status";
import { clientChoices, switchTo, useContext, useMe, useSignedIn } from "../lib/auth";

export function ChooseClient() {
  const { t } = useTranslation();
  const me = useMe();
  const context = useContext();
  const signedIn = useSignedIn();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [error, setError] = useState<unknown>(null);
  const next = params.get("next") ?? "/";
  if (me.isPending) return <Loading />;
  const choices = clientChoices(me.data);

  async function choose(firmId: string, clientId: string) {
    try {
      if (context?.firm_id !== firmId || context?.client_id !== clientId) {
        signedIn(await switchTo(firmId, clientId));
      }
      navigate(next.startsWith("/") ? next : "/", { replace: true });
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <section aria-labelledby="choose-title">
      <h1 id="choose-title">{t("choose.title")}</h1>
      <p>{t("choose.intro")}</p>
      <ErrorText error={error} />
      <ul className="cards">
        {choices.map((c) => (
          <li key={`${c.firmId}/${c.clientId}`}>
            <button
              type="button"
              className="card"
              onClick={() => void choose(c.firmId, c.clientId)}
            >
              <strong>{c.name}</strong>
              <span className="muted">{c.firmName}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
