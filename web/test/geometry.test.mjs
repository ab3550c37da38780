// The committed map geometry against the project's own reference data: the 63 provinces of
// provinces_2024.csv, the 34 units of provinces_2025.csv, each the dissolve of exactly the old
// provinces the merger table sends into it, every ring wound the way d3-geo reads it, and the two
// archipelagos attached to Đà Nẵng and Khánh Hòa in both layers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { geoArea, geoCentroid, geoContains } from "d3-geo";
import { feature, merge } from "topojson-client";
import { parseCsv } from "../geo/csv.mjs";

const data = new URL("../../migration/data/", import.meta.url);
const topo = JSON.parse(readFileSync(new URL("../geo/vietnam.topo.json", import.meta.url), "utf8"));
const p63 = feature(topo, topo.objects.p63).features;
const p34 = feature(topo, topo.objects.p34).features;
const csv = (name) => parseCsv(readFileSync(new URL(name, data), "utf8"));

test("the 63 units are the provinces of provinces_2024.csv, and the 34 those of provinces_2025.csv", () => {
  assert.deepEqual(p63.map((f) => f.id).sort(), csv("provinces_2024.csv").map((p) => `VN-P63-${p.gso_code}`).sort());
  assert.deepEqual(p34.map((f) => f.id).sort(), csv("provinces_2025.csv").map((p) => `VN-P34-${p.code}`).sort());
});

test("no unit is wound inside out (d3-geo would read it as the globe minus the unit)", () => {
  for (const f of [...p63, ...p34]) {
    assert.ok(geoArea(f) < 2 * Math.PI, f.id);
    assert.ok(geoArea(f) > 0, f.id);
  }
  for (const a of topo.archipelagos) assert.ok(geoArea(a.geometry) < 2 * Math.PI, a.id);
});

test("each of the 34 units is the dissolve of exactly the old provinces the merger table sends into it", () => {
  const groups = new Map();
  for (const row of csv("province_merger_2025.csv")) {
    const to = `VN-P34-${row.new_code}`;
    groups.set(to, [...(groups.get(to) || []), `VN-P63-${row.old_gso_code}`]);
  }
  assert.equal(groups.size, 34);
  const old = new Map(topo.objects.p63.geometries.map((g) => [g.id, g]));
  for (const unit of p34) {
    const members = groups.get(unit.id);
    // The same shape as merging the members again, and the same area as their sum.
    const again = merge(topo, members.map((m) => old.get(m)));
    assert.equal(JSON.stringify(again.coordinates.flat(3).sort()), JSON.stringify(unit.geometry.coordinates.flat(3).sort()), unit.id);
    const sum = members.reduce((s, m) => s + geoArea(p63.find((f) => f.id === m)), 0);
    assert.ok(Math.abs(geoArea(unit) - sum) / sum < 1e-9, unit.id);
    // Every old province lies inside its new unit and inside no other.
    for (const m of members) {
      const c = geoCentroid(p63.find((f) => f.id === m));
      const inside = p34.filter((u) => geoContains(u, c)).map((u) => u.id);
      if (inside.length) assert.deepEqual(inside, [unit.id], m);
    }
  }
});

test("the Hoàng Sa and Trường Sa archipelagos belong to Đà Nẵng and Khánh Hòa in both layers", () => {
  const byId = Object.fromEntries(topo.archipelagos.map((a) => [a.id, a]));
  assert.deepEqual([byId["hoang-sa"].p63, byId["hoang-sa"].p34], ["VN-P63-48", "VN-P34-48"]);
  assert.deepEqual([byId["truong-sa"].p63, byId["truong-sa"].p34], ["VN-P63-56", "VN-P34-56"]);
  const names = Object.fromEntries(csv("provinces_2024.csv").map((p) => [p.gso_code, p.name_vi]));
  assert.equal(names["48"], "Đà Nẵng");
  assert.equal(names["56"], "Khánh Hòa");
  // Where they are: the Paracels around 16.5° N 112° E, the Spratlys around 10° N 114.5° E.
  const [hx, hy] = geoCentroid(byId["hoang-sa"].geometry);
  const [tx, ty] = geoCentroid(byId["truong-sa"].geometry);
  assert.ok(hx > 111 && hx < 113 && hy > 15.5 && hy < 17.5, `${hx} ${hy}`);
  assert.ok(tx > 113 && tx < 116.5 && ty > 7 && ty < 12, `${tx} ${ty}`);
});
