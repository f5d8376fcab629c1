// PostGraphile 5 (the Amber preset) over mlgraph's database, for bench/postgraphile.py.
// Usage: node server.mjs <connection string> <port> <organization ids, comma-separated | ->
// Given organizations, it sets the row-security settings mlgraph sets for a caller of them,
// per request (PostGraphile's pgSettings), connected as mlgraph's application role: both
// servers' SQL pays for the same policies. "-": no settings (connected as the owner, whom
// the policies do not bind: PostGraphile's best case). PgIndexBehaviorsPlugin is off: it hides relations
// whose foreign key has no plain index, and mlgraph's indexes are partial (live rows only).
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

const [connectionString, port, organizations] = process.argv.slice(2);
const preset = {
  extends: [PostGraphileAmberPreset],
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [
    makePgService({
      connectionString,
      schemas: ["public"],
      pgSettings: organizations === "-" ? undefined : () => ({
        "mlgraph.scope": "caller",
        "mlgraph.orgs": `{${organizations}}`,
        "mlgraph.hidden": "{}",
        "mlgraph.user": "",
      }),
    }),
  ],
  grafserv: { port: Number(port), graphqlPath: "/graphql", graphiql: false },
};
const serv = postgraphile(preset).createServ(grafserv);
const server = createServer();
await serv.addTo(server);
server.listen(Number(port), "127.0.0.1", () => console.log("ready"));
