// The dashboard in a real browser against the real server: every view renders with the API's
// numbers (each shape, bar and table row carries data-code and data-display, compared with the
// API's `display`), no console error, no request to another origin, permalinks, the language
// switch, downloads, the embed page, axe-core on every view, and a phone's width.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { api, startBrowser, startServer } from "./server.mjs";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

let server, browser, base;
const problems = [];

/** A new page that records console errors, page errors and any request to another origin. */
async function openPage(path, { width = 1200, height = 1000, lang = "en-GB" } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: lang, acceptDownloads: true });
  const page = await context.newPage();
  page.on("console", (m) => m.type() === "error" && problems.push(`${path}: console error: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`${path}: page error: ${e.message}`));
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (!["data:", "blob:"].includes(u.protocol) && u.origin !== base) problems.push(`${path}: request to another origin: ${r.url()}`);
  });
  if (path) await goto(page, path);
  return page;
}

async function goto(page, path) {
  await page.goto(base + path);
  await ready(page);
}

/** Waits until the view named in the URL is drawn. */
async function ready(page) {
  await page.waitForFunction(() => document.getElementById("app")?.getAttribute("aria-busy") === "false" && document.getElementById("app").dataset.ready, null, { timeout: 30_000 });
}

/** code → display of the elements matching `selector`. */
const displays = (page, selector) =>
  page.$$eval(selector, (els) => Object.fromEntries(els.map((e) => [e.dataset.code, e.dataset.display])));

async function axe(page, name) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.length}) ${v.nodes.slice(0, 2).map((n) => n.target.join(" ")).join(", ")}`), [], `${name}: axe`);
  return result;
}

const MAP_QUERY = `query($p: String!, $b: Boundaries!) { caseStatistics(metric: VICTIMS_IDENTIFIED, filter: { period: $p }, groupBy: [REGION], boundaries: $b, release: "demo-1") { rows { region { code } value { display status } } total { display } } }`;

before(async () => {
  server = await startServer();
  base = server.base;
  browser = await startBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe("the dashboard", () => {
  test("the map of 2024 shows the API's display of every province, with the archipelagos as parts of Đà Nẵng and Khánh Hòa", async () => {
    const page = await openPage("/?view=map&metric=VICTIMS_IDENTIFIED&period=2024&boundaries=AS_RECORDED&measure=count&lang=en&release=demo-1");
    const want = Object.fromEntries((await api(base, MAP_QUERY, { p: "2024", b: "AS_RECORDED" })).caseStatistics.rows.map((r) => [r.region.code, r.value.display]));
    assert.equal(Object.keys(want).length, 63);
    assert.deepEqual(await displays(page, "g.units path[data-code]"), want);
    assert.deepEqual(await displays(page, "table.data tr[data-code]"), want);
    // "<5" and "0" are classes of their own, never a colour of the scale.
    const classes = await page.$$eval("g.units path[data-code]", (els) => els.map((e) => [e.dataset.display, e.dataset.class, e.getAttribute("fill")]));
    for (const [display, cls, fill] of classes) {
      if (display === "<5") assert.equal(cls, "low");
      else if (display === "0") assert.equal(cls, "zero");
      else assert.match(cls, /^c\d$/);
      if (cls === "low" || cls === "zero") assert.match(fill, /^url\(#/);
    }
    assert.ok(classes.some(([d]) => d === "<5"), "the demo data has suppressed provinces");
    assert.deepEqual(
      await page.$$eval("[data-inset]", (els) => els.map((e) => [e.dataset.inset, e.dataset.code, e.dataset.display])),
      [["hoang-sa", "VN-P63-48", want["VN-P63-48"]], ["truong-sa", "VN-P63-56", want["VN-P63-56"]]],
    );
    assert.match(await page.textContent("[data-archipelago=hoang-sa]"), /Hoàng Sa/);
    assert.ok(await page.$("[data-synthetic]"), "the synthetic banner");
    // Hover: the tooltip shows the name, the display and the population year.
    await page.hover('g.units path[data-code="VN-P63-02"]');
    const tip = await page.textContent(".tooltip");
    assert.match(tip, /Ha Giang/);
    assert.ok(tip.includes(`: ${want["VN-P63-02"]}`), tip);
    assert.match(tip, /Population year: \d{4}|Population year: –/);
    await page.context().close();
  });

  test("the switch to the 34 units of July 2025 writes the URL and shows their numbers; Back returns", async () => {
    const page = await openPage("/?view=map&metric=VICTIMS_IDENTIFIED&period=2024&lang=en&release=demo-1");
    await page.check('input[name=boundaries][value="V2025"]');
    await page.waitForURL(/boundaries=V2025/);
    await ready(page);
    const want = Object.fromEntries((await api(base, MAP_QUERY, { p: "2024", b: "V2025" })).caseStatistics.rows.map((r) => [r.region.code, r.value.display]));
    assert.equal(Object.keys(want).length, 34);
    assert.deepEqual(await displays(page, "g.units path[data-code]"), want);
    assert.deepEqual(await page.$$eval("[data-inset]", (els) => els.map((e) => e.dataset.code)), ["VN-P34-48", "VN-P34-56"]);
    await page.goBack();
    await page.waitForURL((u) => !u.search.includes("V2025"));
    await ready(page);
    assert.equal((await page.$$("g.units path[data-code]")).length, 63);
    await page.context().close();
  });

  test("from the keyboard: a province takes the focus, shows its numbers, and Enter opens its page", async () => {
    const page = await openPage("/?view=map&metric=VICTIMS_IDENTIFIED&period=2024&lang=en&release=demo-1");
    await page.focus('g.units path[data-code="VN-P63-02"]');
    assert.equal(await page.isVisible(".tooltip"), true);
    assert.match(await page.textContent(".tooltip"), /Ha Giang/);
    // The focus is visible: the focused unit's outline differs from its neighbours'.
    const stroke = await page.$eval('g.units path[data-code="VN-P63-02"]', (e) => getComputedStyle(e).stroke);
    const other = await page.$eval('g.units path[data-code="VN-P63-04"]', (e) => getComputedStyle(e).stroke);
    assert.notEqual(stroke, other);
    await page.keyboard.press("Enter");
    await page.waitForURL(/view=region&metric=VICTIMS_IDENTIFIED&region=VN-P63-02/);
    await ready(page);
    assert.match(await page.textContent("h2.region-name"), /Ha Giang/);
    // A table header sorts from the keyboard too.
    await page.focus("table.data thead th:nth-child(2) button");
    await page.keyboard.press("Enter");
    assert.match(await page.getAttribute("table.data thead th:nth-child(2)", "aria-sort"), /ascending|descending/);
    await page.context().close();
  });

  test("a permalink opened in a new page shows the same view with the same numbers, pinned to its release", async () => {
    const page = await openPage("/?view=map&metric=CASES_DETECTED&period=2023&boundaries=V2025&measure=rate&lang=vi");
    const first = await displays(page, "g.units path[data-code]");
    const permalink = await page.getAttribute("[data-permalink]", "href");
    assert.match(permalink, /release=demo-1/);
    assert.match(permalink, /measure=rate/);
    const other = await openPage(new URL(permalink).pathname + new URL(permalink).search);
    assert.deepEqual(await displays(other, "g.units path[data-code]"), first);
    assert.equal(await other.$eval("input[name=measure]:checked", (e) => e.value), "rate");
    await page.context().close();
    await other.context().close();
  });

  test("the language switch changes labels and formats, and keeps the numbers", async () => {
    const page = await openPage("/?view=map&metric=VICTIMS_IDENTIFIED&period=2024&lang=en&release=demo-1");
    const before = await displays(page, "g.units path[data-code]");
    assert.equal(await page.getAttribute("html", "lang"), "en");
    await page.click("button.lang");
    await page.waitForURL(/lang=vi/);
    await ready(page);
    assert.equal(await page.getAttribute("html", "lang"), "vi");
    assert.match(await page.textContent("nav"), /Bản đồ/);
    assert.match(await page.textContent("table.data caption"), /Số nạn nhân|nạn nhân/i);
    assert.deepEqual(await displays(page, "g.units path[data-code]"), before);
    // A rate in Vietnamese uses a decimal comma.
    const rate = await page.$eval("table.data tbody tr td:nth-child(3)", (td) => td.textContent);
    assert.match(rate, /^(\d+,\d{2}|–)$/);
    // Without a language in the URL, the browser's is used.
    const vi = await openPage("/", { lang: "vi-VN" });
    assert.equal(await vi.getAttribute("html", "lang"), "vi");
    await page.context().close();
    await vi.context().close();
  });

  test("the downloads: the SVG parses and carries the citation, the PNG decodes, the CSV has the API's numbers", async () => {
    const page = await openPage("/?view=map&metric=VICTIMS_IDENTIFIED&period=2024&lang=en&release=demo-1");
    const [svgDl] = await Promise.all([page.waitForEvent("download"), page.click("text=Image (SVG)")]);
    const svg = readFileSync(await svgDl.path(), "utf8");
    assert.match(svgDl.suggestedFilename(), /\.svg$/);
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, "image/svg+xml");
      return { error: !!doc.querySelector("parsererror"), units: doc.querySelectorAll("path[data-code]").length, text: doc.documentElement.textContent };
    }, svg);
    assert.equal(parsed.error, false);
    assert.ok(parsed.units >= 63);
    assert.match(parsed.text, /Victims identified, 2024/);
    assert.match(parsed.text, /Release demo-1/);
    assert.match(parsed.text, /release=demo-1/);
    assert.match(parsed.text, /CC BY 4.0/);

    const [pngDl] = await Promise.all([page.waitForEvent("download"), page.click("text=Image (PNG)")]);
    const png = readFileSync(await pngDl.path());
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const size = await page.evaluate(async (b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const bmp = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
      return [bmp.width, bmp.height];
    }, png.toString("base64"));
    assert.ok(size[0] >= 960 && size[1] > size[0], `${size}`);

    const href = await page.getAttribute("a.button[href^='/export/case-statistics.csv']", "href");
    assert.match(href, /release=demo-1/);
    const csv = await (await fetch(base + href)).text();
    const want = Object.fromEntries((await api(base, MAP_QUERY, { p: "2024", b: "AS_RECORDED" })).caseStatistics.rows.map((r) => [r.region.code, r.value.display]));
    const [head, ...lines] = csv.replace(/^\uFEFF/, "").split(/\r?\n/).filter(Boolean);
    const cols = head.split(",");
    const got = Object.fromEntries(
      lines.map((l) => l.split(",")).filter((c) => c[cols.indexOf("row")] === "group").map((c) => [c[cols.indexOf("region_code")], c[cols.indexOf("display")]]),
    );
    assert.deepEqual(got, want);
    await page.context().close();
  });

  test("the embed page shows only its chart, pinned to its release", async () => {
    const page = await openPage("/embed/map?metric=VICTIMS_IDENTIFIED&period=2024&boundaries=V2025&measure=count&lang=en&release=demo-1", { width: 400 });
    assert.equal(await page.$("nav"), null);
    assert.equal(await page.$("select"), null);
    assert.equal((await page.$$("g.units path[data-code]")).length, 34);
    assert.ok(await page.$("[data-synthetic]"));
    const want = Object.fromEntries((await api(base, MAP_QUERY, { p: "2024", b: "V2025" })).caseStatistics.rows.map((r) => [r.region.code, r.value.display]));
    assert.deepEqual(await displays(page, "g.units path[data-code]"), want);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 400));
    await axe(page, "embed");
    await page.context().close();
  });

  test("the trends, the breakdowns and the province page show the API's displays", async () => {
    const page = await openPage("/?view=trends&metric=CASES_DETECTED&region=VN&granularity=QUARTER&lang=en&release=demo-1");
    const trend = await api(base, `{ caseStatistics(metric: CASES_DETECTED, filter: { region: "VN" }, groupBy: [PERIOD], periodGranularity: QUARTER, release: "demo-1") { rows { period { label } value { display } } } }`);
    const wantTrend = Object.fromEntries(trend.caseStatistics.rows.map((r) => [r.period.label, r.value.display]));
    assert.deepEqual(await displays(page, "g.bar[data-code]"), wantTrend);
    assert.deepEqual(await displays(page, "table.data tr[data-code]"), wantTrend);

    await goto(page, "/?view=trends&metric=VICTIMS_IDENTIFIED&region=REGIONS&granularity=YEAR&lang=en&release=demo-1");
    const regions = await api(base, `{ caseStatistics(metric: VICTIMS_IDENTIFIED, groupBy: [REGION, PERIOD], regionLevel: SOCIO_ECONOMIC_REGION, release: "demo-1") { rows { region { code } period { label } value { display } } } }`);
    const wantRegions = Object.fromEntries(regions.caseStatistics.rows.map((r) => [`${r.region.code}|${r.period.label}`, r.value.display]));
    assert.deepEqual(await displays(page, "g.bar[data-code]"), wantRegions);
    assert.deepEqual(await displays(page, "table.data tr[data-code]"), wantRegions);

    await goto(page, "/?view=breakdowns&metric=VICTIMS_IDENTIFIED&period=2024&region=VN&dim=SEX&lang=en&release=demo-1");
    const sex = await api(base, `{ caseStatistics(metric: VICTIMS_IDENTIFIED, filter: { region: "VN", period: "2024" }, groupBy: [SEX], release: "demo-1") { rows { sex value { display } } } }`);
    assert.deepEqual(await displays(page, "g.bar[data-code]"), Object.fromEntries(sex.caseStatistics.rows.map((r) => [r.sex, r.value.display])));
    // The metric's dimensions come from the API: cases have no sex, so it is not offered.
    await goto(page, "/?view=breakdowns&metric=CASES_DETECTED&period=2024&region=VN&dim=SEX&lang=en&release=demo-1");
    const offered = await page.$$eval("select[name=dim] option", (os) => os.map((o) => o.value));
    assert.deepEqual(offered, ["EXPLOITATION_FORM", "DESTINATION"]);
    // The age group is offered exactly where the API's age rule allows it for a year.
    const rule = (await api(base, `{ dataset { methodology { ageRule { regionLevel granularity allowance } } } }`)).dataset.methodology.ageRule;
    for (const [region, level] of [["VN", "COUNTRY"], ["VN-NMM", "SOCIO_ECONOMIC_REGION"], ["VN-P63-02", "PROVINCE"]]) {
      await goto(page, `/?view=breakdowns&metric=VICTIMS_IDENTIFIED&period=2024&region=${region}&dim=SEX&lang=en&release=demo-1`);
      const dims = await page.$$eval("select[name=dim] option", (os) => os.map((o) => o.value));
      const allowed = rule.some((r) => r.regionLevel === level && r.granularity === "YEAR" && r.allowance !== "NEVER");
      assert.equal(dims.includes("AGE_GROUP"), allowed, `${region}: ${dims}`);
    }

    await goto(page, "/?view=region&metric=VICTIMS_IDENTIFIED&region=VN-P63-02&boundaries=AS_RECORDED&lang=en&release=demo-1");
    const series = await api(base, `{ caseStatistics(metric: VICTIMS_IDENTIFIED, filter: { region: "VN-P63-02" }, groupBy: [PERIOD], release: "demo-1") { rows { period { label } value { display } } } }`);
    assert.deepEqual(await displays(page, "table.data tr[data-code]"), Object.fromEntries(series.caseStatistics.rows.map((r) => [r.period.label, r.value.display])));
    assert.match(await page.textContent("dl.facts"), /Tuyen Quang/); // Hà Giang went into Tuyên Quang

    await goto(page, "/?view=figures&period=2024&lang=en&release=demo-1");
    const figures = await api(base, `{ publishedFigures(year: 2024, first: 100) { totalCount edges { node { id source { url } } } } }`);
    const ids = await page.$$eval("table.data tr[data-code]", (trs) => trs.map((tr) => tr.dataset.code));
    assert.deepEqual(ids.sort(), figures.publishedFigures.edges.map((e) => e.node.id).sort());
    assert.equal(ids.length, figures.publishedFigures.totalCount);

    await goto(page, "/?view=campaign&lang=en&release=demo-1");
    const campaign = await api(base, `{ campaign(slug: "action-month-2024") { activities(first: 100) { totalCount } } }`);
    assert.equal((await page.$$("table.data tr[data-code]")).length, campaign.campaign.activities.totalCount);
    await page.context().close();
  });

  test("a request the API refuses shows the API's message", async () => {
    const page = await openPage("/?view=map&metric=VICTIMS_IDENTIFIED&period=2024-13&lang=en&release=demo-1");
    const msg = await page.textContent(".refusal p");
    const body = await (await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query: `{ caseStatistics(metric: VICTIMS_IDENTIFIED, filter: { period: "2024-13" }, groupBy: [REGION], boundaries: AS_RECORDED, release: "demo-1") { total { display } } }` }),
    })).json();
    assert.equal(msg, body.errors[0].message);
    await page.context().close();
  });

  test("every view: axe finds no serious or critical violation, and nothing scrolls sideways at 375 px", async () => {
    const views = [
      "/?view=map&metric=VICTIMS_IDENTIFIED&period=2024&boundaries=AS_RECORDED&measure=count",
      "/?view=map&metric=VICTIMS_IDENTIFIED&period=2024&boundaries=V2025&measure=rate",
      "/?view=region&metric=VICTIMS_IDENTIFIED&region=VN-P34-08&boundaries=V2025",
      "/?view=trends&metric=VICTIMS_IDENTIFIED&region=VN&granularity=MONTH",
      "/?view=trends&metric=CASES_DETECTED&region=REGIONS&granularity=QUARTER",
      "/?view=breakdowns&metric=VICTIMS_IDENTIFIED&period=2024&region=VN&dim=EXPLOITATION_FORM",
      "/?view=campaign",
      "/?view=figures&period=2024",
      "/?view=method",
    ];
    for (const lang of ["en", "vi"]) {
      for (const [width, height] of [[1200, 1000], [375, 800]]) {
        const page = await openPage(null, { width, height });
        for (const v of views) {
          await goto(page, `${v}&lang=${lang}&release=demo-1`);
          // With every disclosure open (the citation and the embed snippet hold long URLs).
          await page.$$eval("details", (ds) => ds.forEach((d) => (d.open = true)));
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          assert.ok(overflow <= 0, `${v} at ${width}px scrolls sideways by ${overflow}px`);
          if (width === 1200 || lang === "vi") await axe(page, `${v} ${lang} ${width}px`);
        }
        await page.context().close();
      }
    }
  });

  test("no console error and no request to another origin in any of the above", () => {
    assert.deepEqual(problems, []);
  });
});
