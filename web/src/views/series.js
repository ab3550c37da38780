// The province page (its series over the years, its predecessors or successor) and the trends
// (the series of the country or of a socio-economic region by month, quarter or year).
import { h, s } from "../dom.js";
import { fmtDate, fmtNumber, fmtRate, pick, t } from "../i18n.js";
import { gql } from "../api.js";
import { figure } from "../figure.js";
import { bars, screenWidth } from "../bars.js";
import { metricLabel, metricSelect, radios, refusal, select } from "../controls.js";
import { hrefOf } from "../state.js";

const regionLink = (ctx, r) => h("a", { href: hrefOf({ ...ctx.state, view: "region", region: r.code }), "data-nav": "" }, pick(r));

export async function renderRegion(ctx) {
  const { state } = ctx;
  const controls = h("div", { class: "controls" },
    h("p", {}, h("a", { href: hrefOf({ ...state, view: "map" }), "data-nav": "" }, `← ${t("back")}`)),
    metricSelect(ctx),
    radios(t("boundaries"), state.boundaries, [{ value: "AS_RECORDED", label: t("b63") }, { value: "V2025", label: t("b34") }], (boundaries) => ctx.navigate({ boundaries }), "boundaries"),
  );
  let data;
  try {
    data = await gql("RegionSeries", { metric: state.metric, region: state.region, boundaries: state.boundaries, release: ctx.release });
  } catch (e) {
    return [ctx.embed ? null : controls, refusal(e)];
  }
  const r = data.region;
  if (!r) return [controls, refusal({ code: "NOT_FOUND", message: state.region })];
  const facts = h("dl", { class: "facts" },
    h("dt", {}, t("validity")), h("dd", {}, `${r.validFrom ? fmtDate(r.validFrom) : "…"} – ${r.validTo ? fmtDate(r.validTo) : "…"}`),
    r.population ? [h("dt", {}, t("population")), h("dd", {}, `${fmtNumber(r.population.value)} (${r.population.year}; ${r.population.measure})`)] : null,
    r.parent ? [h("dt", {}, t("area")), h("dd", {}, pick(r.parent))] : null,
    r.predecessors.length ? [h("dt", {}, t("predecessors")), h("dd", {}, r.predecessors.map((p, i) => [i ? ", " : "", regionLink(ctx, p)]))] : null,
    r.successor ? [h("dt", {}, t("successor")), h("dd", {}, regionLink(ctx, r.successor))] : null,
  );
  const rows = data.caseStatistics.rows;
  const title = `${pick(r)} · ${metricLabel(ctx)} · ${t("series")}`;
  const fig = figure(ctx, {
    title,
    description: t("barDesc")(metricLabel(ctx), t("YEAR"), rows.length),
    chart: bars(rows.map((x) => ({ key: x.period.label, label: x.period.label, value: x.value })), { width: screenWidth() }),
    table: {
      caption: title,
      columns: [{ label: t("period") }, { label: t("value"), numeric: true }, { label: t("rateCol"), numeric: true }, { label: t("popYear"), numeric: true }],
      rows: rows.map((x) => ({
        attrs: { "data-code": x.period.label, "data-display": x.value.display },
        cells: [x.period.label, x.value.display, fmtRate(x.value.ratePer100k), x.value.populationYear ?? "–"],
        sort: [x.period.label, x.value.value, x.value.ratePer100k, x.value.populationYear],
      })),
    },
    csv: { metric: state.metric, region: state.region, groupBy: "PERIOD", periodGranularity: "YEAR", boundaries: state.boundaries },
    notes: [state.boundaries === "V2025" ? t("mappingNote34") : t("mappingNote63")],
  });
  return [ctx.embed ? null : controls, h("h2", { class: "region-name" }, pick(r)), facts, fig];
}

/** The country and the six socio-economic regions, from the API. */
async function areas() {
  const d = await gql("Regions", { level: "SOCIO_ECONOMIC_REGION", validOn: "2024-12-31" });
  return d.regions.edges.map((e) => e.node);
}

export async function renderTrends(ctx) {
  const { state } = ctx;
  let regions = [];
  try {
    regions = await areas();
  } catch {
    regions = [];
  }
  const region = state.region === "VN" || state.region === "REGIONS" || regions.some((r) => r.code === state.region) ? state.region : "VN";
  const controls = h("div", { class: "controls" },
    metricSelect(ctx),
    select(t("area"), region, [{ value: "VN", label: t("country") }, { value: "REGIONS", label: t("allRegions") }, ...regions.map((r) => ({ value: r.code, label: pick(r) }))], (v) => ctx.navigate({ region: v }), "region"),
    radios(t("granularity"), state.granularity, ["MONTH", "QUARTER", "YEAR"].map((g) => ({ value: g, label: t(g) })), (granularity) => ctx.navigate({ granularity }), "granularity"),
  );
  if (region === "REGIONS") return [ctx.embed ? null : controls, await byRegion(ctx)];
  let data;
  try {
    data = await gql("Trend", { metric: state.metric, region, granularity: state.granularity, release: ctx.release });
  } catch (e) {
    return [ctx.embed ? null : controls, refusal(e)];
  }
  const rows = data.caseStatistics.rows;
  const areaName = region === "VN" ? t("country") : pick(regions.find((r) => r.code === region));
  const title = `${metricLabel(ctx)} · ${areaName} · ${t(state.granularity)}`;
  const fig = figure(ctx, {
    title,
    description: `${t("barDesc")(metricLabel(ctx), t(state.granularity), rows.length)} ${t("total")}: ${data.caseStatistics.total.display}.`,
    chart: bars(rows.map((x) => ({ key: x.period.label, label: state.granularity === "MONTH" ? x.period.label.slice(2) : x.period.label, value: x.value })), { width: screenWidth() }),
    table: {
      caption: title,
      columns: [{ label: t("period") }, { label: t("value"), numeric: true }],
      rows: rows.map((x) => ({
        attrs: { "data-code": x.period.label, "data-display": x.value.display },
        cells: [x.period.label, x.value.display],
        sort: [x.period.label, x.value.value],
      })),
    },
    csv: { metric: state.metric, region, groupBy: "PERIOD", periodGranularity: state.granularity },
  });
  return [ctx.embed ? null : controls, fig];
}

/** The six socio-economic regions side by side: one small chart each, on one scale. */
async function byRegion(ctx) {
  const { state } = ctx;
  let data;
  try {
    data = await gql("TrendByRegion", { metric: state.metric, granularity: state.granularity, release: ctx.release });
  } catch (e) {
    return refusal(e);
  }
  const rows = data.caseStatistics.rows;
  const groups = new Map();
  for (const r of rows) {
    if (!groups.has(r.region.code)) groups.set(r.region.code, { region: r.region, rows: [] });
    groups.get(r.region.code).rows.push(r);
  }
  const max = Math.max(5, ...rows.map((r) => r.value.value ?? 0));
  const W = 640, cols = 2, panelW = W / cols, panelH = 200;
  // The six regions first; then the 2025 provinces that span two regions, which the API serves
  // as nodes of their own (their months before July 2025 lie in the regions).
  const ordered = [...groups.values()].sort((a, b) => a.region.code.includes("-P") - b.region.code.includes("-P"));
  const panels = ordered.map((g, i) => {
    const chart = bars(g.rows.map((x) => ({ key: `${g.region.code}|${x.period.label}`, label: state.granularity === "MONTH" ? x.period.label.slice(2) : x.period.label, value: x.value })), { width: 640, max });
    chart.setAttribute("x", (i % cols) * panelW);
    chart.setAttribute("y", Math.floor(i / cols) * panelH + 18);
    chart.setAttribute("width", panelW - 8);
    chart.setAttribute("height", panelH - 22);
    return s("g", {}, s("text", { x: (i % cols) * panelW + 4, y: Math.floor(i / cols) * panelH + 14, "font-size": 13, "font-weight": 700, fill: "#111" }, pick(g.region)), chart);
  });
  const height = Math.ceil(groups.size / cols) * panelH;
  const svg = s("svg", { viewBox: `0 0 ${W} ${height}`, class: "bars", "font-family": "system-ui, sans-serif" }, panels);
  const title = `${metricLabel(ctx)} · ${t("allRegions")} · ${t(state.granularity)}`;
  return figure(ctx, {
    title,
    description: t("barDesc")(metricLabel(ctx), `${t("area")}, ${t(state.granularity)}`, rows.length),
    chart: svg,
    table: {
      caption: title,
      columns: [{ label: t("area") }, { label: t("period") }, { label: t("value"), numeric: true }],
      rows: rows.map((x) => ({
        attrs: { "data-code": `${x.region.code}|${x.period.label}`, "data-display": x.value.display },
        cells: [pick(x.region), x.period.label, x.value.display],
        sort: [pick(x.region), x.period.label, x.value.value],
      })),
    },
    csv: { metric: state.metric, groupBy: "REGION,PERIOD", regionLevel: "SOCIO_ECONOMIC_REGION", periodGranularity: state.granularity },
    notes: ordered.some((g) => g.region.code.includes("-P")) ? [t("spanningNote")] : [],
  });
}
