// A sweep: its trials as a table (params, status, objective, the step an early stop hit,
// a link to each trial's run) and a scatter of one param against the objective, both live:
// the sweepStatus subscription says when a trial is made, claimed or ends, and the page
// reads the trials again (one query).
import { useEffect, useMemo, useState } from "react";
import { useQuery, useSubscription } from "urql";
import { graphql } from "../gql";
import { href } from "../router";
import { formatParam } from "./ExperimentPage";

const SweepQuery = graphql(`
  query SweepPage($id: ID!) {
    node(id: $id) {
      ... on Sweep {
        __typename
        id
        name
        method
        metricKey
        goal
        status
        stopReason
        earlyStopping
        maxTrials
        maxParallel
        trialsMade
        trialsActive
        trialsCompleted
        trialsPruned
        trialsFailed
        trialsCancelled
        bestValue
        experiment { id name }
        parameters { name kind }
        trials(first: 100) {
          totalCount
          nodes {
            id
            number
            params
            status
            value
            prunedStep
            stopReason
            trainingJob { status run { id name } }
          }
        }
      }
    }
  }
`);

const SweepStatusSubscription = graphql(`
  subscription SweepStatus($sweepId: ID!) {
    sweepStatus(sweepId: $sweepId) { sweepId status version }
  }
`);

type Trial = {
  id: string;
  number: number;
  params: unknown;
  status: string;
  value?: number | null;
  prunedStep?: number | null;
  stopReason?: string | null;
  trainingJob?: { status: string; run?: { id: string; name: string } | null } | null;
};

const WIDTH = 480;
const HEIGHT = 260;
const PAD = 40;

// A param's value on the x axis: numbers as they are, other values by their rank.
function axis(values: unknown[]): (value: unknown) => number | null {
  if (values.every((v) => typeof v === "number")) return (v) => (typeof v === "number" ? v : null);
  const ranks = [...new Set(values.map((v) => JSON.stringify(v)))].sort();
  return (v) => ranks.indexOf(JSON.stringify(v));
}

function Scatter({ trials, param, metric }: { trials: Trial[]; param: string; metric: string }) {
  const scored = trials.filter((t) => typeof t.value === "number");
  const paramOf = (t: Trial) => (t.params as Record<string, unknown>)[param];
  const x = axis(scored.map(paramOf));
  const points = scored.map((t) => ({ t, x: x(paramOf(t)), y: t.value as number })).filter((p) => p.x !== null);
  if (!points.length) return <p className="hint">No completed trial yet: the scatter fills as trials complete.</p>;
  const xs = points.map((p) => p.x as number);
  const ys = points.map((p) => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const sx = (v: number) => PAD + ((v - x0) / (x1 - x0 || 1)) * (WIDTH - 2 * PAD);
  const sy = (v: number) => HEIGHT - PAD - ((v - y0) / (y1 - y0 || 1)) * (HEIGHT - 2 * PAD);
  return (
    <svg
      className="scatter"
      width={WIDTH}
      height={HEIGHT}
      role="img"
      aria-label={`${metric} against ${param} for ${points.length} completed trials`}
    >
      <line x1={PAD} y1={HEIGHT - PAD} x2={WIDTH - PAD} y2={HEIGHT - PAD} stroke="currentColor" />
      <line x1={PAD} y1={PAD} x2={PAD} y2={HEIGHT - PAD} stroke="currentColor" />
      <text x={WIDTH / 2} y={HEIGHT - 8} textAnchor="middle">
        {param}
      </text>
      <text x={12} y={HEIGHT / 2} textAnchor="middle" transform={`rotate(-90 12 ${HEIGHT / 2})`}>
        {metric}
      </text>
      <text x={PAD} y={HEIGHT - PAD + 14} textAnchor="middle">
        {formatParam(x0)}
      </text>
      <text x={WIDTH - PAD} y={HEIGHT - PAD + 14} textAnchor="middle">
        {formatParam(x1)}
      </text>
      <text x={PAD - 4} y={sy(y0)} textAnchor="end">
        {formatParam(y0)}
      </text>
      <text x={PAD - 4} y={sy(y1)} textAnchor="end">
        {formatParam(y1)}
      </text>
      {points.map((p) => (
        <circle key={p.t.id} data-trial={p.t.number} cx={sx(p.x as number)} cy={sy(p.y)} r={5}>
          <title>{`#${p.t.number}: ${param} ${formatParam(paramOf(p.t))}, ${metric} ${formatParam(p.y)}`}</title>
        </circle>
      ))}
    </svg>
  );
}

export function SweepPage({ id }: { id: string }) {
  const [{ data, error, fetching }, reload] = useQuery({ query: SweepQuery, variables: { id } });
  const [live] = useSubscription({ query: SweepStatusSubscription, variables: { sweepId: id } });
  const version = live.data?.sweepStatus.version;
  useEffect(() => {
    if (version !== undefined) reload({ requestPolicy: "network-only" });
  }, [version, reload]);
  const sweep = data?.node?.__typename === "Sweep" ? data.node : null;
  const params = useMemo(() => sweep?.parameters.map((p) => p.name) ?? [], [sweep]);
  const [chosen, setChosen] = useState("");
  const param = chosen || params[0] || "";

  if (error) return <p className="error">{error.message}</p>;
  if (!sweep) return <p>{fetching ? "Loading…" : "No sweep with this id (or not yours to see)."}</p>;
  const trials = sweep.trials.nodes as Trial[];
  return (
    <section>
      <h2>Sweep {sweep.name}</h2>
      <p>
        {sweep.method} over{" "}
        {sweep.experiment ? (
          <a href={href("experiments", sweep.experiment.id)}>{sweep.experiment.name}</a>
        ) : (
          "an experiment"
        )}
        ,{" "}
        {sweep.goal.toLowerCase()} <code>{sweep.metricKey}</code>; early stopping {sweep.earlyStopping.toLowerCase()}.
      </p>
      <p className="sweep-status" data-status={sweep.status}>
        <strong>{sweep.status}</strong>
        {sweep.stopReason ? ` (${sweep.stopReason})` : ""}: {sweep.trialsMade} of {sweep.maxTrials} trials made,{" "}
        {sweep.trialsActive} active (at most {sweep.maxParallel}), {sweep.trialsCompleted} completed,{" "}
        {sweep.trialsPruned} stopped early, {sweep.trialsFailed} failed, {sweep.trialsCancelled} cancelled.
        {typeof sweep.bestValue === "number" && (
          <>
            {" "}
            Best <code>{sweep.metricKey}</code>: <span data-best>{formatParam(sweep.bestValue)}</span>.
          </>
        )}
      </p>
      <h3>{sweep.metricKey} by param</h3>
      {params.length > 1 && (
        <label>
          Param{" "}
          <select value={param} onChange={(e) => setChosen(e.target.value)} name="scatter-param">
            {params.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </label>
      )}
      <Scatter trials={trials} param={param} metric={sweep.metricKey} />
      <h3>Trials ({sweep.trials.totalCount})</h3>
      {trials.length === 0 ? (
        <p className="hint">No trial yet: a worker claims them with sweepTrialClaim (or mlgraph.sweep_agent).</p>
      ) : (
        <table className="trials">
          <thead>
            <tr>
              <th scope="col">#</th>
              {params.map((name) => (
                <th scope="col" key={name}>
                  {name}
                </th>
              ))}
              <th scope="col">status</th>
              <th scope="col">{sweep.metricKey}</th>
              <th scope="col">stopped at</th>
              <th scope="col">run</th>
            </tr>
          </thead>
          <tbody>
            {trials.map((trial) => (
              <tr key={trial.id} data-trial={trial.number} data-status={trial.status}>
                <td>{trial.number}</td>
                {params.map((name) => (
                  <td key={name}>{formatParam((trial.params as Record<string, unknown>)[name])}</td>
                ))}
                <td title={trial.stopReason ?? undefined}>
                  {trial.status}
                  {trial.status === "ACTIVE" && trial.trainingJob ? ` (${trial.trainingJob.status})` : ""}
                </td>
                <td>{typeof trial.value === "number" ? formatParam(trial.value) : ""}</td>
                <td>{trial.prunedStep ?? ""}</td>
                <td>
                  {trial.trainingJob?.run ? (
                    <a href={href("runs", trial.trainingJob.run.id)}>{trial.trainingJob.run.name}</a>
                  ) : (
                    ""
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
