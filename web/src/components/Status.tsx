import { useTranslation } from "react-i18next";
import { problemKey } from "../api/problem";

/** A failure in words, announced to screen readers. */
export function ErrorText({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {t(problemKey(error))}
    </p>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="muted" role="status">
      {t("common.loading")}
    </p>
  );
}
