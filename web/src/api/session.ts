// The browser's session: the access token lives in memory only; the refresh token is kept in
// sessionStorage (this tab only) until identity's browser mode moves it into an HttpOnly cookie.
import type { components } from "./schema/identity";

export type Tokens = components["schemas"]["Tokens"];
export type Context = components["schemas"]["Context"];

const REFRESH_KEY = "portal.refresh";
type Listener = () => void;

let access: string | null = null;
let context: Context | null = null;
const listeners = new Set<Listener>();

function storage(): Storage | null {
  return typeof sessionStorage === "undefined" ? null : sessionStorage;
}

export const session = {
  accessToken: (): string | null => access,
  context: (): Context | null => context,
  refreshToken: (): string | null => storage()?.getItem(REFRESH_KEY) ?? null,
  signedIn: (): boolean => access !== null,
  store(tokens: Tokens): void {
    access = tokens.access_token;
    context = tokens.context;
    storage()?.setItem(REFRESH_KEY, tokens.refresh_token);
    for (const listener of listeners) listener();
  },
  clear(): void {
    access = null;
    context = null;
    storage()?.removeItem(REFRESH_KEY);
    for (const listener of listeners) listener();
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
