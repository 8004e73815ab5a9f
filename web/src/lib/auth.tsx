// Who is signed in, as the rest of the app sees it: the session's context and /api/v1/me.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useSyncExternalStore } from "react";
import { identity } from "../api/client";
import { must } from "../api/problem";
import { type Context, session, type Tokens } from "../api/session";

export function useContext(): Context | null {
  return useSyncExternalStore(session.subscribe, session.context, session.context);
}

/** The context as a cache key: switching client or firm never shows the other's data. */
export function contextKey(context: Context | null): string {
  return context ? `${context.firm_id}/${context.client_id ?? "staff"}` : "none";
}

export function useMe() {
  const context = useContext();
  return useQuery({
    queryKey: ["me", contextKey(context)],
    queryFn: async () => must(await identity.GET("/api/v1/me")),
    enabled: context !== null,
  });
}

/** Every client this person may act for, across firms. */
export function clientChoices(me: ReturnType<typeof useMe>["data"]) {
  return (me?.memberships ?? [])
    .filter((membership) => membership.kind === "contact")
    .flatMap((membership) =>
      (membership.clients ?? []).map((client) => ({
        firmId: membership.firm_id,
        firmName: membership.firm_name,
        clientId: client.client_id,
        name: client.name,
      })),
    );
}

export function useSignedIn() {
  const queries = useQueryClient();
  return (tokens: Tokens) => {
    queries.clear();
    session.store(tokens);
  };
}

export async function switchTo(firmId: string, clientId: string): Promise<Tokens> {
  return must(
    await identity.POST("/api/v1/auth/switch", { body: { firm_id: firmId, client_id: clientId } }),
  );
}

/** Ends the session (revoked by identity) and clears its cookie. */
export async function signOut(): Promise<void> {
  await identity.POST("/api/v1/auth/browser/sign-out").catch(() => undefined);
  session.clear();
}
