// The reference graphql-ws client (what GraphiQL and most React apps use).
// Usage: node subscribe.mjs <ws url> <api key or ""> <query> <variables JSON> <results to wait for>
// Prints one JSON line per event: {"next": payload}, {"error": ...}, {"closed": {code, reason}}, {"complete": true}.
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, key, query, variables, wanted] = process.argv.slice(2);
const print = (event) => console.log(JSON.stringify(event));
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  retryAttempts: 0,
  lazy: false,
  connectionParams: key ? { Authorization: `Bearer ${key}` } : {},
  on: { closed: (event) => print({ closed: { code: event.code, reason: event.reason } }) },
  onNonLazyError: (error) => print({ fatal: { code: error?.code ?? null, reason: error?.reason ?? String(error) } }),
});

let seen = 0;
await new Promise((resolve) => {
  const unsubscribe = client.subscribe(
    { query, variables: JSON.parse(variables) },
    {
      next: (payload) => {
        print({ next: payload });
        seen += 1;
        if (seen >= Number(wanted)) {
          unsubscribe();
          resolve();
        }
      },
      error: (error) => {
        print({ error: Array.isArray(error) ? error : { code: error?.code ?? null, reason: error?.reason ?? String(error) } });
        resolve();
      },
      complete: () => {
        print({ complete: true });
        resolve();
      },
    },
  );
});
await client.dispose();
