// Uploads with progress: XMLHttpRequest, since fetch reports no upload progress. Small files go
// in one request; large ones in resumable parts (the documents service's multipart API), the
// upload's id kept in localStorage so that the same file picked again after a failure or a
// page reload sends only the parts the server has not got yet.
import { documents, refresh } from "../api/client";
import { ApiError, must } from "../api/problem";
import { session } from "../api/session";

export type Progress = (sent: number, total: number) => void;

/** Files from this size up go in resumable parts. */
export const RESUMABLE_FROM = 10_000_000;

function send(
  method: string,
  url: string,
  body: Blob,
  onProgress: (loaded: number) => void,
): Promise<XMLHttpRequest> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(method, url);
    const token = session.accessToken();
    if (token) request.setRequestHeader("Authorization", `Bearer ${token}`);
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.upload.onprogress = (event) => onProgress(event.loaded);
    request.onload = () => resolve(request);
    request.onerror = () => reject(new ApiError(0, {}));
    request.send(body);
  });
}

async function sendChecked(
  method: string,
  url: string,
  body: Blob,
  onProgress: (loaded: number) => void,
) {
  let answer = await send(method, url, body, onProgress);
  if (answer.status === 401 && (await refresh()))
    answer = await send(method, url, body, onProgress);
  const parsed = answer.responseText ? JSON.parse(answer.responseText) : {};
  if (answer.status >= 300) throw new ApiError(answer.status, parsed);
  return parsed;
}

/** Where an unfinished upload of this file into this folder is remembered. */
export function resumeKey(folderId: string, file: { name: string; size: number }): string {
  return `portal.upload.${folderId}.${file.size}.${file.name}`;
}

/** Part numbers (1-based) still to send, given the part size and those received. */
export function missingParts(size: number, partSize: number, received: number[]): number[] {
  const count = Math.max(1, Math.ceil(size / partSize));
  const have = new Set(received);
  return Array.from({ length: count }, (_, index) => index + 1).filter((n) => !have.has(n));
}

async function openUpload(folderId: string, file: File) {
  const key = resumeKey(folderId, file);
  const known = localStorage.getItem(key);
  if (known) {
    const found = await documents.GET("/api/v1/uploads/{upload_id}", {
      params: { path: { upload_id: known } },
    });
    if (found.data && found.data.state === "open") return found.data;
    localStorage.removeItem(key);
  }
  const created = must(
    await documents.POST("/api/v1/folders/{folder_id}/uploads", {
      params: { path: { folder_id: folderId } },
      body: { name: file.name, size: file.size },
    }),
  );
  localStorage.setItem(key, created.id);
  return created;
}

async function uploadInParts(folderId: string, file: File, onProgress: Progress) {
  const upload = await openUpload(folderId, file);
  const partSize = upload.part_size;
  const missing = missingParts(file.size, partSize, upload.parts);
  let done = file.size - missing.reduce((sum, n) => sum + partLength(file.size, partSize, n), 0);
  onProgress(done, file.size);
  for (const number of missing) {
    const start = (number - 1) * partSize;
    const part = file.slice(start, Math.min(start + partSize, file.size));
    const url = `/api/v1/uploads/${upload.id}/parts/${number}`;
    await sendChecked("PUT", url, part, (loaded) => onProgress(done + loaded, file.size));
    done += part.size;
  }
  const document = must(
    await documents.POST("/api/v1/uploads/{upload_id}/complete", {
      params: { path: { upload_id: upload.id } },
    }),
  );
  localStorage.removeItem(resumeKey(folderId, file));
  onProgress(file.size, file.size);
  return document;
}

function partLength(size: number, partSize: number, number: number): number {
  return Math.min(partSize, size - (number - 1) * partSize);
}

export async function uploadFile(folderId: string, file: File, onProgress: Progress) {
  if (file.size >= RESUMABLE_FROM) return uploadInParts(folderId, file, onProgress);
  const url = `/api/v1/folders/${folderId}/documents?name=${encodeURIComponent(file.name)}`;
  const body = await sendChecked("POST", url, file, (loaded) => onProgress(loaded, file.size));
  onProgress(file.size, file.size);
  return body as { id: string; name: string };
}

/** A file for a document request's item: one request (the item's upload path has no parts). */
export async function uploadForItem(
  requestId: string,
  itemId: string,
  file: File,
  onProgress: Progress,
) {
  const name = encodeURIComponent(file.name);
  const url = `/api/v1/requests/${requestId}/items/${itemId}/files?name=${name}`;
  const body = await sendChecked("POST", url, file, (loaded) => onProgress(loaded, file.size));
  onProgress(file.size, file.size);
  return body as { id: string; name: string };
}

/** A file for one's next message in a thread (attached when the message is posted). */
export async function uploadForThread(threadId: string, file: File) {
  const url = `/api/v1/threads/${threadId}/files?name=${encodeURIComponent(file.name)}`;
  return (await sendChecked("POST", url, file, () => {})) as { document_id: string };
}
