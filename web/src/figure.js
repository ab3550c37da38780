// What every chart carries: a title, a text description, the chart, the same numbers as a
// sortable table, the small-count and perturbation note, downloads (the server's CSV and its
// sidecar, the chart as SVG and PNG with the citation printed on it), an embed snippet pinned to
// the release, and a "cite this" block.
import { h, nextId } from "./dom.js";
import { t, fmtDate, getLang } from "./i18n.js";
import { downloadPng, downloadSvg } from "./export.js";
import { embedUrlOf, permalinkOf } from "./state.js";

/**
 * A sortable table. `columns`: {label, numeric?}; `rows`: {cells: [text|Node], sort: [values],
 * attrs: {...}} (attrs land on the <tr>, e.g. data-code and data-display for the tests).
 */
export function dataTable({ caption, columns, rows }) {
  const tbody = h("tbody");
  let order = { col: -1, dir: 1 };
  const draw = () => {
    const sorted = [...rows];
    if (order.col >= 0) {
      sorted.sort((a, b) => {
        const x = a.sort[order.col], y = b.sort[order.col];
        if (x == null && y == null) return 0;
        if (x == null) return 1;
        if (y == null) return -1;
        return (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), getLang())) * order.dir;
      });
    }
    tbody.replaceChildren(...sorted.map((r) => h("tr", r.attrs || {}, r.cells.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c) : h("td", { class: columns[i].numeric ? "num" : null }, c))))));
    ths.forEach((th, i) => th.setAttribute("aria-sort", i === order.col ? (order.dir > 0 ? "ascending" : "descending") : "none"));
  };
  const ths = columns.map((c, i) =>
    h("th", { scope: "col", class: c.numeric ? "num" : null },
      h("button", {
        type: "button",
        class: "sort",
        onclick: () => {
          order = { col: i, dir: order.col === i ? -order.dir : c.numeric ? -1 : 1 };
          draw();
        },
      }, c.label)),
  );
  const table = h("table", { class: "data" }, h("caption", {}, caption), h("thead", {}, h("tr", {}, ths)), tbody);
  draw();
  return h("div", { class: "table-wrap" }, table);
}

function copyButton(getText) {
  const btn = h("button", { type: "button", class: "small" }, t("copy"));
  btn.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(getText());
      btn.textContent = t("copied");
    } catch {
      btn.textContent = t("copy");
    }
  });
  return btn;
}

/**
 * The frame of one chart. `ctx`: {state, dataset, release}; `chart`: an <svg> (or null);
 * `csv`: the export parameters (or null for data that is not case statistics); `host`: an element
 * holding `chart` with what goes with it (the map's tooltip).
 */
export function figure(ctx, { title, description, chart, host, legend, table, csv, notes = [], embedded = ctx.embed, layout }) {
  const id = nextId("fig");
  const release = ctx.release;
  const permalink = permalinkOf(ctx.state, release);
  const embedUrl = embedUrlOf(ctx.state, release);
  const today = new Date().toISOString().slice(0, 10);
  const citation = t("citeText")(ctx.dataset.title, release, fmtDate(today), permalink);
  const allNotes = [t("perturbation"), ...notes];
  const printed = {
    title,
    lines: [
      ...(ctx.dataset.synthetic ? [t("synthetic")] : []),
      ...allNotes,
      `${t("source")}: ctip-api · ${t("release")} ${release} · ${t("licence")}: ${ctx.dataset.licence}`,
      permalink,
    ],
  };
  const fileBase = `ctip-${ctx.state.view}-${release}`;
  const parts = [
    h("h2", { id: `${id}-title` }, title),
    h("p", { class: "desc", id: `${id}-desc` }, description),
  ];
  if (chart) {
    chart.setAttribute("role", "img");
    chart.setAttribute("aria-labelledby", `${id}-title`);
    chart.setAttribute("aria-describedby", `${id}-desc`);
    parts.push(h("div", { class: "chart" }, host || chart));
  }
  if (legend) parts.push(legend);
  parts.push(h("ul", { class: "notes" }, allNotes.map((n) => h("li", {}, n))));
  if (table) {
    parts.push(embedded ? h("details", {}, h("summary", {}, t("table")), dataTable(table)) : dataTable(table));
  }
  const downloads = h("div", { class: "downloads", role: "group", "aria-label": t("download") },
    csv ? [
      h("a", { class: "button", href: `/export/case-statistics.csv?${new URLSearchParams({ ...csv, release, lang: getLang() })}`, download: "" }, t("csv")),
      h("a", { class: "button", href: `/export/case-statistics.meta.json?${new URLSearchParams({ ...csv, release })}` }, t("sidecar")),
    ] : null,
    chart ? [
      h("button", { type: "button", onclick: () => downloadSvg(chart, printed, `${fileBase}.svg`) }, t("svg")),
      h("button", { type: "button", onclick: () => downloadPng(chart, printed, `${fileBase}.png`) }, t("png")),
    ] : null,
  );
  parts.push(downloads);
  if (!embedded) {
    const snippet = `<iframe src="${embedUrl}" title="${title.replace(/"/g, "&quot;")}" width="100%" height="720" loading="lazy" frameborder="0"></iframe>
<script>addEventListener("message",function(e){var d=e.data;if(d&&d.ctipEmbedHeight){document.querySelectorAll("iframe").forEach(function(f){if(f.contentWindow===e.source)f.height=d.ctipEmbedHeight})}})</script>`;
    parts.push(
      h("details", { class: "share" },
        h("summary", {}, `${t("cite")} · ${t("embed")} · ${t("permalink")}`),
        h("h3", {}, t("cite")),
        h("p", { class: "cite" }, h("span", { "data-cite": "" }, citation), " ", copyButton(() => citation)),
        h("h3", {}, t("permalink")),
        h("p", {}, h("a", { href: permalink, "data-permalink": "" }, permalink), " ", copyButton(() => permalink)),
        h("h3", {}, t("embed")),
        h("p", {}, t("embedHelp")),
        h("pre", { class: "snippet" }, h("code", { "data-embed": embedUrl }, snippet)),
        copyButton(() => snippet),
      ),
    );
  } else {
    parts.push(h("p", { class: "embed-credit" }, h("a", { href: permalink, target: "_blank", rel: "noopener" }, `${ctx.dataset.title} · ${t("release")} ${release}`)));
  }
  return h("section", { class: `figure ${layout || ""}`, "aria-labelledby": `${id}-title` }, parts);
}
