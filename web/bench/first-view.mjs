// The first view's weight and speed: a fresh browser (empty cache) opens the dashboard's default
// URL on the server with the synthetic demo data, and this reports the bytes transferred (as
// sent, and each response gzipped at level 9 for the budget of 250 KB) and the time from
// navigation to the drawn map (a performance mark the dashboard sets). Median of RUNS runs.
//
//   cargo build --release && (cd web && CTIP_BIN=../target/release/ctip-api node bench/first-view.mjs)
import { gzipSync } from "node:zlib";
import { startBrowser, startServer } from "../test/server.mjs";

const RUNS = Number(process.env.RUNS || 7);
const server = await startServer();
const browser = await startBrowser();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({ viewport: { width: 1200, height: 1000 }, locale: "vi-VN" });
    const page = await context.newPage();
    const responses = [];
    page.on("response", (r) => responses.push(r));
    await page.goto(`${server.base}/`);
    await page.waitForFunction(() => performance.getEntriesByName("ctip:map-drawn").length > 0, null, { timeout: 60_000 });
    const ms = await page.evaluate(() => performance.getEntriesByName("ctip:map-drawn")[0].startTime);
    let sent = 0, gzip = 0, raw = 0;
    const files = [];
    for (const r of responses) {
      const sizes = await r.request().sizes();
      const body = await r.body().catch(() => Buffer.alloc(0));
      const gz = gzipSync(body, { level: 9 }).length;
      sent += sizes.responseBodySize + sizes.responseHeadersSize;
      gzip += gz;
      raw += body.length;
      const u = new URL(r.url());
      files.push({ path: `${u.pathname}${u.searchParams.get("operationName") ? `?${u.searchParams.get("operationName")}` : ""}`, encoding: r.headers()["content-encoding"] || "-", raw: body.length, gzip: gz });
    }
    runs.push({ ms, sent, gzip, raw, requests: responses.length, files });
    await context.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
const last = runs[runs.length - 1];
console.log(`first view (${RUNS} runs, fresh cache each): ${last.requests} requests`);
console.log(`  bytes transferred (as sent, headers included): median ${median(runs.map((r) => r.sent))}`);
console.log(`  bodies: ${last.raw} raw, ${last.gzip} gzip -9 (budget 256000)`);
console.log(`  time to the drawn map: median ${Math.round(median(runs.map((r) => r.ms)))} ms, min ${Math.round(Math.min(...runs.map((r) => r.ms)))} ms, max ${Math.round(Math.max(...runs.map((r) => r.ms)))} ms`);
for (const f of last.files) console.log(`  ${f.path.padEnd(40)} ${String(f.raw).padStart(7)} raw ${String(f.gzip).padStart(7)} gzip  (sent ${f.encoding})`);
if (last.gzip > 256000) process.exitCode = 1;
