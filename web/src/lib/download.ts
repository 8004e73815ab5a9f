// Downloads need the bearer token, so they are fetched and handed to the browser as a blob.
import { authorisedFetch } from "../api/client";
import { ApiError } from "../api/problem";

export async function fetchBytes(path: string): Promise<Blob> {
  const response = await authorisedFetch(new Request(path));
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw new ApiError(response.status, problem);
  }
  return response.blob();
}

export async function download(path: string, name: string): Promise<void> {
  saveBlob(await fetchBytes(path), name);
}

/** Hands bytes the page has (fetched or made) to the browser as a file to save. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
