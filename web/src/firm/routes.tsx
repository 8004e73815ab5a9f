// The firm's side of the portal (issue 14): its routes in one block, mounted by App. Its pages
// load only when a staff user opens one, so a customer's first load carries none of them.
import { type ComponentType, lazy, type ReactNode, Suspense } from "react";
import { Route } from "react-router";
import { Loading } from "../components/Status";
// The customer's feed and preferences serve staff as they are (already in the first load).
import { Notifications, Settings } from "../pages/Notifications";
import { RequireStaff } from "./FirmLayout";

/** A page loaded on first use (made once, here, so that its component stays the same). */
function page(load: () => Promise<ComponentType>): ComponentType {
  const Lazy = lazy(async () => ({ default: await load() }));
  return () => (
    <Suspense fallback={<Loading />}>
      <Lazy />
    </Suspense>
  );
}

const SignUp = page(async () => (await import("./SignUp")).SignUp);
const Attention = page(async () => (await import("./Attention")).Attention);
const Clients = page(async () => (await import("./Clients")).Clients);
const NewClient = page(async () => (await import("./NewClient")).NewClient);
const Client = page(async () => (await import("./Client")).Client);
const FirmFolder = page(async () => (await import("./FirmFolder")).FirmFolder);
const FirmDocument = page(async () => (await import("./FirmDocument")).FirmDocument);
const NewSigning = page(async () => (await import("./NewSigning")).NewSigning);
const Signing = page(async () => (await import("./Signing")).Signing);
const Staff = page(async () => (await import("./Staff")).Staff);
const Billing = page(async () => (await import("./Billing")).Billing);
const PortalSettings = page(async () => (await import("./PortalSettings")).PortalSettings);
const Profile = page(async () => (await import("./Profile")).Profile);

/** Pages without a session, inside the public layout. */
export const firmPublicRoutes = <Route path="/sign-up" element={<SignUp />} />;

export function firmRoutes(notFound: ReactNode) {
  return (
    <Route path="/firm" element={<RequireStaff />}>
      <Route index element={<Attention />} />
      <Route path="clients" element={<Clients />} />
      <Route path="clients/new" element={<NewClient />} />
      <Route path="clients/:clientId" element={<Client />} />
      <Route path="folders/:folderId" element={<FirmFolder />} />
      <Route path="documents/:documentId" element={<FirmDocument />} />
      <Route path="documents/:documentId/signing" element={<NewSigning />} />
      <Route path="signings/:signingId" element={<Signing />} />
      <Route path="staff" element={<Staff />} />
      <Route path="billing" element={<Billing />} />
      <Route path="portal" element={<PortalSettings />} />
      <Route path="notifications" element={<Notifications />} />
      <Route path="settings" element={<Settings />} />
      <Route path="profile" element={<Profile />} />
      <Route path="*" element={notFound} />
    </Route>
  );
}
