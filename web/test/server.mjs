// Starts the real server (the debug build, or CTIP_BIN) on the embedded default in a temporary
// directory, so it fills itself with the synthetic demo data, and a headless Chromium (the
// system's, or CHROMIUM) driven by playwright-core, which downloads nothing.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));

const freePort = () =>
  new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });

export async function startServer() {
  const bin = process.env.CTIP_BIN || resolve(here, "../../target/debug/ctip-api");
  const dir = mkdtempSync(join(tmpdir(), "ctip-dashboard-"));
  const port = await freePort();
  // The embedded default: no database URL and no keys from the environment.
  const env = { ...process.env, CTIP_LISTEN: `127.0.0.1:${port}`, RUST_LOG: "warn" };
  for (const k of Object.keys(env)) if (k === "DATABASE_URL" || /^CTIP_(K1|K2|KEYS|DATABASE|TRUSTED|REDIS)/.test(k)) delete env[k];
  const child = spawn(bin, ["serve"], {
    cwd: dir,
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode != null) throw new Error(`${bin} exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${base}/ready`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${bin} did not get ready in 120 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    base,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode != null ? r() : child.once("exit", r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startBrowser() {
  let executablePath = process.env.CHROMIUM;
  if (!executablePath) {
    executablePath = execFileSync("sh", ["-c", "command -v chromium || command -v chromium-browser"]).toString().trim();
  }
  return chromium.launch({
    executablePath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
}

/** POSTs a document to the API (the test's own view of the numbers, not the dashboard's). */
export async function api(base, query, variables = {}) {
  const r = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = await r.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}
