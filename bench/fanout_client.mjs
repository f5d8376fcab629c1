// Subscribers for bench/fanout.py: the reference graphql-ws client (what GraphiQL and React
// apps use), N connections in one Node process, so the load generator costs little of the
// CPU it shares with the server.
// Usage: node fanout_client.mjs <ws urls, comma-separated> <api key> <run id> <subscribers> <expected points each>
// Prints "ready" once every subscription is open, then, when every subscriber has all its
// points (or on stdin "stop"), one JSON line: {"receipts": [[step, receipt ns
// (CLOCK_MONOTONIC)], ...], "cpuMicroseconds": its own CPU from "ready" to then}.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "tests", "js", "package.json"));
const { createClient } = require("graphql-ws");
const WebSocket = require("ws");

const [urls, key, runId, count, expected] = process.argv.slice(2);
const query = "subscription($id: ID!) { runMetrics(runId: $id) { points { step } } }";
const total = Number(count);
const receipts = [];
let connected = 0;
let complete = 0;

let cpuAtReady = null; // this process's CPU from "ready" to the last receipt (µs)

function finish() {
  const used = process.cpuUsage(cpuAtReady);
  // exit only once the pipe has taken it all (process.exit would cut a large write short)
  const text =
    JSON.stringify({
      receipts: receipts.map(([s, t]) => [s, t.toString()]),
      cpuMicroseconds: used.user + used.system,
    }) + "\n";
  process.stdout.write(text, () => process.exit(0));
}

const targets = urls.split(",");
for (let i = 0; i < total; i += 1) {
  let seen = 0;
  const client = createClient({
    url: targets[i % targets.length],
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    keepAlive: 0,
    connectionParams: { Authorization: `Bearer ${key}` },
    on: {
      connected: () => {
        connected += 1;
        if (connected === total)
          setTimeout(() => {
            cpuAtReady = process.cpuUsage();
            console.log("ready");
          }, 1000);
      },
    },
  });
  client.subscribe(
    { query, variables: { id: runId } },
    {
      next: (payload) => {
        const now = process.hrtime.bigint();
        for (const point of payload.data.runMetrics.points) {
          receipts.push([point.step, now]);
          seen += 1;
        }
        if (seen === Number(expected)) {
          complete += 1;
          if (complete === total) finish();
        }
      },
      error: (error) => {
        console.error(JSON.stringify(error));
        process.exit(1);
      },
      complete: () => {},
    },
  );
  if (i % 200 === 199) {
    // no stampede on the accept queue: the next 200 once these are connected
    while (connected < i + 1) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
process.stdin.on("data", (data) => {
  if (data.toString().includes("stop")) finish();
});
