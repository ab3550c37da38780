// Subscribes to releasePublished on one ctip-api (graphql-transport-ws) and prints one JSON line
// when it is told of a release: {"code": ..., "at_ms": <epoch ms>}. Exits 1 after the timeout.
// Node 20: run with --experimental-websocket (Node 22 has WebSocket built in).
const [url, timeoutMs = "30000"] = process.argv.slice(2);
const ws = new WebSocket(url, "graphql-transport-ws");
const timer = setTimeout(() => {
  console.error("no release heard within", timeoutMs, "ms");
  process.exit(1);
}, Number(timeoutMs));
ws.onopen = () => ws.send(JSON.stringify({ type: "connection_init" }));
ws.onmessage = (m) => {
  const msg = JSON.parse(m.data);
  if (msg.type === "connection_ack") {
    ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: "subscription { releasePublished { code } }" } }));
    // Ready once the subscription has started: an operation on the same connection answered.
    ws.send(JSON.stringify({ id: "2", type: "subscribe", payload: { query: "{ __typename }" } }));
  } else if (msg.type === "next" && msg.id === "2") {
    console.log(JSON.stringify({ ready: true }));
  } else if (msg.type === "next" && msg.id === "1") {
    console.log(JSON.stringify({ code: msg.payload.data.releasePublished.code, at_ms: Date.now() }));
    clearTimeout(timer);
    ws.close();
    process.exit(0);
  }
};
ws.onerror = (e) => {
  console.error("websocket error", e.message ?? e);
  process.exit(1);
};
