// The whole state of a view lives in the URL, so a link opened a year later shows the same view
// with the same numbers (once it names its release). Only the keys a view uses are written, in a
// fixed order, so one view has one URL.
export const VIEWS = ["map", "trends", "breakdowns", "campaign", "figures", "method", "region"];

const DEFAULTS = {
  view: "map",
  metric: "VICTIMS_IDENTIFIED",
  period: "2024",
  boundaries: "AS_RECORDED",
  measure: "count",
  granularity: "YEAR",
  region: "VN",
  dim: "SEX",
};

const KEYS = {
  map: ["metric", "period", "boundaries", "measure"],
  region: ["metric", "region", "boundaries"],
  trends: ["metric", "region", "granularity"],
  breakdowns: ["metric", "period", "region", "dim"],
  campaign: [],
  figures: ["period"],
  method: [],
};

const ENUMS = {
  boundaries: ["AS_RECORDED", "V2025"],
  measure: ["count", "rate"],
  granularity: ["MONTH", "QUARTER", "YEAR"],
  dim: ["SEX", "AGE_GROUP", "EXPLOITATION_FORM", "DESTINATION"],
  lang: ["vi", "en"],
};

/** Reads the state from a location; `/embed/<view>` names the view in its path. */
export function readState(location, browserLang) {
  const q = new URLSearchParams(location.search);
  const state = { ...DEFAULTS };
  const embed = location.pathname.match(/^\/embed\/([a-z]+)/);
  const view = embed ? embed[1] : q.get("view");
  if (VIEWS.includes(view)) state.view = view;
  for (const k of ["metric", "period", "boundaries", "measure", "granularity", "region", "dim", "lang", "release"]) {
    const v = q.get(k);
    if (v == null || v === "") continue;
    if (ENUMS[k] && !ENUMS[k].includes(v)) continue;
    state[k] = v;
  }
  if (!state.lang) state.lang = /^vi\b/i.test(browserLang || "") ? "vi" : browserLang ? "en" : "vi";
  if (state.view === "region" && state.region === "VN") state.view = "map";
  return state;
}

/** The query string of a state: the view, the keys it uses, the language and the release. */
export function queryOf(state, { withRelease = true, embed = false } = {}) {
  const q = new URLSearchParams();
  if (!embed) q.set("view", state.view);
  for (const k of KEYS[state.view] || []) if (state[k] != null) q.set(k, state[k]);
  q.set("lang", state.lang);
  if (withRelease && state.release) q.set("release", state.release);
  return q.toString();
}

/** A link inside the dashboard. */
export const hrefOf = (state) => `/?${queryOf(state)}`;

/** The absolute permalink of a state, pinned to its release. */
export const permalinkOf = (state, release) =>
  `${location.origin}/?${queryOf({ ...state, release: state.release || release })}`;

/** The absolute URL of the embed page of a state, pinned to its release. */
export const embedUrlOf = (state, release) =>
  `${location.origin}/embed/${state.view}?${queryOf({ ...state, release: state.release || release }, { embed: true })}`;
