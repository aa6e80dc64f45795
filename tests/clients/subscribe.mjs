// A syncEvents subscription with the graphql-ws client (graphql-transport-ws), as its docs show.
//
//   LEDGERGRAPH_TOKEN=<jwt> node subscribe.mjs ws://127.0.0.1:8000/graphql <count> [since]
//
// Prints JSON lines: {"type":"connected"} once the server acknowledged the connection, then
// {"type":"next","event":{...}} per event; after <count> events it closes and exits 0. An
// error prints {"type":"error","error":...} and exits 1.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const QUERY = `
subscription Contacts($since: String) {
  syncEvents(types: [CONTACT], since: $since) {
    cursor kind objectType objectId remoteId source
  }
}`;

const [url, count = '1', since] = process.argv.slice(2);
const token = process.env.LEDGERGRAPH_TOKEN;
if (!url || !token) {
  console.error('usage: LEDGERGRAPH_TOKEN=<jwt> node subscribe.mjs <ws-url> [count] [since]');
  process.exit(2);
}

const print = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
const describe = (error) =>
  error instanceof Error ? { message: error.message } : Array.isArray(error) ? error
    : { code: error?.code, reason: error?.reason, message: String(error) };

const client = createClient({
  url,
  webSocketImpl: WebSocket, // Node 20 has no global WebSocket
  connectionParams: { Authorization: `Bearer ${token}` },
  retryAttempts: 0,
  on: { connected: () => print({ type: 'connected' }) },
});

let received = 0;
try {
  const events = client.iterate({ query: QUERY, variables: since ? { since } : {} });
  for await (const result of events) {
    if (result.errors) throw result.errors;
    print({ type: 'next', event: result.data.syncEvents });
    received += 1;
    if (received >= Number(count)) break;
  }
} catch (error) {
  print({ type: 'error', error: describe(error) });
  process.exitCode = 1;
} finally {
  await client.dispose();
}
