// Typed clients for the five services, generated from their own OpenAPI documents
// (scripts/api-client). Every call goes to the page's own origin, through the gateway.
import createClient from "openapi-fetch";
import type { paths as BillingPaths } from "./schema/billing";
import type { paths as DocumentsPaths } from "./schema/documents";
import type { paths as IdentityPaths } from "./schema/identity";
import type { paths as NotifyPaths } from "./schema/notify";
import type { paths as SigningPaths } from "./schema/signing";
import { session } from "./session";

let refreshing: Promise<boolean> | null = null;

/** Trade the stored refresh token for new tokens, once even if many calls ask at once. */
export function refresh(): Promise<boolean> {
  refreshing ??= (async () => {
    const token = session.refreshToken();
    if (!token) return false;
    const response = await fetch("/api/v1/auth/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: token }),
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
  const token = session.accessToken();
  if (!token || request.headers.has("Authorization")) return request;
  const headers = new Headers(request.headers);
  headers.set("Authorization", `Bearer ${token}`);
  return new Request(request, { headers });
}

/** fetch with the access token; on a 401 the token is renewed once and the call repeated. */
export async function authorisedFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const first = await fetch(withToken(input));
  if (first.status !== 401 || !session.refreshToken() || !(await refresh())) return first;
  return fetch(withToken(retry));
}

const options = { baseUrl: "", fetch: authorisedFetch };

export const identity = createClient<IdentityPaths>(options);
export const documents = createClient<DocumentsPaths>(options);
export const signing = createClient<SigningPaths>(options);
export const notify = createClient<NotifyPaths>(options);
export const billing = createClient<BillingPaths>(options);
