// Typed clients for the five services, generated from their own OpenAPI documents
// (scripts/api-client). Every call goes to the page's own origin, through the gateway.
import createClient from "openapi-fetch";
import type { paths as BillingPaths } from "./schema/billing";
import type { paths as DocumentsPaths } from "./schema/documents";
import type { paths as IdentityPaths } from "./schema/identity";
import type { paths as NotifyPaths } from "./schema/notify";
import type { paths as SigningPaths } from "./schema/signing";
import { session } from "./session";

/** Asks identity to keep the refresh token in its HttpOnly cookie, never in the body. */
export const BROWSER_MODE = { "X-Session-Mode": "browser" };

let refreshing: Promise<boolean> | null = null;

/** A new access token from the session cookie, once even if many calls ask at once. */
export function refresh(): Promise<boolean> {
  refreshing ??= (async () => {
    const response = await fetch("/api/v1/auth/browser/refresh", {
      method: "POST",
      headers: BROWSER_MODE,
      credentials: "same-origin",
    });
    if (!response.ok) {
      session.clear();
      return false;
    }
    session.store(await response.json());
    return true;
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

function withToken(request: Request): Request {
  const headers = new Headers(request.headers);
  for (const [name, value] of Object.entries(BROWSER_MODE)) headers.set(name, value);
  const token = session.accessToken();
  if (token && !headers.has("Authorization")) headers.set("Authorization", `Bearer ${token}`);
  return new Request(request, { headers });
}

/** fetch with the access token; on a 401 the token is renewed once and the call repeated. */
export async function authorisedFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const first = await fetch(withToken(input));
  if (first.status !== 401 || !session.signedIn() || !(await refresh())) return first;
  return fetch(withToken(retry));
}

const options = { baseUrl: "", fetch: authorisedFetch };

export const identity = createClient<IdentityPaths>(options);
export const documents = createClient<DocumentsPaths>(options);
export const signing = createClient<SigningPaths>(options);
export const notify = createClient<NotifyPaths>(options);
export const billing = createClient<BillingPaths>(options);
