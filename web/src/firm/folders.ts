// Folders of a client as the firm sees them, and who at the customer each one admits.
import { useQuery } from "@tanstack/react-query";
import { documents } from "../api/client";
import { must } from "../api/problem";
import type { components } from "../api/schema/documents";
import { type ContactOfClient, fullName, useScope } from "./clients";

export type Folder = components["schemas"]["FolderOut"];
export type Rules = components["schemas"]["RulesOut"];
export type Level = "none" | "read" | "upload";

export function useFolders(clientId: string) {
  const scope = useScope();
  return useQuery({
    queryKey: ["firm-folders", scope, clientId],
    queryFn: async () =>
      must(
        await documents.GET("/api/v1/clients/{client_id}/folders", {
          params: { path: { client_id: clientId } },
        }),
      ).folders,
    enabled: clientId !== "",
  });
}

/** The names of the customer's people a folder admits: none below level `read`; else the
 *  portal contacts, all of them or the chosen ones (documents' rule, ARCHITECTURE §5). */
export function admitted(rules: Rules, contacts: ContactOfClient[]): string[] {
  if (rules.level === "none") return [];
  const chosen = rules.audience === "all" ? null : new Set(rules.audience);
  return contacts
    .filter((c) => c.contact.portal_access && (chosen === null || chosen.has(c.contact_id)))
    .map((c) => fullName(c.contact));
}

/** Folders in tree order (each parent before its children), with their depth. */
export function tree(folders: Folder[]): { folder: Folder; depth: number }[] {
  const children = new Map<string | null, Folder[]>();
  for (const folder of folders) {
    const siblings = children.get(folder.parent_id ?? null) ?? [];
    siblings.push(folder);
    children.set(folder.parent_id ?? null, siblings);
  }
  const known = new Set(folders.map((f) => f.id));
  const out: { folder: Folder; depth: number }[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const folder of children.get(parent) ?? []) {
      out.push({ folder, depth });
      walk(folder.id, depth + 1);
    }
  };
  walk(null, 0);
  // A subfolder whose parent this user cannot see still shows, at the top.
  for (const folder of folders) {
    if (folder.parent_id && !known.has(folder.parent_id)) {
      out.push({ folder, depth: 0 });
      walk(folder.id, 1);
    }
  }
  return out;
}
