// The GraphQL-over-HTTP conformance audit (graphql-http's serverAudits) against a server.
//
//   LEDGERGRAPH_TOKEN=<jwt> node audit.mjs http://127.0.0.1:8000/graphql
//
// Prints one JSON array: [{id, name, status, reason}], status "ok" | "notice" | "warn" | "error".
import { auditServer } from 'graphql-http';

const [url] = process.argv.slice(2);
const token = process.env.LEDGERGRAPH_TOKEN;
if (!url || !token) {
  console.error('usage: LEDGERGRAPH_TOKEN=<jwt> node audit.mjs <graphql-url>');
  process.exit(2);
}

// Every request is a tenant's: the audits themselves never set Authorization.
async function fetchFn(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

const results = await auditServer({ url, fetchFn });
const summary = results.map(({ id, name, status, reason }) => ({ id, name, status, reason }));
process.stdout.write(`${JSON.stringify(summary)}\n`);
