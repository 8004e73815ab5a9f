// The signed-in staff user's role at the firm of the token, as /api/v1/me tells it. The pages
// offer a control only where the API would allow it (ARCHITECTURE §4): owners and admins
// administer the firm; members work on the clients assigned to them.
import { useContext, useMe } from "../lib/auth";

export type Role = "owner" | "admin" | "member";

export function useRole(): Role | null {
  const context = useContext();
  const me = useMe();
  const membership = me.data?.memberships.find(
    (m) => m.kind === "staff" && m.firm_id === context?.firm_id,
  );
  return membership?.role ?? null;
}

export function administers(role: Role | null): boolean {
  return role === "owner" || role === "admin";
}
