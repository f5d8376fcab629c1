// graphql-http's own conformance audit of a GraphQL-over-HTTP server.
// Usage: node audit.mjs <url>; prints one JSON line per audit.
import { auditServer } from "graphql-http";

const results = await auditServer({ url: process.argv[2] });
for (const result of results) {
  console.log(JSON.stringify({ id: result.id, name: result.name, status: result.status, reason: result.reason ?? null }));
}
