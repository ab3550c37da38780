// The graphql-http GraphQL-over-HTTP audit suite against a running ctip-api.
// Usage: node audit.mjs http://127.0.0.1:PORT/graphql
// Fails on any MUST ("error") or SHOULD ("warn") audit; lists notices (MAY) without failing.
import { auditServer } from 'graphql-http';

const url = process.argv[2] ?? 'http://127.0.0.1:8080/graphql';
const results = await auditServer({ url });

let failed = 0;
for (const r of results) {
  if (r.status === 'ok') continue;
  const level = { error: 'MUST', warn: 'SHOULD', notice: 'MAY' }[r.status];
  let body = '';
  try {
    body = (await r.response.text()).slice(0, 300);
  } catch {
    // The body was already read by the audit.
  }
  console.log(`${level} ${r.id} ${r.name}\n    ${r.reason}\n    status ${r.response.status} ${body}`);
  if (r.status !== 'notice') failed += 1;
}
const ok = results.filter((r) => r.status === 'ok').length;
console.log(`graphql-http audit: ${ok} of ${results.length} passed, ${failed} MUST/SHOULD failures`);
process.exit(failed === 0 ? 0 : 1);
