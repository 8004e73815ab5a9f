// Where a person goes once signed in: the page a link named, or the client chooser first
// when they may act for several clients.
export function afterSignIn(from: string | null | undefined, clientCount: number): string {
  const next = from?.startsWith("/") && !from.startsWith("//") ? from : "/";
  if (clientCount > 1) return `/choose?next=${encodeURIComponent(next)}`;
  return next;
}
