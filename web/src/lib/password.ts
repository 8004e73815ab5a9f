// NIST SP 800-63B rev. 4 as identity applies it to a password that is the only factor: at
// least 15 characters, at most 64; the blocklist is the server's (its answer is shown too).
export const MIN_PASSWORD = 15;
export const MAX_PASSWORD = 64;

export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD) return "password.tooShort";
  if (password.length > MAX_PASSWORD) return "password.tooLong";
  if (new Set(password).size === 1) return "password.tooCommon";
  return null;
}
