// A chart as a file a journalist can put in an article: the chart's SVG with its title above and
// the notes, source, release, licence and permalink printed below; PNG is the same SVG drawn on a
// canvas at twice the size. System fonts only, so nothing is fetched and the canvas stays clean.
const NS = "http://www.w3.org/2000/svg";
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif";

/** Splits text into lines of at most `n` characters, at spaces where it can. */
function wrap(text, n) {
  const out = [];
  let line = "";
  for (const word of String(text).split(/\s+/)) {
    if (line && (line + " " + word).length > n) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
    while (line.length > n) {
      out.push(line.slice(0, n));
      line = line.slice(n);
    }
  }
  if (line) out.push(line);
  return out;
}

/** The SVG text of a chart with its title and citation printed on it, and its size. */
export function composeSvg(chart, { title, lines }) {
  const box = chart.viewBox?.baseVal;
  const width = Math.max(box?.width || chart.clientWidth || 640, 480);
  const chartHeight = box?.height || chart.clientHeight || 400;
  const chars = Math.floor(width / 7);
  const titleLines = wrap(title, Math.floor(width / 9.5));
  const footLines = lines.flatMap((l) => wrap(l, chars));
  const top = 16 + titleLines.length * 22;
  const height = top + chartHeight + 12 + footLines.length * 15 + 8;
  const doc = document.implementation.createDocument(NS, "svg", null);
  const root = doc.documentElement;
  const set = (el, attrs) => {
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    return el;
  };
  set(root, { xmlns: NS, width, height, viewBox: `0 0 ${width} ${height}`, "font-family": FONT });
  const el = (tag, attrs, text) => {
    const e = set(doc.createElementNS(NS, tag), attrs);
    if (text != null) e.textContent = text;
    root.appendChild(e);
    return e;
  };
  el("rect", { x: 0, y: 0, width, height, fill: "#ffffff" });
  titleLines.forEach((l, i) => el("text", { x: 12, y: 26 + i * 22, "font-size": 17, "font-weight": 700, fill: "#111111" }, l));
  const g = el("g", { transform: `translate(${(width - (box?.width || width)) / 2},${top})` });
  for (const child of chart.childNodes) g.appendChild(doc.importNode(child, true));
  footLines.forEach((l, i) => el("text", { x: 12, y: top + chartHeight + 22 + i * 15, "font-size": 11, fill: "#333333" }, l));
  return { text: new XMLSerializer().serializeToString(doc), width, height };
}

function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadSvg(chart, printed, name) {
  save(new Blob([composeSvg(chart, printed).text], { type: "image/svg+xml" }), name);
}

/** Resolves to the PNG of a chart (twice the SVG's size). */
export function pngBlob(chart, printed) {
  const { text, width, height } = composeSvg(chart, printed);
  return new Promise((resolve, reject) => {
    const img = new Image();
    const url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
    img.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = width * 2;
      canvas.height = height * 2;
      const c = canvas.getContext("2d");
      c.scale(2, 2);
      c.drawImage(img, 0, 0, width, height);
      URL.revokeObjectURL(url);
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("no PNG"))), "image/png");
    };
    img.onerror = () => reject(new Error("the SVG could not be drawn"));
    img.src = url;
  });
}

export async function downloadPng(chart, printed, name) {
  save(await pngBlob(chart, printed), name);
}
