// A column chart of API values: heights from the adjusted `value`, labels from `display`. A "<5"
// is a short hatched column labelled "<5" (its true height is not known and never drawn as a
// number); a "0" has no column and is labelled "0".
import { s, nextId } from "./dom.js";

/** `items`: [{key, label, value: {display, status, value}}]; `horizontal` for category charts.
 * `width`: of the viewBox; pass the width the chart gets on screen so its text keeps its size. */
export function bars(items, { horizontal = false, width = 640, max: sharedMax } = {}) {
  const id = nextId("bars");
  const max = sharedMax ?? Math.max(5, ...items.map((i) => i.value.value ?? 0));
  const defs = s("defs", {},
    s("pattern", { id: `${id}-low`, width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
      s("rect", { width: 6, height: 6, fill: "#eeeeee" }),
      s("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#5a5a5a", "stroke-width": 2 })));
  const colour = "#2c7fb8";
  if (horizontal) {
    const labelW = Math.min(190, Math.round(width * 0.42)), rowH = 30, top = 8;
    const chars = Math.floor(labelW / 7.4);
    const plotW = width - labelW - 56;
    const height = top + items.length * rowH + 8;
    return s("svg", { viewBox: `0 0 ${width} ${height}`, class: "bars", "font-family": "system-ui, sans-serif" }, defs,
      items.map((it, i) => {
        const y = top + i * rowH;
        const v = it.value;
        const w = v.status === "PUBLISHED" ? (v.value / max) * plotW : v.status === "SUPPRESSED" ? Math.max((4 / max) * plotW, 6) : 0;
        return s("g", { "data-code": it.key, "data-display": v.display, class: "bar" },
          s("text", { x: labelW - 8, y: y + 19, "text-anchor": "end", "font-size": 12, fill: "#222" }, it.label.length > chars ? `${it.label.slice(0, chars - 1)}…` : it.label),
          s("rect", { x: labelW, y: y + 5, width: w, height: rowH - 10, fill: v.status === "SUPPRESSED" ? `url(#${id}-low)` : colour, stroke: v.status === "SUPPRESSED" ? "#5a5a5a" : "none" }),
          s("text", { x: labelW + w + 6, y: y + 19, "font-size": 12, "font-weight": 600, fill: "#111" }, v.display));
      }));
  }
  const height = 300, left = 8, bottom = 40, top = 18;
  const plotH = height - top - bottom;
  const step = (width - left * 2) / Math.max(items.length, 1);
  const barW = Math.max(Math.min(step * 0.75, 48), 2);
  const labelEvery = Math.ceil(items.length / Math.floor((width - 16) / 44));
  const showValues = step >= 22;
  return s("svg", { viewBox: `0 0 ${width} ${height}`, class: "bars", "font-family": "system-ui, sans-serif" }, defs,
    s("line", { x1: left, x2: width - left, y1: top + plotH, y2: top + plotH, stroke: "#555", "stroke-width": 1 }),
    items.map((it, i) => {
      const v = it.value;
      const x = left + i * step + (step - barW) / 2;
      const hgt = v.status === "PUBLISHED" ? (v.value / max) * plotH : v.status === "SUPPRESSED" ? Math.max((4 / max) * plotH, 4) : 0;
      return s("g", { "data-code": it.key, "data-display": v.display, class: "bar" },
        s("rect", { x, y: top + plotH - hgt, width: barW, height: hgt, fill: v.status === "SUPPRESSED" ? `url(#${id}-low)` : colour, stroke: v.status === "SUPPRESSED" ? "#5a5a5a" : "none" }),
        showValues || v.status !== "PUBLISHED" ? s("text", { x: x + barW / 2, y: top + plotH - hgt - 4, "text-anchor": "middle", "font-size": showValues ? 11 : 8, fill: "#111" }, v.display) : null,
        i % labelEvery === 0 ? s("text", { x: Math.max(x + barW / 2, 2), y: top + plotH + 16, "text-anchor": x + barW / 2 < 16 ? "start" : "middle", "font-size": 11, fill: "#333" }, it.label) : null);
    }));
}

/** The width a chart gets on screen (between a phone's and 640 px). */
export const screenWidth = () => Math.max(300, Math.min(640, (document.getElementById("app")?.clientWidth || 640) - 24));
