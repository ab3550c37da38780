// The dashboard: reads the state from the URL, asks the API, draws the view. Links are real links
// (every view has its URL); a click on one changes the state without a page load, and Back and
// Forward replay the states.
import { h, mount } from "./dom.js";
import { getLang, setLang, t } from "./i18n.js";
import { gql } from "./api.js";
import { hrefOf, queryOf, readState } from "./state.js";
import { loadGeometry, renderMap } from "./views/map.js";
import { renderRegion, renderTrends } from "./views/series.js";
import { renderBreakdowns } from "./views/breakdowns.js";
import { renderCampaign, renderFigures, renderMethod } from "./views/pages.js";
import { refusal } from "./controls.js";

const embed = document.body.dataset.mode === "embed";
const RENDER = { map: renderMap, region: renderRegion, trends: renderTrends, breakdowns: renderBreakdowns, campaign: renderCampaign, figures: renderFigures, method: renderMethod };
const NAV = ["map", "trends", "breakdowns", "campaign", "figures", "method"];

let state = readState(location, navigator.language);
let boot;
let drawing = 0;

function navigate(change, { replace = false } = {}) {
  // An embedded chart stays what it was embedded as: another view opens the dashboard.
  if (embed && change.view && change.view !== state.view) {
    window.open(hrefOf({ ...state, ...change }), "_blank", "noopener");
    return;
  }
  state = { ...state, ...change };
  const url = embed ? `${location.pathname}?${queryOf(state, { embed: true })}` : `/?${queryOf(state, { withRelease: !!state.release })}`;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  draw();
}

function header(ds) {
  const current = NAV.includes(state.view) ? state.view : state.view === "region" ? "map" : null;
  return [
    h("a", { class: "skip", href: "#main" }, t("skip")),
    h("header", { class: "top" },
      h("div", { class: "brand" },
        h("a", { href: hrefOf({ ...state, view: "map" }), "data-nav": "", class: "home" }, t("title")),
        h("button", { type: "button", class: "lang", lang: getLang() === "vi" ? "en" : "vi", "aria-label": t("languageLabel"), onclick: () => navigate({ lang: getLang() === "vi" ? "en" : "vi" }) }, t("language")),
      ),
      h("nav", { "aria-label": t("nav") },
        h("ul", {}, NAV.map((v) => h("li", {}, h("a", { href: hrefOf({ ...state, view: v }), "data-nav": "", "aria-current": v === current ? "page" : null }, t("views")[v]))))),
    ),
    ds.synthetic ? h("p", { class: "banner", role: "note", "data-synthetic": "" }, t("synthetic")) : null,
  ];
}

function footer(ds, release) {
  return h("footer", {},
    h("p", {}, `${ds.title} · ${t("release")} `, h("strong", { "data-release": release }, release), state.release ? "" : ` (${t("current")})`, ` · ${t("licence")}: ${ds.licence}`),
    h("p", {}, h("a", { href: "/graphql" }, "GraphQL API"), " · ", h("a", { href: "/schema.graphql" }, "schema.graphql")),
  );
}

/** Starts the map's request beside the others (the first view's critical path): the view's own
 * call to the same document with the same variables gets the same answer. */
function prefetch(release) {
  if (state.view !== "map" || !release) return;
  const { metric, period, boundaries } = state;
  gql("MapStatistics", { metric, period, boundaries, release }).catch(() => {});
}

async function draw() {
  const mine = ++drawing;
  setLang(state.lang);
  prefetch(state.release);
  const app = document.getElementById("app");
  app.setAttribute("aria-busy", "true");
  let data;
  try {
    data = await boot;
  } catch (e) {
    mount(app, h("main", { id: "main" }, refusal(e)));
    return;
  }
  const ds = data.dataset;
  const release = state.release || ds.currentRelease?.code;
  prefetch(release);
  let years = [];
  try {
    const trend = await gql("Trend", { metric: state.metric, region: "VN", granularity: "YEAR", release });
    years = trend.caseStatistics.rows.map((r) => r.period.label).reverse();
  } catch {
    years = [state.period];
  }
  if (!years.includes(state.period)) years.unshift(state.period);
  const ctx = { state, dataset: ds, meta: ds.methodology, release, years, navigate, embed };
  const view = RENDER[state.view] || renderMap;
  const content = await view(ctx);
  if (mine !== drawing) return; // a newer state was drawn meanwhile
  document.title = `${t("views")[state.view === "region" ? "map" : state.view] || ""} · ${t("title")}`;
  const main = h("main", { id: "main", tabindex: "-1" }, content);
  if (embed) mount(app, ds.synthetic ? h("p", { class: "banner", role: "note", "data-synthetic": "" }, t("synthetic")) : null, main);
  else mount(app, header(ds), main, footer(ds, release));
  app.setAttribute("aria-busy", "false");
  app.dataset.ready = `${state.view}`;
  // For the first-view benchmark (web/bench/first-view.mjs).
  performance.mark(`ctip:${state.view}-drawn`);
  if (embed && window.parent !== window) {
    window.parent.postMessage({ ctipEmbedHeight: document.documentElement.scrollHeight }, "*");
  }
}

// Links inside the dashboard change the state in place.
document.addEventListener("click", (e) => {
  const a = e.target.closest?.("a[data-nav]");
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const url = new URL(a.href);
  if (url.origin !== location.origin) return;
  e.preventDefault();
  if (embed) {
    window.open(url.href, "_blank", "noopener");
    return;
  }
  state = readState(url, navigator.language);
  history.pushState(null, "", url.pathname + url.search);
  draw().then(() => document.getElementById("main")?.focus({ preventScroll: false }));
});
window.addEventListener("popstate", () => {
  state = readState(location, navigator.language);
  draw();
});
if (embed) {
  window.addEventListener("resize", () => window.parent !== window && window.parent.postMessage({ ctipEmbedHeight: document.documentElement.scrollHeight }, "*"));
}

boot = gql("Dataset", {});
loadGeometry();
// Without a language in the URL the browser's is used; it is then written into the URL, so a
// shared link opens in the language it was shared in.
if (!new URLSearchParams(location.search).get("lang") && !embed) {
  history.replaceState(null, "", `/?${queryOf(state, { withRelease: !!state.release })}`);
}
draw();
