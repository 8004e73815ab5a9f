import { useEffect, useState, useSyncExternalStore } from "react";
import { useTranslation } from "react-i18next";
import { BrowserRouter, Link, Navigate, Route, Routes, useLocation } from "react-router";
import { refresh } from "./api/client";
import { session } from "./api/session";
import { Layout, PublicLayout } from "./components/Layout";
import { Loading } from "./components/Status";
import { firmPathFor } from "./firm/FirmLayout";
import { firmPublicRoutes, firmRoutes } from "./firm/routes";
import { tokenOf } from "./lib/fragment";
import {
  AcceptInvitation,
  ConfirmFirm,
  MagicLink,
  Register,
  ResetPassword,
  SecretLink,
  SignIn,
} from "./pages/auth";
import { ChooseClient } from "./pages/ChooseClient";
import { Document } from "./pages/Document";
import { Folder } from "./pages/Folder";
import { Folders } from "./pages/Folders";
import { Home } from "./pages/Home";
import { Notifications, Settings } from "./pages/Notifications";
import { Portal } from "./pages/Portal";
import { Request } from "./pages/Request";
import { Sign, SignedCopy } from "./pages/Sign";
import { Thread, Threads } from "./pages/Thread";
import { Verify } from "./pages/Verify";

/** A page that needs a session: one who is not signed in signs in first, then comes back. */
function RequireSession() {
  const location = useLocation();
  const signedIn = useSyncExternalStore(session.subscribe, session.signedIn, session.signedIn);
  const staff = useSyncExternalStore(
    session.subscribe,
    () => session.context()?.kind === "staff",
    () => false,
  );
  if (!signedIn) {
    return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  }
  if (staff) return <Navigate to={firmPathFor(location.pathname) + location.search} replace />;
  return <Layout />;
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t("notFound.title")}</h1>
      <Link to="/">{t("nav.home")}</Link>
    </section>
  );
}

/** Page titles follow the route, for screen readers and the tab strip. */
function Title() {
  const { t } = useTranslation();
  const location = useLocation();
  const path = location.pathname;
  useEffect(() => {
    document.title = t("app.name");
    // A new page moves the focus to its content, as a page load would (path is the trigger).
    if (path) document.getElementById("main")?.focus({ preventScroll: true });
  }, [path, t]);
  return null;
}

/** A second mailed link opened in the same tab changes only the fragment: load it anew, so
 *  its page reads its own token. */
function useFreshTokenLinks() {
  useEffect(() => {
    const onHash = () => {
      if (tokenOf(window.location.hash)) window.location.reload();
    };
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
}

/** Asked as the script starts, before React renders: the session cookie's access token. */
const booting = typeof window !== "undefined" && !tokenOf(window.location.hash) ? refresh() : null;

export function App() {
  useFreshTokenLinks();
  // A reload keeps the session: the cookie buys a new access token first (a page that is
  // only a mailed link's landing needs none, and starts at once).
  const [ready, setReady] = useState(() => booting === null);
  useEffect(() => {
    if (booting) void booting.finally(() => setReady(true));
  }, []);
  if (!ready) return <Loading />;
  return (
    <BrowserRouter>
      <Title />
      <Routes>
        {/* A firm's portal address: its branded sign-in page (its own layout). */}
        <Route path="/p/:slug" element={<Portal />} />
        <Route element={<PublicLayout />}>
          <Route path="/sign-in" element={<SignIn />} />
          <Route path="/sign-in/link" element={<MagicLink />} />
          <Route path="/register" element={<Register />} />
          <Route path="/invitation" element={<AcceptInvitation />} />
          <Route path="/reset-password" element={<ResetPassword />} />
          <Route path="/sign-up/confirm" element={<ConfirmFirm />} />
          <Route path="/s" element={<SecretLink />} />
          <Route path="/sign" element={<Sign />} />
          <Route path="/signed-copy" element={<SignedCopy />} />
          <Route path="/verify" element={<Verify />} />
          {firmPublicRoutes}
        </Route>
        <Route element={<RequireSession />}>
          <Route index element={<Home />} />
          <Route path="/choose" element={<ChooseClient />} />
          <Route path="/folders" element={<Folders />} />
          <Route path="/folders/:folderId" element={<Folder />} />
          <Route path="/documents/:documentId" element={<Document />} />
          <Route path="/requests/:requestId" element={<Request />} />
          <Route path="/threads" element={<Threads />} />
          <Route path="/threads/:threadId" element={<Thread />} />
          <Route path="/notifications" element={<Notifications />} />
          <Route path="/settings" element={<Settings />} />
          <Route path="*" element={<NotFound />} />
        </Route>
        {/* The firm's side (issue 14): every staff page, under /firm. */}
        {firmRoutes(<NotFound />)}
      </Routes>
    </BrowserRouter>
  );
}
