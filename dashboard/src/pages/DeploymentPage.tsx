// A deployment: its monitoring metrics (live from deploymentMonitoringMetrics: the last
// points of each name, then every write as it commits, resumed from the latest cursor after
// a reconnect), its alerts (live from the alerts subscription, with acknowledge and resolve)
// and its drift reports.
import { print } from "graphql";
import { useEffect, useState } from "react";
import { useMutation, useQuery, useSubscription } from "urql";
import type { Api } from "../api";
import { graphql } from "../gql";
import type { AlertStatus } from "../gql/graphql";
import { type Columns, MetricChart, withPoints } from "../MetricChart";
import { href } from "../router";
import { AlertRules, Predictions } from "./DeploymentRules";

const DeploymentQuery = graphql(`
  query DeploymentPage($id: ID!) {
    node(id: $id) {
      ... on Deployment {
        __typename
        id
        name
        status
        health
        trafficPercentage
        environment { name }
        endpoint { id }
        project { id organization { id } }
        modelVersion { id version model { name } }
        alerts(first: 50) { nodes { ...AlertFields } }
        driftReports(first: 10) {
          nodes {
            id
            overallScore
            threshold
            isDriftDetected
            createdAt
            features { name psi ksStatistic jsDistance isDrifted }
          }
        }
      }
    }
  }
`);

graphql(`
  fragment AlertFields on Alert {
    id
    title
    alertType
    severity
    status
    metricName
    metricValue
    openedAt
    deployment { id }
  }
`);

const MonitoringSubscription = graphql(`
  subscription DeploymentMonitoring($deploymentId: ID!, $after: String) {
    deploymentMonitoringMetrics(deploymentId: $deploymentId, last: 500, after: $after) {
      cursor
      points { name value recordedAt }
    }
  }
`);

type MonitoringBatch = { cursor: string; points: { name: string; value: number; recordedAt: string }[] };

const AlertsSubscription = graphql(`
  subscription DeploymentAlerts($organizationId: ID!) {
    alerts(organizationId: $organizationId) { ...AlertFields }
  }
`);

const Acknowledge = graphql(`
  mutation AlertAcknowledge($id: ID!) {
    alertAcknowledge(input: { alertId: $id }) { alert { ...AlertFields } userErrors { message } }
  }
`);

const Resolve = graphql(`
  mutation AlertResolve($id: ID!) {
    alertResolve(input: { alertId: $id }) { alert { ...AlertFields } userErrors { message } }
  }
`);

const PROGRESS: Record<AlertStatus, number> = { OPEN: 0, ACKNOWLEDGED: 1, RESOLVED: 2 };

interface AlertRow {
  id: string;
  title: string;
  alertType: string;
  severity: string;
  status: AlertStatus;
  metricName?: string | null;
  metricValue?: number | null;
  openedAt: string;
  deployment?: { id: string } | null;
}

export function DeploymentPage({ id, api }: { id: string; api: Api }) {
  const [{ data, error }] = useQuery({ query: DeploymentQuery, variables: { id } });
  const deployment = data?.node?.__typename === "Deployment" ? data.node : null;
  const organizationId = deployment?.project?.organization?.id;
  // Alerts that open or change while the page is open, newest state per alert.
  const [{ data: liveAlerts }] = useSubscription(
    { query: AlertsSubscription, variables: { organizationId: organizationId ?? "" }, pause: !organizationId },
    (seen: Record<string, AlertRow> = {}, event) => {
      const alert = event.alerts as AlertRow;
      return alert.deployment?.id === id ? { ...seen, [alert.id]: alert } : seen;
    },
  );
  const [, acknowledge] = useMutation(Acknowledge);
  const [, resolve] = useMutation(Resolve);
  // What this page's own buttons changed (shown before the subscription reports it too).
  const [changed, setChanged] = useState<Record<string, AlertRow>>({});

  // Charts over time (epoch seconds); a point sent again (same name and time) replaces.
  const [metrics, setMetrics] = useState<Record<string, Columns>>({});
  useEffect(() => {
    const variables: { deploymentId: string; after: string | null } = { deploymentId: id, after: null };
    const stop = api.ws.subscribe<{ deploymentMonitoringMetrics: MonitoringBatch }>(
      { query: print(MonitoringSubscription), variables },
      {
        next(message) {
          const batch = message.data?.deploymentMonitoringMetrics;
          if (!batch) return;
          variables.after = batch.cursor; // a resubscription (after a reconnect) resumes here
          setMetrics((before) => {
            const next = { ...before };
            const byName = new Map<string, { step: number; value: number }[]>();
            for (const p of batch.points) {
              const list = byName.get(p.name) ?? [];
              list.push({ step: Date.parse(p.recordedAt) / 1000, value: p.value });
              byName.set(p.name, list);
            }
            for (const [name, points] of byName) {
              next[name] = withPoints(next[name] ?? { steps: [], min: [], max: [], last: [] }, points);
            }
            return next;
          });
        },
        error(error) {
          console.error("deploymentMonitoringMetrics subscription", error);
        },
        complete() {},
      },
    );
    return stop;
  }, [api, id]);

  if (error) return <p className="error">{error.message}</p>;
  if (!data) return <p>Loading…</p>;
  if (!deployment) return <p className="error">No deployment with this id (or not yours to see).</p>;
  // Three sources of one alert's state (the query, the subscription, a button's answer),
  // arriving in any order: an alert only moves forward, so the furthest state is the latest.
  const alerts = new Map<string, AlertRow>();
  const sources = [deployment.alerts.nodes as AlertRow[], Object.values(liveAlerts ?? {}), Object.values(changed)];
  for (const alert of sources.flat()) {
    const seen = alerts.get(alert.id);
    if (!seen || PROGRESS[alert.status] >= PROGRESS[seen.status]) alerts.set(alert.id, alert);
  }
  const rows = [...alerts.values()].sort((a, b) => b.openedAt.localeCompare(a.openedAt));

  async function act(which: "ack" | "resolve", alertId: string) {
    const result = which === "ack" ? await acknowledge({ id: alertId }) : await resolve({ id: alertId });
    const payload = result.data && ("alertAcknowledge" in result.data ? result.data.alertAcknowledge : result.data.alertResolve);
    const alert = payload?.alert as AlertRow | undefined;
    if (alert) setChanged((before) => ({ ...before, [alert.id]: alert }));
  }

  return (
    <section>
      <h2>
        Deployment {deployment.name} <span className={`status ${deployment.status}`}>{deployment.status}</span>
      </h2>
      <p>
        {deployment.modelVersion && (
          <>
            {deployment.modelVersion.model?.name}{" "}
            <a href={href("versions", deployment.modelVersion.id)}>{deployment.modelVersion.version}</a> (
            <a href={href("lineage", deployment.modelVersion.id)}>lineage</a>) ·{" "}
          </>
        )}
        {deployment.environment?.name} · {deployment.trafficPercentage}% traffic
        {deployment.endpoint ? (
          <>
            {" "}
            (<a href={href("endpoints", deployment.endpoint.id)}>endpoint</a>)
          </>
        ) : null}{" "}
        · health {deployment.health ?? "unknown"}
      </p>
      <h3>Alerts</h3>
      <table className="alerts">
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td>No alerts.</td>
            </tr>
          )}
          {rows.map((alert) => (
            <tr key={alert.id} className={`alert ${alert.status}`} data-alert-status={alert.status}>
              <td className={`severity ${alert.severity}`}>{alert.severity}</td>
              <td>{alert.title}</td>
              <td className="muted">
                {alert.metricName && `${alert.metricName} = ${alert.metricValue}`} {alert.alertType}
              </td>
              <td>{alert.status}</td>
              <td>
                {alert.status === "OPEN" && <button onClick={() => act("ack", alert.id)}>Acknowledge</button>}
                {alert.status !== "RESOLVED" && <button onClick={() => act("resolve", alert.id)}>Resolve</button>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Monitoring</h3>
      <div className="charts">
        {Object.entries(metrics).map(([name, columns]) => (
          <MetricChart key={name} title={name} data={columns} axis="time" />
        ))}
        {Object.keys(metrics).length === 0 && <p>No monitoring metrics recorded.</p>}
      </div>
      {deployment.project && <AlertRules deploymentId={deployment.id} projectId={deployment.project.id} />}
      <Predictions deploymentId={deployment.id} />
      <h3>Drift reports</h3>
      {deployment.driftReports.nodes.map((report) => (
        <details key={report.id}>
          <summary>
            {new Date(report.createdAt).toLocaleString()}: score {report.overallScore.toFixed(3)} (threshold{" "}
            {report.threshold}) {report.isDriftDetected ? "drift" : "no drift"}
          </summary>
          <table>
            <tbody>
              {report.features.map((f) => (
                <tr key={f.name} className={f.isDrifted ? "drifted" : ""}>
                  <td>{f.name}</td>
                  <td>PSI {f.psi.toFixed(3)}</td>
                  <td>KS {f.ksStatistic.toFixed(3)}</td>
                  <td>JS {f.jsDistance.toFixed(3)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ))}
    </section>
  );
}
