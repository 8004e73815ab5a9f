/** A link from a notification as a path in this app (the services write absolute URLs). */
export function portalPath(link: string, origin = globalThis.location?.origin ?? ""): string {
  if (link.startsWith("/") && !link.startsWith("//")) return link;
  try {
    const url = new URL(link);
    if (!origin || url.origin === origin || url.pathname.startsWith("/")) {
      return `${url.pathname}${url.search}${url.hash}`;
    }
  } catch {
    // not a URL: fall through
  }
  return "/";
}
