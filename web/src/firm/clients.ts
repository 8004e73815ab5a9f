// The firm's clients and their contacts, as the firm's pages read them (identity's API).
import { useQuery } from "@tanstack/react-query";
import { identity } from "../api/client";
import { must } from "../api/problem";
import type { components } from "../api/schema/identity";
import { contextKey, useContext } from "../lib/auth";

export type Contact = components["schemas"]["ContactOut"];
export type Relationship = components["schemas"]["Relationship"];
export type ContactOfClient = Relationship & { contact: Contact };

export function useScope(): string {
  return contextKey(useContext());
}

export function useClient(clientId: string) {
  const scope = useScope();
  return useQuery({
    queryKey: ["firm-client", scope, clientId],
    queryFn: async () =>
      must(
        await identity.GET("/api/v1/clients/{client_id}", {
          params: { path: { client_id: clientId } },
        }),
      ),
    enabled: clientId !== "",
  });
}

/** The client's contacts with their details (one read per contact: a client has a handful). */
export function useContactsOf(clientId: string) {
  const scope = useScope();
  return useQuery({
    queryKey: ["firm-contacts", scope, clientId],
    queryFn: async (): Promise<ContactOfClient[]> => {
      const links = must(
        await identity.GET("/api/v1/clients/{client_id}/contacts", {
          params: { path: { client_id: clientId } },
        }),
      ).items;
      return Promise.all(
        links.map(async (link) => ({
          ...link,
          contact: must(
            await identity.GET("/api/v1/contacts/{contact_id}", {
              params: { path: { contact_id: link.contact_id } },
            }),
          ),
        })),
      );
    },
    enabled: clientId !== "",
  });
}

export function fullName(contact: { first_name: string; last_name: string }): string {
  return `${contact.first_name} ${contact.last_name}`.trim();
}
