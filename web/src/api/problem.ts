// What a failed call says to a person: an RFC 9457 problem mapped onto a catalog key.
import type { components } from "./schema/identity";

export type Problem = components["schemas"]["Problem"];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem>,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
  get field(): string | undefined {
    return this.problem.field;
  }
}

/** The data of an openapi-fetch answer, or an ApiError carrying the problem. */
export function must<T>(answer: { data?: T; error?: unknown; response: Response }): T {
  if (answer.error !== undefined || !answer.response.ok) {
    throw new ApiError(answer.response.status, (answer.error ?? {}) as Partial<Problem>);
  }
  return answer.data as T;
}

/** The catalog key for a failure: by status, refined by field where that says more. */
export function problemKey(error: unknown): string {
  if (!(error instanceof ApiError)) return "errors.network";
  const { status, field } = error;
  if (status === 429) return "errors.tooMany";
  if (status === 410) return "errors.linkExpired";
  if (status === 413) return "errors.tooLarge";
  if (status === 402) return "errors.quota";
  if (status === 415) return "errors.type";
  if (status === 401 && field === "password") return "errors.wrongPassword";
  if (status === 401 && field === "token") return "errors.linkExpired";
  if (status === 401) return "errors.signInFailed";
  if (status === 403) return "errors.forbidden";
  if (status === 404) return "errors.notFound";
  if (status === 409) return "errors.conflict";
  if (status === 422 && field === "password") return passwordKey(error.message);
  if (status === 422) return "errors.invalid";
  return "errors.server";
}

/** NIST SP 800-63B: the service says "too short" or "too common"; we say it in the language. */
export function passwordKey(detail: string): string {
  const text = detail.toLowerCase();
  if (text.includes("common") || text.includes("breach") || text.includes("known")) {
    return "password.tooCommon";
  }
  if (text.includes("at most")) return "password.tooLong";
  return "password.tooShort";
}
