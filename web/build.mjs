// Builds web/dist/, which the server embeds (src/http/dashboard.rs): the two pages, the bundled
// script and stylesheet and the map geometry under content-hashed names, and the dashboard's
// GraphQL documents by SHA-256 (the server registers them as persisted queries, so it serves the
// dashboard in trusted-documents mode too). The output is deterministic: CI builds again and
// fails on any difference from what is committed.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
const hash = (bytes) => createHash("sha256").update(bytes).digest("hex");
const short = (bytes) => hash(bytes).slice(0, 12);

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, "assets"), { recursive: true });

// The GraphQL documents, one per file, sent by their hash (GET, cacheable).
const queryDir = join(here, "src/queries");
const documents = {};
for (const file of readdirSync(queryDir).filter((f) => f.endsWith(".graphql")).sort()) {
  const text = readFileSync(join(queryDir, file), "utf8").trim();
  documents[file.replace(/\.graphql$/, "")] = { query: text, hash: hash(text) };
}
writeFileSync(
  join(dist, "persisted-queries.json"),
  JSON.stringify(Object.fromEntries(Object.values(documents).map((d) => [d.hash, d.query])), null, 1) + "\n",
);

const geometry = readFileSync(join(here, "geo/vietnam.topo.json"));
const geometryName = `vietnam-${short(geometry)}.json`;
writeFileSync(join(dist, "assets", geometryName), geometry);

const virtual = {
  name: "virtual",
  setup(build) {
    build.onResolve({ filter: /^virtual:queries$/ }, () => ({ path: "queries", namespace: "virtual" }));
    build.onLoad({ filter: /.*/, namespace: "virtual" }, () => ({
      contents: `export default ${JSON.stringify(documents)};`,
      loader: "js",
    }));
  },
};

const result = await esbuild.build({
  entryPoints: { app: join(here, "src/main.js"), style: join(here, "src/style.css") },
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2020"],
  legalComments: "none",
  outdir: join(dist, "assets"),
  entryNames: "[name]-[hash]",
  define: { GEOMETRY_URL: JSON.stringify(`/assets/${geometryName}`) },
  plugins: [virtual],
  metafile: true,
  write: true,
});

const outputs = Object.keys(result.metafile.outputs).map((p) => p.split("/").pop());
const js = outputs.find((f) => f.startsWith("app-") && f.endsWith(".js"));
const css = outputs.find((f) => f.startsWith("style-") && f.endsWith(".css"));
const template = readFileSync(join(here, "src/index.html"), "utf8");
for (const [page, mode] of [["index.html", "page"], ["embed.html", "embed"]]) {
  writeFileSync(
    join(dist, page),
    template
      .replaceAll("{{mode}}", mode)
      .replaceAll("{{script}}", `/assets/${js}`)
      .replaceAll("{{style}}", `/assets/${css}`)
      .replaceAll("{{geometry}}", `/assets/${geometryName}`),
  );
}
console.log(`built web/dist: ${js}, ${css}, ${geometryName}, ${Object.keys(documents).length} documents`);
