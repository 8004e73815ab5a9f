// The browser's session: the access token lives in memory only. The refresh token never
// reaches the page: identity's browser mode keeps it in an HttpOnly, SameSite=Strict cookie
// scoped to /api/v1/auth/browser (services/identity/api/browser.py).
import type { components } from "./schema/identity";

export type Tokens = Pick<components["schemas"]["Tokens"], "access_token" | "context">;
export type Context = components["schemas"]["Context"];
type Listener = () => void;

let access: string | null = null;
let context: Context | null = null;
const listeners = new Set<Listener>();

export const session = {
  accessToken: (): string | null => access,
  context: (): Context | null => context,
  signedIn: (): boolean => access !== null,
  store(tokens: Tokens): void {
    access = tokens.access_token;
    context = tokens.context;
    for (const listener of listeners) listener();
  },
  clear(): void {
    access = null;
    context = null;
    for (const listener of listeners) listener();
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
