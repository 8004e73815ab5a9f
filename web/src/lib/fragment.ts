// Mailed links carry their secret after `#` (never sent to a server or written to a log).
// The page reads it once and removes it from the address bar and the history.
const taken = new Map<string, string>();

export function takeToken(): string | null {
  const path = window.location.pathname;
  const token = tokenOf(window.location.hash);
  if (token) {
    taken.set(path, token);
    window.history.replaceState(window.history.state, "", path + window.location.search);
  }
  return token ?? taken.get(path) ?? null;
}

/** Parse `#token=…` from any fragment text (pure; unit-tested). */
export function tokenOf(hash: string): string | null {
  return new URLSearchParams(hash.replace(/^#/, "")).get("token");
}
