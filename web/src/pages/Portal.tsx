// A firm's portal address, /p/<slug>: its own sign-in page in its branding, offering only the
// sign-in methods the firm chose. An old address (the firm moved in the last 90 days) answers
// the API's lookup with a 301 that fetch follows; the page then shows the current address.
import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router";
import { identity } from "../api/client";
import { ApiError, must } from "../api/problem";
import { useLook } from "../components/Brand";
import { PublicLayout } from "../components/Layout";
import { ErrorText, Loading } from "../components/Status";
import { SignIn } from "./auth";

function usePublicBranding(slug: string) {
  return useQuery({
    queryKey: ["public-branding", slug],
    queryFn: async () =>
      must(await identity.GET("/api/v1/branding/{slug}", { params: { path: { slug } } })),
    retry: false,
  });
}

export function Portal() {
  const { t } = useTranslation();
  const { slug = "" } = useParams();
  const navigate = useNavigate();
  const found = usePublicBranding(slug);
  const current = found.data?.slug;
  useEffect(() => {
    if (current && current !== slug) navigate(`/p/${current}`, { replace: true });
  }, [current, slug, navigate]);
  useLook(found.data);
  if (found.isPending) {
    return (
      <PublicLayout>
        <Loading />
      </PublicLayout>
    );
  }
  if (found.error || !found.data) {
    const missing = found.error instanceof ApiError && found.error.status === 404;
    return (
      <PublicLayout>
        <section>
          <h1>{t(missing ? "portal.notFound" : "errors.server")}</h1>
          {!missing && <ErrorText error={found.error} />}
          <Link to="/sign-in">{t("portal.platformSignIn")}</Link>
        </section>
      </PublicLayout>
    );
  }
  const brand = { ...found.data, name: found.data.display_name };
  return (
    <PublicLayout brand={brand}>
      <SignIn
        methods={found.data.sign_in_methods}
        title={t("portal.title", { firm: found.data.display_name })}
      />
    </PublicLayout>
  );
}
