// The committed schema.graphql is what clients get by introspection: graphql-js prints the
// schema the running server describes (`buildClientSchema` of its introspection, with
// `specifiedByURL`, directive repeatability and deprecated arguments and input fields asked
// for) and the committed SDL, both sorted, and they must be the same text.
// Usage: node schema.mjs http://127.0.0.1:PORT/graphql path/to/schema.graphql
import { readFileSync } from 'node:fs';
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  lexicographicSortSchema,
  printSchema,
} from 'graphql';

const [url, file] = process.argv.slice(2);
if (!url || !file) {
  console.error('usage: node schema.mjs <graphql url> <schema.graphql>');
  process.exit(2);
}

const query = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  inputValueDeprecation: true,
});
const resp = await fetch(url, {
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
  body: JSON.stringify({ query }),
});
const body = await resp.json();
if (!resp.ok || body.errors) {
  console.error(`introspection failed (${resp.status}): ${JSON.stringify(body).slice(0, 500)}`);
  process.exit(1);
}

const print = (schema) => printSchema(lexicographicSortSchema(schema));
const served = print(buildClientSchema(body.data));
const committed = print(buildSchema(readFileSync(file, 'utf8')));
if (served === committed) {
  console.log('schema.graphql equals the served schema (introspection, graphql-js)');
  process.exit(0);
}

// The first lines that differ, with some context.
const a = committed.split('\n');
const b = served.split('\n');
let i = 0;
while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
console.error(`schema.graphql differs from what introspection gives, from line ${i + 1}:`);
for (let j = Math.max(0, i - 3); j < Math.min(Math.max(a.length, b.length), i + 8); j += 1) {
  if (a[j] === b[j]) console.error(`  ${a[j] ?? ''}`);
  else console.error(`- ${a[j] ?? ''}\n+ ${b[j] ?? ''}`);
}
console.error('(- committed file, + served by introspection)');
process.exit(1);
