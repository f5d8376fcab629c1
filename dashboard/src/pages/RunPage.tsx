// A run: its training-health alerts (live from the alerts subscription: a NaN's alert
// commits with the point that caused it), then its charts load the downsampled history
// (min/max band + last), then grow live
// from the runMetrics subscription, which starts at the run's metricCursor and carries a
// cursor in every batch; after a reconnect graphql-ws subscribes again with the payload
// as it is then, so keeping the latest cursor in it resumes with no gap and no duplicate.
import { print } from "graphql";
import { useEffect, useMemo, useState } from "react";
import { useQuery, useSubscription } from "urql";
import type { Api } from "../api";
import { graphql } from "../gql";
import { type Columns, MetricChart, type Value, withPoints } from "../MetricChart";
import { href } from "../router";
import { formatParam } from "./ExperimentPage";

const RunQuery = graphql(`
  query RunPage($id: ID!) {
    node(id: $id) {
      ... on Run {
        __typename
        id
        name
        status
        failureReason
        params
        startedAt
        endedAt
        experiment { id name project { organization { id } } }
        metricKeys
        metricCursor
        alerts(first: 20) { nodes { ...RunAlertFields } }
      }
    }
  }
`);

graphql(`
  fragment RunAlertFields on Alert {
    id
    title
    severity
    status
    openedAt
    run { id }
    healthRule { name }
  }
`);

// Alerts of the organization as they open or change; this page keeps its run's.
const RunAlertsSubscription = graphql(`
  subscription RunAlerts($organizationId: ID!) {
    alerts(organizationId: $organizationId) { ...RunAlertFields }
  }
`);

interface RunAlert {
  id: string;
  title: string;
  severity: string;
  status: string;
  openedAt: string;
  run?: { id: string } | null;
  healthRule?: { name: string } | null;
}

const HistoryQuery = graphql(`
  query RunHistory($id: ID!, $keys: [String!]!) {
    node(id: $id) {
      ... on Run {
        __typename
        metricHistory(keys: $keys, maxPoints: 500) {
          key
          columns { lastStep min max last }
        }
      }
    }
  }
`);

const LiveSubscription = graphql(`
  subscription RunLive($runId: ID!, $after: String) {
    runMetrics(runId: $runId, after: $after) {
      cursor
      points { key step value }
    }
  }
`);

// The run's status now, then each change (another client may finish it).
const StatusSubscription = graphql(`
  subscription RunStatusLive($runId: ID!) {
    runStatus(runId: $runId) { status endedAt }
  }
`);

type Point = { step: number; value: Value };

export function RunPage({ id, api }: { id: string; api: Api }) {
  const [{ data, error }] = useQuery({ query: RunQuery, variables: { id } });
  const run = data?.node?.__typename === "Run" ? data.node : null;
  const keys = run?.metricKeys ?? [];
  const [{ data: history }] = useQuery({
    query: HistoryQuery,
    variables: { id, keys },
    pause: keys.length === 0,
    requestPolicy: "network-only",
  });
  const [{ data: statusLive }] = useSubscription({ query: StatusSubscription, variables: { runId: id } });
  const organizationId = run?.experiment?.project?.organization?.id;
  const [{ data: liveAlerts }] = useSubscription(
    { query: RunAlertsSubscription, variables: { organizationId: organizationId ?? "" }, pause: !organizationId },
    (seen: Record<string, RunAlert> = {}, event) => {
      const alert = event.alerts as RunAlert;
      return alert.run?.id === id ? { ...seen, [alert.id]: alert } : seen;
    },
  );
  const [live, setLive] = useState<Record<string, Point[]>>({});
  const [connected, setConnected] = useState(false);

  const base = useMemo(() => {
    const out: Record<string, Columns> = {};
    const node = history?.node;
    if (node?.__typename !== "Run") return out;
    for (const h of node.metricHistory) {
      out[h.key] = { steps: h.columns.lastStep, min: h.columns.min, max: h.columns.max, last: h.columns.last };
    }
    return out;
  }, [history]);
  const cursor = run?.metricCursor ?? null;
  // Live points after the history: one subscription, resumed from its cursor.
  useEffect(() => {
    if (cursor === null) return;
    // From the cursor read with the run (before its history): nothing is missed; a point
    // the history already holds comes again and replaces itself (merged by step).
    const variables = { runId: id, after: cursor };
    const payload = { query: print(LiveSubscription), variables };
    const stop = api.ws.subscribe<{ runMetrics: { cursor: string; points: { key: string; step: number; value: Value }[] } }>(
      payload,
      {
        next(message) {
          const batch = message.data?.runMetrics;
          if (!batch) return;
          setConnected(true); // the socket may have opened before this page listened
          variables.after = batch.cursor; // a resubscription (after a reconnect) resumes here
          setLive((before) => {
            const next = { ...before };
            for (const p of batch.points) {
              next[p.key] = [...(next[p.key] ?? []), { step: p.step, value: p.value }];
            }
            return next;
          });
        },
        error(error) {
          console.error("runMetrics subscription", error);
        },
        complete() {},
      },
    );
    const listeners = [
      api.ws.on("connected", () => setConnected(true)),
      api.ws.on("closed", () => setConnected(false)),
    ];
    return () => {
      stop();
      for (const remove of listeners) remove();
    };
    // The cursor is read once, with the run: refetches do not resubscribe.
  }, [api, id, cursor === null]);

  if (error) return <p className="error">{error.message}</p>;
  if (!data) return <p>Loading…</p>;
  if (!run) return <p className="error">No run with this id (or not yours to see).</p>;
  const allKeys = [...new Set([...keys, ...Object.keys(live)])].sort();
  const status = statusLive?.runStatus.status ?? run.status;
  return (
    <section>
      <h2>
        Run {run.name}{" "}
        <span className={`status ${status}`} data-run-status={status}>
          {status}
        </span>
      </h2>
      <p>
        {run.experiment && <a href={href("experiments", run.experiment.id)}>experiment {run.experiment.name}</a>} ·
        started {new Date(run.startedAt).toLocaleString()} ·{" "}
        <span className={connected ? "live on" : "live"} data-live={connected ? "on" : "off"}>
          {connected ? "live" : "connecting…"}
        </span>
      </p>
      {run.failureReason && <pre className="error failure-reason">{run.failureReason}</pre>}
      <HealthAlerts alerts={[...(run.alerts.nodes as RunAlert[]), ...Object.values(liveAlerts ?? {})]} />
      <ParamTable params={(run.params as Record<string, unknown>) ?? {}} />
      {allKeys.length === 0 && <p>No metrics yet: they appear here as they are logged.</p>}
      <div className="charts">
        {allKeys.map((key) => (
          <MetricChart
            key={key}
            title={key}
            data={withPoints(base[key] ?? { steps: [], min: [], max: [], last: [] }, live[key] ?? [])}
          />
        ))}
      </div>
    </section>
  );
}

// The run's training-health alerts, newest first, each once (its latest state: an alert
// only moves forward, open -> acknowledged -> resolved).
const PROGRESS: Record<string, number> = { OPEN: 0, ACKNOWLEDGED: 1, RESOLVED: 2 };

function HealthAlerts({ alerts }: { alerts: RunAlert[] }) {
  const latest = new Map<string, RunAlert>();
  for (const alert of alerts) {
    const seen = latest.get(alert.id);
    if (!seen || PROGRESS[alert.status] >= PROGRESS[seen.status]) latest.set(alert.id, alert);
  }
  const rows = [...latest.values()].sort((a, b) => b.openedAt.localeCompare(a.openedAt));
  if (rows.length === 0) return <p className="muted health-alerts" data-alerts="0">No health alerts.</p>;
  return (
    <table className="alerts health-alerts" data-alerts={rows.length}>
      <caption>Health alerts</caption>
      <thead>
        <tr>
          <th scope="col">severity</th>
          <th scope="col">alert</th>
          <th scope="col">rule</th>
          <th scope="col">status</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((alert) => (
          <tr key={alert.id} className={`alert ${alert.status}`} data-alert-status={alert.status}>
            <td className={`severity ${alert.severity}`}>{alert.severity}</td>
            <td>{alert.title}</td>
            <td>{alert.healthRule?.name ?? ""}</td>
            <td>{alert.status}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// Params (or any name → value map) as a table of name and value, sorted by name.
export function ParamTable({ params, what = "param" }: { params: Record<string, unknown>; what?: string }) {
  const names = Object.keys(params).sort();
  if (names.length === 0) return <p className="muted">No {what}s logged.</p>;
  return (
    <table className="param-table" data-params={names.length} data-what={what}>
      <caption className="visually-hidden">{what}s</caption>
      <thead>
        <tr>
          <th scope="col">{what}</th>
          <th scope="col">value</th>
        </tr>
      </thead>
      <tbody>
        {names.map((name) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td>{formatParam(params[name])}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
