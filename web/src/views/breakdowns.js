// Breakdowns by sex, age group, exploitation form and destination. Only what the metric supports
// and the API's age rule allows is offered (both read from dataset.methodology); if the API still
// refuses (e.g. a period not complete for the age group), its message is shown as it is.
import { h } from "../dom.js";
import { getLang, pick, t } from "../i18n.js";
import { gql } from "../api.js";
import { figure } from "../figure.js";
import { bars, screenWidth } from "../bars.js";
import { metricLabel, metricSelect, refusal, select } from "../controls.js";

const FIELD = { SEX: "sex", AGE_GROUP: "ageGroup", EXPLOITATION_FORM: "exploitationForm", DESTINATION: "destination" };

/** Whether the age rule allows the age group at this region level for a year. */
export const ageAllowed = (meta, regionLevel) =>
  meta.ageRule.some((r) => r.regionLevel === regionLevel && r.granularity === "YEAR" && r.allowance !== "NEVER");

export async function renderBreakdowns(ctx) {
  const { state, meta } = ctx;
  // The country, the six regions, and the provinces valid at the end of the year.
  let regions = [], provinces = [];
  try {
    const validOn = `${/^\d{4}$/.test(state.period) ? state.period : "2024"}-12-31`;
    [regions, provinces] = (await Promise.all([
      gql("Regions", { level: "SOCIO_ECONOMIC_REGION", validOn: "2024-12-31" }),
      gql("Regions", { level: "PROVINCE", validOn }),
    ])).map((d) => d.regions.edges.map((e) => e.node));
  } catch {
    regions = [];
  }
  const known = (code) => code === "VN" || regions.some((r) => r.code === code) || provinces.some((r) => r.code === code);
  const region = known(state.region) ? state.region : "VN";
  const level = region === "VN" ? "COUNTRY" : provinces.some((r) => r.code === region) ? "PROVINCE" : "SOCIO_ECONOMIC_REGION";
  const supported = (meta.metrics.find((m) => m.metric === state.metric)?.dimensions || []).filter((d) => FIELD[d]);
  const offered = supported.filter((d) => d !== "AGE_GROUP" || ageAllowed(meta, level));
  const dim = offered.includes(state.dim) ? state.dim : offered[0];
  const controls = h("div", { class: "controls" },
    metricSelect(ctx),
    select(t("year"), state.period, ctx.years.map((y) => ({ value: y, label: y })), (period) => ctx.navigate({ period }), "period"),
    select(t("area"), region, [
      { value: "VN", label: t("country") },
      ...regions.map((r) => ({ value: r.code, label: pick(r) })),
      ...[...provinces].sort((a, b) => pick(a).localeCompare(pick(b), getLang())).map((r) => ({ value: r.code, label: `${t("province")}: ${pick(r)}` })),
    ], (v) => ctx.navigate({ region: v }), "region"),
    offered.length ? select(t("dimension"), dim, offered.map((d) => ({ value: d, label: t(d) })), (v) => ctx.navigate({ dim: v }), "dim") : null,
  );
  if (!dim) return [controls, h("p", {}, `${metricLabel(ctx)}: ${t("noData")}`)];
  let data;
  try {
    data = await gql("Breakdown", { metric: state.metric, region, period: state.period, groupBy: [dim], release: ctx.release });
  } catch (e) {
    return [ctx.embed ? null : controls, refusal(e)];
  }
  const labels = meta.dimensionValues[FIELD[dim]];
  const label = (v) => pick(labels.find((l) => l.value === v), "label") || v;
  const rows = data.caseStatistics.rows.map((r) => ({ key: r[FIELD[dim]], label: label(r[FIELD[dim]]), value: r.value }));
  const areaName = region === "VN" ? t("country") : pick([...regions, ...provinces].find((r) => r.code === region));
  const title = `${metricLabel(ctx)} · ${t(dim)} · ${areaName}, ${state.period}`;
  const fig = figure(ctx, {
    title,
    description: `${t("barDesc")(metricLabel(ctx), t(dim), rows.length)} ${t("total")}: ${data.caseStatistics.total.display}.`,
    chart: bars(rows, { horizontal: true, width: screenWidth() }),
    table: {
      caption: title,
      columns: [{ label: t("category") }, { label: t("value"), numeric: true }],
      rows: rows.map((r) => ({ attrs: { "data-code": r.key, "data-display": r.value.display }, cells: [r.label, r.value.display], sort: [r.label, r.value.value] })),
    },
    csv: { metric: state.metric, region, period: state.period, groupBy: dim },
    notes: supported.includes("AGE_GROUP") && !offered.includes("AGE_GROUP") ? [`${t("AGE_GROUP")}: ${t("notAllowedHere")}.`] : [],
  });
  return [ctx.embed ? null : controls, fig];
}
