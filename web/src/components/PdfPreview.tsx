// The in-page PDF preview: pdf.js and its worker load only when a preview opens.
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { ErrorText, Loading } from "./Status";

export default function PdfPreview({ data }: { data: ArrayBuffer }) {
  const { t } = useTranslation();
  const holder = useRef<HTMLDivElement>(null);
  const [pages, setPages] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      const pdfjs = await import("pdfjs-dist");
      const worker = await import("pdfjs-dist/build/pdf.worker.min.mjs?url");
      pdfjs.GlobalWorkerOptions.workerSrc = worker.default;
      const pdf = await pdfjs.getDocument({
        data: new Uint8Array(data.slice(0)),
        isEvalSupported: false,
      }).promise;
      if (cancelled || !holder.current) return;
      holder.current.replaceChildren();
      const width = Math.min(holder.current.clientWidth || 800, 900);
      for (let number = 1; number <= Math.min(pdf.numPages, 20); number += 1) {
        const page = await pdf.getPage(number);
        const scale = width / page.getViewport({ scale: 1 }).width;
        const viewport = page.getViewport({ scale: scale * window.devicePixelRatio });
        const canvas = document.createElement("canvas");
        canvas.width = viewport.width;
        canvas.height = viewport.height;
        canvas.style.width = "100%";
        canvas.setAttribute("role", "img");
        canvas.setAttribute("aria-label", t("preview.page", { number, total: pdf.numPages }));
        holder.current.append(canvas);
        await page.render({ canvas, viewport }).promise;
      }
      if (!cancelled) setPages(pdf.numPages);
    })().catch((caught) => !cancelled && setError(caught));
    return () => {
      cancelled = true;
    };
  }, [data, t]);

  return (
    <div className="preview">
      {error ? <ErrorText error={error} /> : pages === null && <Loading />}
      <div ref={holder} data-testid="pdf-pages" data-pages={pages ?? ""} />
    </div>
  );
}
