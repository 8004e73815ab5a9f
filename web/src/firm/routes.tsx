// The firm's side of the portal (issue 14): its routes in one block, mounted by App. Its pages
// are in the first load (about 10 KB gzip): loaded lazily, React holds a page revealed after a
// suspension back by 300 ms, and with it the page's first API call (bench.web_firm).
import type { ReactNode } from "react";
import { Route } from "react-router";
// The customer's feed and preferences serve staff as they are (already in the first load).
import { Notifications, Settings } from "../pages/Notifications";
import { Thread } from "../pages/Thread";
import { Attention } from "./Attention";
import { Billing } from "./Billing";
import { Branding } from "./Branding";
import { Client } from "./Client";
import { Clients } from "./Clients";
import { FirmDocument } from "./FirmDocument";
import { FirmFolder } from "./FirmFolder";
import { RequireStaff } from "./FirmLayout";
import { NewClient } from "./NewClient";
import { NewSigning } from "./NewSigning";
import { PortalSettings } from "./PortalSettings";
import { Profile } from "./Profile";
import { FirmRequest } from "./Requests";
import { Signing } from "./Signing";
import { SignUp } from "./SignUp";
import { Staff } from "./Staff";
import { Webhooks } from "./Webhooks";

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
      <Route path="requests/:requestId" element={<FirmRequest />} />
      <Route path="threads/:threadId" element={<Thread firm />} />
      <Route path="staff" element={<Staff />} />
      <Route path="billing" element={<Billing />} />
      <Route path="portal" element={<PortalSettings />} />
      <Route path="webhooks" element={<Webhooks />} />
      <Route path="branding" element={<Branding />} />
      <Route path="notifications" element={<Notifications />} />
      <Route path="settings" element={<Settings />} />
      <Route path="profile" element={<Profile />} />
      <Route path="*" element={notFound} />
    </Route>
  );
}
