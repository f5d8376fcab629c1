// An experiment's runs, sorted by a metric's last value or a param, as the API sorts them
// (orderBy: METRIC_DESC, orderKey: "loss").
import { useState } from "react";
import { useQuery } from "urql";
import { graphql } from "../gql";
import type { RunOrder } from "../gql/graphql";
import { href } from "../router";

const RunsQuery = graphql(`
  query ExperimentRuns($id: ID!, $orderBy: RunOrder!, $orderKey: String, $keys: [String!]) {
    node(id: $id) {
      ... on Experiment {
        __typename
        id
        name
        status
        runs(first: 100, orderBy: $orderBy, orderKey: $orderKey) {
          totalCount
          nodes {
            id
            name
            status
            params
            metricKeys
            metricSummary(keys: $keys) { key last min max lastStep }
          }
        }
      }
    }
  }
`);

export function ExperimentPage({ id }: { id: string }) {
  const [orderBy, setOrderBy] = useState<RunOrder>("CREATED_DESC");
  const [orderKey, setOrderKey] = useState("");
  const needsKey = orderBy.startsWith("METRIC") || orderBy.startsWith("PARAM");
  const [{ data, error }] = useQuery({
    query: RunsQuery,
    variables: { id, orderBy, orderKey: needsKey ? orderKey || null : null, keys: null },
    pause: needsKey && !orderKey,
  });
  const experiment = data?.node?.__typename === "Experiment" ? data.node : null;
  const runs = experiment?.runs.nodes ?? [];
  const metricKeys = [...new Set(runs.flatMap((run) => run.metricKeys))].sort();
  const paramKeys = [
    ...new Set(runs.flatMap((run) => Object.keys((run.params as Record<string, unknown>) ?? {}))),
  ].sort();
  if (error) return <p className="error">{error.message}</p>;
  return (
    <section>
      <h2>Experiment {experiment?.name}</h2>
      <p className="controls">
        Sort by{" "}
        <select value={orderBy} onChange={(e) => setOrderBy(e.target.value as RunOrder)} aria-label="order">
          {["CREATED_DESC", "CREATED_ASC", "NAME_ASC", "METRIC_DESC", "METRIC_ASC", "PARAM_DESC", "PARAM_ASC"].map(
            (order) => (
              <option key={order}>{order}</option>
            ),
          )}
        </select>{" "}
        {needsKey && (
          <select value={orderKey} onChange={(e) => setOrderKey(e.target.value)} aria-label="key">
            <option value="">choose a key</option>
            {(orderBy.startsWith("METRIC") ? metricKeys : paramKeys).map((key) => (
              <option key={key}>{key}</option>
            ))}
          </select>
        )}
      </p>
      <table className="runs">
        <thead>
          <tr>
            <th>run</th>
            <th>status</th>
            {paramKeys.map((key) => (
              <th key={`p-${key}`}>{key}</th>
            ))}
            {metricKeys.map((key) => (
              <th key={`m-${key}`}>{key} (last)</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => {
            const params = (run.params as Record<string, unknown>) ?? {};
            const last = new Map(run.metricSummary.map((s) => [s.key, s.last]));
            return (
              <tr key={run.id}>
                <td>
                  <a href={href("runs", run.id)}>{run.name}</a>
                </td>
                <td className={`status ${run.status}`}>{run.status}</td>
                {paramKeys.map((key) => (
                  <td key={`p-${key}`}>{key in params ? JSON.stringify(params[key]) : ""}</td>
                ))}
                {metricKeys.map((key) => (
                  <td key={`m-${key}`}>{last.has(key) ? formatValue(last.get(key)!) : ""}</td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

// A metric value: a number to four figures, or "NaN" / "Infinity" / "-Infinity" as given.
function formatValue(value: number | string): string {
  return typeof value === "number" ? value.toPrecision(4) : value;
}
