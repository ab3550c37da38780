// The choropleth of the provinces: one metric, one year, counts or rates, on the 63 provinces as
// recorded or the 34 units of July 2025, with the Hoàng Sa and Trường Sa archipelagos in insets as
// parts of Đà Nẵng and Khánh Hòa. Every value shown is the API's `display`; classes are computed
// from the API's adjusted values only; "0" and "<5" have classes of their own, outside the scale.
import { geoMercator, geoPath } from "d3-geo";
import { feature } from "topojson-client";
import { h, s, nextId } from "../dom.js";
import { fmtRate, pick, t } from "../i18n.js";
import { gql } from "../api.js";
import { figure } from "../figure.js";
import { metricLabel, metricSelect, radios, refusal, select } from "../controls.js";
import { hrefOf } from "../state.js";

/* global GEOMETRY_URL */
let geometry;
export const loadGeometry = () => (geometry ??= fetch(GEOMETRY_URL).then((r) => r.json()));

// ColorBrewer YlGnBu, 5 classes: sequential, colour-blind safe, and printable in grey.
const SCALE = ["#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"];
const NO_DATA = "#d9d9d9";

/** Up to five classes over the published values, with breaks rounded to two significant digits. */
function classes(values) {
  const v = values.filter((x) => x != null).sort((a, b) => a - b);
  if (!v.length) return [];
  const round = (x) => {
    if (x === 0) return 0;
    const p = 10 ** (Math.floor(Math.log10(Math.abs(x))) - 1);
    return Math.round(x / p) * p;
  };
  const breaks = [];
  for (let i = 1; i < 5; i++) {
    const b = round(v[Math.floor((i * v.length) / 5)]);
    if (b > v[0] && (!breaks.length || b > breaks[breaks.length - 1])) breaks.push(b);
  }
  const bounds = [v[0], ...breaks];
  return bounds.map((lo, i) => ({ lo, hi: bounds[i + 1] ?? null, fill: SCALE[Math.round((i * (SCALE.length - 1)) / Math.max(bounds.length - 1, 1))] }));
}

function patterns(id) {
  return s("defs", {},
    s("pattern", { id: `${id}-low`, width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
      s("rect", { width: 6, height: 6, fill: "#f4f4f4" }),
      s("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#5a5a5a", "stroke-width": 2 })),
    s("pattern", { id: `${id}-zero`, width: 6, height: 6, patternUnits: "userSpaceOnUse" },
      s("rect", { width: 6, height: 6, fill: "#ffffff" }),
      s("circle", { cx: 3, cy: 3, r: 0.9, fill: "#7a7a7a" })),
  );
}

/** The map's state for one unit: its class and what its tooltip says. */
function classify(row, measure, cls, id) {
  if (!row) return { key: "none", fill: NO_DATA };
  if (row.value.status === "ZERO") return { key: "zero", fill: `url(#${id}-zero)` };
  if (row.value.status === "SUPPRESSED") return { key: "low", fill: `url(#${id}-low)` };
  const x = measure === "rate" ? row.value.ratePer100k : row.value.value;
  if (x == null) return { key: "none", fill: NO_DATA };
  const i = cls.findIndex((c) => c.hi == null || x < c.hi);
  return { key: `c${i}`, fill: cls[i].fill };
}

/** The colour of the archipelagos' outline: their class's colour, or a grey for the patterns. */
function insetStroke(row, measure, cls, id) {
  const c = classify(row, measure, cls, id);
  return c.fill.startsWith("#") ? c.fill : c.key === "zero" ? "#ffffff" : "#9a9a9a";
}

/** The legend's entries: the classes of the scale, then "<5", "0" and no data. */
function legendItems(cls, measure, id) {
  const fmt = (v) => (measure === "rate" ? fmtRate(v) : String(v));
  return [
    ...cls.map((c, i) => ({
      key: `c${i}`,
      fill: c.fill,
      label: [c.hi == null ? `≥ ${fmt(c.lo)}` : measure === "rate" ? `${fmt(c.lo)} – < ${fmt(c.hi)}` : c.hi - 1 === c.lo ? `${c.lo}` : `${c.lo}–${c.hi - 1}`],
    })),
    { key: "low", fill: `url(#${id}-low)`, label: ["<5", t("legendLow")] },
    { key: "zero", fill: `url(#${id}-zero)`, label: ["0"] },
    { key: "none", fill: NO_DATA, label: [t("noData")] },
  ];
}

/** The legend drawn in the map (and so in its downloads). */
function legend(cls, measure, id, x, y) {
  const items = legendItems(cls, measure, id);
  return s("g", { class: "legend", transform: `translate(${x},${y})` },
    s("text", { x: 0, y: 0, "font-size": 13, "font-weight": 700, fill: "#222" }, `${t("legend")}: ${measure === "rate" ? t("rate") : t("count")}`),
    items.map((it, i) =>
      s("g", { transform: `translate(0,${14 + i * 27})`, "data-legend": it.key },
        s("rect", { width: 18, height: 14, fill: it.fill, stroke: "#666", "stroke-width": 0.6 }),
        it.label.map((l, j) => s("text", { x: 24, y: 11 + j * 11, "font-size": j ? 9.5 : 11, fill: "#222" }, l)))),
  );
}

export async function renderMap(ctx) {
  const { state } = ctx;
  const years = ctx.years;
  const controls = h("div", { class: "controls" },
    metricSelect(ctx),
    select(t("year"), state.period, years.map((y) => ({ value: y, label: y })), (period) => ctx.navigate({ period }), "period"),
    radios(t("boundaries"), state.boundaries, [{ value: "AS_RECORDED", label: t("b63") }, { value: "V2025", label: t("b34") }], (boundaries) => ctx.navigate({ boundaries }), "boundaries"),
    radios(t("measure"), state.measure, [{ value: "count", label: t("count") }, { value: "rate", label: t("rate") }], (measure) => ctx.navigate({ measure }), "measure"),
  );
  let data, topo;
  try {
    [data, topo] = await Promise.all([
      gql("MapStatistics", { metric: state.metric, period: state.period, boundaries: state.boundaries, release: ctx.release }),
      loadGeometry(),
    ]);
  } catch (e) {
    return [ctx.embed ? null : controls, refusal(e)];
  }
  const stats = data.caseStatistics;
  const rows = stats.rows;
  // 2025 as recorded holds both sets of units (63 until June, 34 from July): the 34 are drawn
  // when the answer has more of their numbers in it, the table lists all.
  const n34 = rows.filter((r) => r.region.code.startsWith("VN-P34-")).length;
  const layer = state.boundaries === "V2025" || n34 > rows.length / 2 ? "p34" : "p63";
  const byCode = new Map(rows.map((r) => [r.region.code, r]));
  const id = nextId("map");
  const measure = state.measure;
  const cls = classes(rows.filter((r) => r.value.status === "PUBLISHED").map((r) => (measure === "rate" ? r.value.ratePer100k : r.value.value)));

  const W = 600, H = 800;
  const units = feature(topo, topo.objects[layer]).features;
  const projection = geoMercator().fitExtent([[6, 6], [398, 794]], { type: "FeatureCollection", features: units });
  const path = geoPath(projection);
  const tip = h("div", { class: "tooltip", role: "status", hidden: true });
  let shown = null;
  const name = (row, code) => (row ? pick(row.region) : code);
  const tipFor = (code) => {
    const row = byCode.get(code);
    const v = row?.value;
    tip.replaceChildren(
      h("strong", {}, name(row, code)),
      h("span", { "data-tip-display": v?.display ?? "" }, `${metricLabel(ctx)}: ${v ? v.display : t("noData")}`),
      h("span", {}, `${t("rateCol")}: ${fmtRate(v?.ratePer100k)}`),
      h("span", {}, `${t("popYear")}: ${v?.populationYear ?? "–"}`),
      h("a", { href: hrefOf({ ...state, view: "region", region: code }), "data-nav": "" }, t("open")),
    );
  };
  const show = (code, target) => {
    tipFor(code);
    tip.hidden = false;
    shown = code;
    const box = target.getBoundingClientRect();
    const host = tip.parentElement.getBoundingClientRect();
    tip.style.left = `${Math.min(Math.max(box.left + box.width / 2 - host.left, 80), host.width - 80)}px`;
    tip.style.top = `${box.bottom - host.top + 6}px`;
  };
  const hide = () => {
    tip.hidden = true;
    shown = null;
  };
  const open = (code) => ctx.navigate({ view: "region", region: code });
  const shape = (code, d, extra = {}) => {
    const row = byCode.get(code);
    const c = classify(row, measure, cls, id);
    return s("path", {
      d,
      fill: c.fill,
      stroke: "#ffffff",
      "stroke-width": 0.6,
      class: "unit",
      tabindex: 0,
      role: "button",
      "aria-label": `${name(row, code)}: ${row ? row.value.display : t("noData")}`,
      "data-code": code,
      "data-display": row?.value.display ?? "",
      "data-class": c.key,
      // A mouse shows the tooltip on hover and opens the page on click; a finger shows it on the
      // first tap and opens the page on the second (or through the tooltip's link).
      onpointerenter: (e) => e.pointerType === "mouse" && show(code, e.currentTarget),
      onpointerleave: (e) => e.pointerType === "mouse" && hide(),
      onfocus: (e) => show(code, e.currentTarget),
      // Not at once: the tooltip's own link may be what took the focus.
      onblur: () => setTimeout(() => tip.contains(document.activeElement) || hide(), 150),
      onclick: (e) => (shown === code ? open(code) : show(code, e.currentTarget)),
      onkeydown: (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          open(code);
        }
      },
      ...extra,
    });
  };
  const insets = topo.archipelagos.map((a, i) => {
    const [x0, y0, x1, y1] = i === 0 ? [420, 318, 592, 468] : [420, 610, 592, 770];
    const proj = geoMercator().fitExtent([[x0 + 10, y0 + 10], [x1 - 10, y1 - 36]], a.geometry);
    const code = a[layer];
    const label = pick(a, "name");
    const owner = name(byCode.get(code), code);
    return s("g", { class: "inset", "data-archipelago": a.id },
      s("rect", { x: x0, y: y0, width: x1 - x0, height: y1 - y0, fill: "#f7fbff", stroke: "#8a8a8a", "stroke-width": 0.8 }),
      // Reefs a few hundred metres long: outlined thickly in their province's colour so they show.
      s("path", { d: geoPath(proj)(a.geometry), fill: "none", stroke: "#333333", "stroke-width": 4, "stroke-linejoin": "round", "aria-hidden": "true" }),
      shape(code, geoPath(proj)(a.geometry), { stroke: insetStroke(byCode.get(code), measure, cls, id), "stroke-width": 2.5, "stroke-linejoin": "round", "data-inset": a.id }),
      s("text", { x: x0 + 8, y: y1 - 20, "font-size": 11, "font-weight": 600, fill: "#222" }, label),
      s("text", { x: x0 + 8, y: y1 - 7, "font-size": 10, fill: "#333" }, `(${owner})`),
    );
  });
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "map", "font-family": "system-ui, sans-serif" },
    patterns(id),
    s("rect", { width: W, height: H, fill: "#ffffff" }),
    s("g", { class: "units" }, units.map((f) => shape(f.id, path(f)))),
    insets,
    legend(cls, measure, id, 420, 24),
  );
  // Below the map on a phone, where the map's own legend is too small to read.
  const htmlLegend = h("ul", { class: "html-legend", "aria-label": t("legend") },
    legendItems(cls, measure, id).map((it) =>
      h("li", {}, s("svg", { width: 18, height: 14, viewBox: "0 0 18 14", "aria-hidden": "true" }, patterns(id + "h"), s("rect", { width: 18, height: 14, fill: it.fill.replace(`#${id}-`, `#${id}h-`), stroke: "#666" })), ` ${it.label.join(": ")}`)));
  const chart = h("div", { class: "map-wrap" }, svg, tip, htmlLegend);

  const boundaryName = layer === "p34" ? t("b34") : t("b63");
  const title = `${metricLabel(ctx)}, ${state.period} · ${measure === "rate" ? t("rate") : t("count")}`;
  const fig = figure(ctx, {
    title,
    description: `${t("mapDesc")(metricLabel(ctx), state.period, rows.length, boundaryName)} ${t("country")}: ${stats.total.display}. ${t("tip")}`,
    chart: svg,
    host: chart,
    layout: "side",
    table: {
      caption: `${title} · ${boundaryName}`,
      columns: [{ label: t("province") }, { label: t("value"), numeric: true }, { label: t("rateCol"), numeric: true }, { label: t("popYear"), numeric: true }],
      rows: [...rows].sort((a, b) => a.region.code.localeCompare(b.region.code)).map((r) => ({
        attrs: { "data-code": r.region.code, "data-display": r.value.display },
        cells: [
          h("a", { href: hrefOf({ ...state, view: "region", region: r.region.code }), "data-nav": "" }, pick(r.region)),
          r.value.display,
          fmtRate(r.value.ratePer100k),
          r.value.populationYear ?? "–",
        ],
        sort: [pick(r.region), r.value.value ?? (r.value.status === "ZERO" ? 0 : 0.5), r.value.ratePer100k, r.value.populationYear],
      })),
    },
    csv: { metric: state.metric, period: state.period, groupBy: "REGION", boundaries: state.boundaries },
    notes: [
      state.boundaries === "V2025" ? t("mappingNote34") : t("mappingNote63"),
      ...(n34 && n34 < rows.length ? [t("mixedNote")] : []),
      t("archipelagoNote"),
    ],
  });
  // Its units are buttons: a group, not a single image.
  svg.setAttribute("role", "group");
  return [ctx.embed ? null : controls, fig];
}
