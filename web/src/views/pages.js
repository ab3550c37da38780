// The 2024 Action Month, the published figures, and the method and sources.
import { h, s } from "../dom.js";
import { fmtDate, fmtNumber, getLang, pick, t } from "../i18n.js";
import { documentList, gql } from "../api.js";
import { dataTable } from "../figure.js";
import { refusal, select } from "../controls.js";

const sourceLinks = (sources) =>
  (sources || []).map((src, i) => [i ? "; " : "", src.url ? h("a", { href: src.url, rel: "noopener noreferrer" }, src.title) : src.title]);
/** A short link to each source (its publisher), with the full title as its accessible name. */
const shortSources = (sources) =>
  (sources || []).map((src, i) => [i ? "; " : "", src.url ? h("a", { href: src.url, rel: "noopener noreferrer", "aria-label": src.title, title: src.title }, src.publisher || src.title) : src.publisher || src.title]);

/** A timeline of date ranges: one row per item, a bar from its start to its end. */
function timeline(items, from, to) {
  const W = 640, left = 8, rowH = 34, top = 22;
  const t0 = Date.parse(from), t1 = Date.parse(to) + 86400000;
  const x = (d) => left + ((Date.parse(d) - t0) / (t1 - t0)) * (W - left * 2);
  const height = top + items.length * rowH + 8;
  const months = [];
  for (let d = new Date(t0); d.getTime() < t1; d.setUTCMonth(d.getUTCMonth() + 1, 1)) months.push(d.toISOString().slice(0, 10));
  return s("svg", { viewBox: `0 0 ${W} ${height}`, class: "timeline", "font-family": "system-ui, sans-serif", role: "img", "aria-labelledby": "timeline-title" },
    months.map((m) => [
      s("line", { x1: x(m), x2: x(m), y1: 14, y2: height, stroke: "#ccc" }),
      s("text", { x: x(m) + 3, y: 12, "font-size": 10, fill: "#333" }, new Intl.DateTimeFormat(getLang() === "vi" ? "vi-VN" : "en-GB", { month: "short", year: "numeric", timeZone: "UTC" }).format(new Date(m))),
    ]),
    items.map((it, i) => s("g", { "data-code": it.id },
      s("rect", {
        x: x(it.start), y: top + i * rowH + 16, width: Math.max(x(it.end) - x(it.start), 4), height: rowH - 20,
        fill: it.status === "CAMPAIGN" ? "#253494" : it.status === "REPORTED" ? "#2c7fb8" : "#7fcdbb", stroke: "#333", "stroke-width": 0.4,
      }),
      s("text", { x: Math.min(x(it.start), W - 300), y: top + i * rowH + 12, "font-size": 11, fill: "#111" }, `${it.label.length > 56 ? `${it.label.slice(0, 55)}…` : it.label} · ${fmtDate(it.start)} – ${fmtDate(it.end)}`))));
}

export async function renderCampaign(ctx) {
  let data;
  try {
    data = await gql("Campaign", { slug: "action-month-2024" });
  } catch (e) {
    return [refusal(e)];
  }
  const c = data.campaign;
  if (!c) return [refusal({ code: "NOT_FOUND", message: "action-month-2024" })];
  const acts = c.activities.edges.map((e) => e.node);
  const start = c.startDate || "2024-07-01";
  const end = c.endDate || acts.reduce((m, a) => (a.endDate && a.endDate > m ? a.endDate : m), start);
  // The campaign and its peak campaigns, then the tasks whose source gives them dates of their
  // own (most tasks run for the whole campaign and are listed in the table only).
  const dated = [
    { id: c.slug, label: pick(c), start, end, status: "CAMPAIGN" },
    ...c.subCampaigns.filter((sc) => sc.startDate).map((sc) => ({ id: sc.slug, label: pick(sc), start: sc.startDate, end: sc.endDate || sc.startDate, status: "CAMPAIGN" })),
    ...acts.filter((a) => a.startDate && (a.startDate !== start || (a.endDate && a.endDate !== end))).map((a) => ({ id: a.id, label: pick(a, "title"), start: a.startDate, end: a.endDate || a.startDate, status: a.status })),
  ];
  const title = pick(c, "name");
  return [
    h("section", { class: "figure" },
      h("h2", {}, title),
      h("dl", { class: "facts" },
        h("dt", {}, t("theme")), h("dd", {}, pick(c, "theme") || "–"),
        h("dt", {}, t("dates")), h("dd", {}, `${fmtDate(c.startDate)} – ${c.endDate ? fmtDate(c.endDate) : "…"}`),
        c.leadAgency ? [h("dt", {}, t("agency")), h("dd", {}, pick(c.leadAgency))] : null,
        h("dt", {}, t("directive")), h("dd", {}, [c.directive.number || "–", c.directive.date ? ` (${fmtDate(c.directive.date)})` : "", c.directive.issuer ? ` · ${pick(c.directive.issuer)}` : ""]),
        c.source ? [h("dt", {}, t("source")), h("dd", {}, sourceLinks([c.source]))] : null,
      ),
      c.subCampaigns.length ? [h("h3", {}, t("subCampaigns")), h("ul", {}, c.subCampaigns.map((sc) => h("li", {}, `${pick(sc)}: ${fmtDate(sc.startDate)} – ${sc.endDate ? fmtDate(sc.endDate) : "…"}`)))] : null,
    ),
    h("section", { class: "figure" },
      h("h2", { id: "tasks-title" }, `${t("tasks")} (${c.activities.totalCount})`),
      h("h3", { id: "timeline-title" }, t("timeline")),
      h("div", { class: "chart" }, Object.assign(timeline(dated, start, end), {})),
      h("p", { class: "desc" }, `${t("DIRECTED")}: ${acts.filter((a) => a.status === "DIRECTED").length} · ${t("REPORTED")}: ${acts.filter((a) => a.status === "REPORTED").length}`),
      dataTable({
        caption: t("tasks"),
        columns: [{ label: t("agency") }, { label: t("task") }, { label: t("status") }, { label: t("dates") }, { label: t("source") }],
        rows: acts.map((a) => ({
          attrs: { "data-code": a.id },
          cells: [
            a.leadAgency ? pick(a.leadAgency) : "–",
            pick(a, "title"),
            a.status ? t(a.status) : "–",
            a.startDate ? `${fmtDate(a.startDate)} – ${a.endDate ? fmtDate(a.endDate) : "…"}` : "–",
            h("span", {}, shortSources(a.sources)),
          ],
          sort: [a.leadAgency ? pick(a.leadAgency) : "", pick(a, "title"), a.status, a.startDate, ""],
        })),
      }),
    ),
  ];
}

export async function renderFigures(ctx) {
  const all = [];
  try {
    let after = null;
    do {
      const d = await gql("PublishedFigures", { year: null, after });
      all.push(...d.publishedFigures.edges.map((e) => e.node));
      after = d.publishedFigures.pageInfo.hasNextPage ? d.publishedFigures.pageInfo.endCursor : null;
    } while (after);
  } catch (e) {
    return [refusal(e)];
  }
  const years = [...new Set(all.map((f) => String(f.year)))].sort().reverse();
  const year = years.includes(ctx.state.period) ? ctx.state.period : years[0];
  const shown = all.filter((f) => String(f.year) === year);
  const value = (f) => (f.value != null ? `${fmtNumber(f.value)}${f.unit === "percent" ? " %" : ""}` : f.valueText || "–");
  return [
    h("div", { class: "controls" }, select(t("year"), year, years.map((y) => ({ value: y, label: y })), (period) => ctx.navigate({ period }), "period")),
    h("section", { class: "figure" },
      h("h2", {}, `${t("views").figures}, ${year}`),
      h("p", { class: "desc" }, t("figuresIntro")),
      dataTable({
        caption: `${t("views").figures}, ${year}`,
        columns: [{ label: t("metric") }, { label: t("value"), numeric: true }, { label: t("scope") }, { label: t("period") }, { label: t("source") }, { label: t("notes") }],
        rows: shown.map((f) => ({
          attrs: { "data-code": f.id },
          cells: [f.metric, value(f), f.scope === "national" ? t("national") : f.scope, f.periodStart ? `${f.periodStart} – ${f.periodEnd}` : String(f.year), h("span", {}, sourceLinks([f.source].filter(Boolean)), f.source?.publisher ? ` (${f.source.publisher})` : ""), [f.notes || "", f.reliability ? ` · ${t("reliability")}: ${f.reliability}` : ""]],
          sort: [f.metric, f.value, f.scope, f.periodStart, f.source?.title, f.notes],
        })),
      }),
    ),
  ];
}

export async function renderMethod(ctx) {
  let d;
  try {
    d = await gql("Method", {});
  } catch (e) {
    return [refusal(e)];
  }
  const m = d.dataset.methodology;
  return [
    h("section", { class: "figure" },
      h("h2", {}, t("method")),
      h("p", {}, getLang() === "vi" ? m.methodVi : m.method),
      h("ul", { class: "notes" }, m.notes.map((n) => h("li", {}, n))),
      dataTable({
        caption: `${t("method")}: perturbation`,
        columns: [{ label: t("trueCount") }, { label: t("change"), numeric: true }, { label: t("probability"), numeric: true }],
        rows: m.perturbationTable.map((p) => ({ cells: [p.trueCount, p.change > 0 ? `+${p.change}` : String(p.change), fmtNumber(p.probability)], sort: [p.trueCount, p.change, p.probability] })),
      }),
      dataTable({
        caption: t("ageRule"),
        columns: [{ label: t("regionLevel") }, { label: t("granularity") }, { label: t("allowance") }],
        rows: m.ageRule.map((r) => ({ cells: [r.regionLevel, t(r.granularity), r.allowance], sort: [r.regionLevel, r.granularity, r.allowance] })),
      }),
      h("h3", {}, t("licence")), h("p", {}, d.dataset.licence),
      h("h3", {}, t("cite")), h("p", {}, d.dataset.citation),
    ),
    h("section", { class: "figure" },
      h("h2", {}, t("releases")),
      dataTable({
        caption: t("releases"),
        columns: [{ label: t("release") }, { label: t("published") }, { label: t("notes") }],
        rows: d.releases.map((r) => ({ attrs: { "data-code": r.code }, cells: [r.code, fmtDate(r.publishedAt), r.notes], sort: [r.code, r.publishedAt, r.notes] })),
      }),
      h("h2", {}, t("sources")),
      dataTable({
        caption: t("sources"),
        columns: [{ label: t("source") }, { label: t("publisher") }, { label: t("licence") }],
        rows: d.sources.edges.map(({ node: x }) => ({ cells: [x.url ? h("a", { href: x.url, rel: "noopener noreferrer" }, x.title) : x.title, `${x.publisher} · ${x.kind}`, x.licence || "–"], sort: [x.title, x.publisher, x.licence] })),
      }),
      h("h2", {}, t("documents")),
      documentList().map((doc) => h("details", {}, h("summary", {}, `${doc.name} · sha256 ${doc.hash.slice(0, 12)}…`), h("pre", { class: "snippet" }, h("code", {}, doc.query)))),
    ),
  ];
}
