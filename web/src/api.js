// The dashboard's only way to the API: GET /graphql with the document's SHA-256 (automatic
// persisted queries), so every answer is a URL a browser and a CDN can cache. The server knows
// these documents (it embeds web/dist/persisted-queries.json); a server that does not answers
// PERSISTED_QUERY_NOT_FOUND once, and the document is sent with its hash.
import documents from "virtual:queries";

/** An answer the API refused: its `extensions.code` and its message, shown as they are. */
export class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const memo = new Map();

/** The URL of a GET request for the named document (its hash, and the document itself if asked). */
export function requestUrl(name, variables, withDocument = false) {
  const doc = documents[name];
  const params = new URLSearchParams();
  if (withDocument) params.set("query", doc.query);
  params.set("operationName", name);
  params.set("variables", JSON.stringify(variables || {}));
  params.set("extensions", JSON.stringify({ persistedQuery: { version: 1, sha256Hash: doc.hash } }));
  return `/graphql?${params}`;
}

async function get(url) {
  // application/json: a refused query is still a 200 with `errors`, not a failed request.
  const res = await fetch(url, { headers: { accept: "application/json" } });
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError("HTTP", `The server answered ${res.status} ${res.statusText}.`);
  }
  return body;
}

/** Runs the named document; resolves to `data`, or rejects with the first error's code and message. */
export function gql(name, variables) {
  const key = name + JSON.stringify(variables || {});
  if (!memo.has(key)) {
    const p = (async () => {
      let body = await get(requestUrl(name, variables));
      if (body.errors?.[0]?.extensions?.code === "PERSISTED_QUERY_NOT_FOUND") {
        body = await get(requestUrl(name, variables, true));
      }
      if (body.errors?.length) {
        const e = body.errors[0];
        throw new ApiError(e.extensions?.code || "ERROR", e.message);
      }
      return body.data;
    })();
    p.catch(() => memo.delete(key));
    memo.set(key, p);
  }
  return memo.get(key);
}

/** The documents, for the method page and the developer notes. */
export const documentList = () => Object.entries(documents).map(([name, d]) => ({ name, ...d }));
