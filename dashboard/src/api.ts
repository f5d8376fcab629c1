// The GraphQL client: urql over HTTP for queries and mutations, graphql-ws for
// subscriptions, both on the page's own origin with the key from session storage.
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from "urql";

const KEY = "mlgraph:apiKey";

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

export function wsUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === "https:" ? "wss" : "ws"}://${host}/graphql`;
}

export interface Api {
  urql: Client;
  ws: WsClient;
}

export function connect(key: string): Api {
  const ws = createWsClient({
    url: wsUrl(),
    connectionParams: () => ({ Authorization: `Bearer ${key}` }),
    lazy: true,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait: async (retries) =>
      new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 250 * 2 ** retries))),
  });
  const urql = new Client({
    url: "/graphql",
    fetchOptions: () => ({ headers: { Authorization: `Bearer ${key}` } }),
    requestPolicy: "cache-and-network",
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || "" };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  return { urql, ws };
}
