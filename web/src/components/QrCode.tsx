// A QR code drawn as SVG squares from the modules `qrcode` computes: no canvas, no inline
// markup, so it renders under the app's Content-Security-Policy. Loaded with the eID page only.
import { create } from "qrcode";

export default function QrCode({ data, label }: { data: string; label: string }) {
  const { size, data: modules } = create(data, { errorCorrectionLevel: "L" }).modules;
  const quiet = 4;
  const squares: string[] = [];
  for (let row = 0; row < size; row++) {
    for (let column = 0; column < size; column++) {
      if (modules[row * size + column]) squares.push(`M${column + quiet} ${row + quiet}h1v1h-1z`);
    }
  }
  const side = size + 2 * quiet;
  return (
    <svg
      className="qr"
      role="img"
      aria-label={label}
      viewBox={`0 0 ${side} ${side}`}
      shapeRendering="crispEdges"
    >
      <rect width={side} height={side} fill="#fff" />
      <path d={squares.join("")} fill="#000" />
    </svg>
  );
}
