// One file's upload with progress: XMLHttpRequest, since fetch reports no upload progress.
import { refresh } from "../api/client";
import { ApiError } from "../api/problem";
import { session } from "../api/session";

export type Progress = (sent: number, total: number) => void;

function send(url: string, file: Blob, onProgress: Progress): Promise<XMLHttpRequest> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", url);
    const token = session.accessToken();
    if (token) request.setRequestHeader("Authorization", `Bearer ${token}`);
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.upload.onprogress = (event) => onProgress(event.loaded, event.total || file.size);
    request.onload = () => resolve(request);
    request.onerror = () => reject(new ApiError(0, {}));
    request.send(file);
  });
}

export async function uploadFile(folderId: string, file: File, onProgress: Progress) {
  const url = `/api/v1/folders/${folderId}/documents?name=${encodeURIComponent(file.name)}`;
  let answer = await send(url, file, onProgress);
  if (answer.status === 401 && (await refresh())) answer = await send(url, file, onProgress);
  const body = answer.responseText ? JSON.parse(answer.responseText) : {};
  if (answer.status >= 300) throw new ApiError(answer.status, body);
  onProgress(file.size, file.size);
  return body as { id: string; name: string };
}
