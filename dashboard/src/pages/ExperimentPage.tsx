// An experiment's runs: a table with the param and metric columns you choose, filtered by
// the run query language (the server's error, pointing at the character, shown under the
// box), sorted by clicking a column (orderBy METRIC_* / PARAM_* on the server); the runs
// you tick drawn as overlaid curves, and every matched run grouped by params as mean ± std
// bands — both live while the runs train (runMetricHistory and experimentComparison).
import { print } from "graphql";
import { type FormEvent, useEffect, useMemo, useRef, useState } from "react";
import { useQuery } from "urql";
import type { Api } from "../api";
import { CompareChart, type Curve } from "../CompareChart";
import { graphql } from "../gql";
import type { RunOrder } from "../gql/graphql";
import { finite, type Value } from "../MetricChart";
import { href } from "../router";

const RunsQuery = graphql(`
  query ExperimentRuns($id: ID!, $orderBy: RunOrder!, $orderKey: String, $keys: [String!], $filter: RunFilterInput) {
    node(id: $id) {
      ... on Experiment {
        __typename
        id
        name
        status
        sweeps(first: 20) { nodes { id name status trialsMade maxTrials } }
        runs(first: 100, orderBy: $orderBy, orderKey: $orderKey, filter: $filter) {
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

const GroupsSubscription = graphql(`
  subscription ExperimentGroups($experimentId: ID!, $keys: [String!]!, $groupBy: [String!], $filter: RunFilterInput) {
    experimentComparison(experimentId: $experimentId, keys: $keys, groupBy: $groupBy, filter: $filter, maxPoints: 300) {
      reset
      comparison {
        bucketSize
        groups { params runCount series { key stepStart mean std runs } }
      }
    }
  }
`);

const RunCurveSubscription = graphql(`
  subscription RunCurve($runId: ID!, $keys: [String!]!) {
    runMetricHistory(runId: $runId, keys: $keys, maxPoints: 300) {
      reset
      histories { key columns { stepStart lastStep last } }
    }
  }
`);

const MAX_SELECTED = 10;
const DEFAULT_COLUMNS = 4;

type Run = {
  id: string;
  name: string;
  status: string;
  params: unknown;
  metricKeys: string[];
  metricSummary: { key: string; last: Value }[];
};

type Sweep = { id: string; name: string; status: string; trialsMade: number; maxTrials: number };

type Sort = { by: "param" | "metric" | "created" | "name"; key: string; descending: boolean };

function order(sort: Sort): { orderBy: RunOrder; orderKey: string | null } {
  const way = sort.descending ? "DESC" : "ASC";
  if (sort.by === "param") return { orderBy: `PARAM_${way}` as RunOrder, orderKey: sort.key };
  if (sort.by === "metric") return { orderBy: `METRIC_${way}` as RunOrder, orderKey: sort.key };
  if (sort.by === "name") return { orderBy: `NAME_${way}` as RunOrder, orderKey: null };
  return { orderBy: `CREATED_${way}` as RunOrder, orderKey: null };
}

// "filter.query: expected a value, found the end at character 22" → 22 (1-based).
function errorPosition(message: string): number | null {
  const found = /at character (\d+)/.exec(message);
  return found ? Number(found[1]) : null;
}

// A param as logged: text as it is, a long fraction to six figures, the rest as JSON.
export function formatParam(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" && !Number.isInteger(value)) return String(Number(value.toPrecision(6)));
  return JSON.stringify(value);
}

function formatValue(value: Value | undefined): string {
  if (value === undefined || value === null) return "";
  return typeof value === "number" ? value.toPrecision(4) : value;
}

export function ExperimentPage({ id, api }: { id: string; api: Api }) {
  const [draft, setDraft] = useState("");
  const [query, setQuery] = useState("");
  const [sort, setSort] = useState<Sort>({ by: "created", key: "", descending: true });
  const [paramColumns, setParamColumns] = useState<string[] | null>(null); // null: the defaults
  const [metricColumns, setMetricColumns] = useState<string[] | null>(null);
  const [selected, setSelected] = useState<string[]>([]);
  const [curveKey, setCurveKey] = useState("");
  const [groupBy, setGroupBy] = useState<string[]>([]);

  const filter = query.trim() ? { query: query.trim() } : null;
  const { orderBy, orderKey } = order(sort);
  const [{ data, error, fetching }] = useQuery({
    query: RunsQuery,
    variables: { id, orderBy, orderKey, keys: metricColumns, filter },
  });
  // The last answer that worked stays on screen while a query is being fixed.
  const shown = useRef<{ name: string; total: number; runs: Run[]; sweeps: Sweep[] } | null>(null);
  const experiment = data?.node?.__typename === "Experiment" ? data.node : null;
  if (experiment) {
    shown.current = {
      name: experiment.name,
      total: experiment.runs.totalCount,
      runs: experiment.runs.nodes,
      sweeps: experiment.sweeps.nodes,
    };
  }
  const runs = shown.current?.runs ?? [];
  const allMetrics = useMemo(() => [...new Set(runs.flatMap((run) => run.metricKeys))].sort(), [runs]);
  const allParams = useMemo(
    () => [...new Set(runs.flatMap((run) => Object.keys((run.params as Record<string, unknown>) ?? {})))].sort(),
    [runs],
  );
  const params = paramColumns ?? allParams.slice(0, DEFAULT_COLUMNS);
  const metrics = metricColumns ?? allMetrics.slice(0, DEFAULT_COLUMNS);
  const chartKey = curveKey || allMetrics[0] || "";
  const queryError = error?.graphQLErrors.find((e) => e.message.includes("filter"))?.message ?? null;
  const otherError = error && !queryError ? error.message : null;

  function apply(event: FormEvent) {
    event.preventDefault();
    setQuery(draft);
  }

  function sortBy(by: Sort["by"], key = "") {
    setSort((now) =>
      now.by === by && now.key === key ? { ...now, descending: !now.descending } : { by, key, descending: true },
    );
  }

  function header(label: string, by: Sort["by"], key = "") {
    const active = sort.by === by && sort.key === key;
    return (
      <th key={`${by}-${key}`} aria-sort={active ? (sort.descending ? "descending" : "ascending") : "none"}>
        <button type="button" className="sort" onClick={() => sortBy(by, key)} data-sort={`${by}:${key}`}>
          {label}
          {active ? (sort.descending ? " ▼" : " ▲") : ""}
        </button>
      </th>
    );
  }

  if (!shown.current && otherError) return <p className="error">{otherError}</p>;
  if (!shown.current) return <p>{fetching ? "Loading…" : "No experiment with this id (or not yours to see)."}</p>;
  return (
    <section>
      <h2>Experiment {shown.current.name}</h2>
      {shown.current.sweeps.length > 0 && (
        <nav className="sweeps" aria-label="Sweeps">
          Sweeps:{" "}
          {shown.current.sweeps.map((sweep) => (
            <a key={sweep.id} href={href("sweeps", sweep.id)} data-sweep={sweep.name}>
              {sweep.name} ({sweep.status.toLowerCase()}, {sweep.trialsMade}/{sweep.maxTrials})
            </a>
          ))}
        </nav>
      )}
      <form className="run-query" onSubmit={apply} role="search">
        <label htmlFor="run-query">Filter runs</label>
        <input
          id="run-query"
          name="query"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          placeholder="metrics.loss.min < 0.5 and params.lr in (0.1, 0.01) or tags.team = 'vision'"
          aria-invalid={queryError ? "true" : "false"}
          aria-describedby="run-query-help"
          spellCheck={false}
        />
        <button type="submit">Apply</button>
        <p id="run-query-help" className="hint">
          <code>params.x</code>, <code>metrics.key</code> (<code>.min</code>, <code>.max</code>, <code>.last</code>),{" "}
          <code>tags.x</code>, <code>status</code>, <code>search = "words"</code>; <code>and</code>, <code>or</code>,{" "}
          <code>not</code>, <code>in (…)</code>, parentheses.
        </p>
        {queryError && (
          <div className="error query-error" role="alert" data-query-error={queryError}>
            {queryError}
            {errorPosition(queryError) !== null && (
              <pre aria-hidden="true">
                {query}
                {"\n"}
                {" ".repeat(Math.max(0, errorPosition(queryError)! - 1))}^
              </pre>
            )}
          </div>
        )}
        {otherError && <p className="error">{otherError}</p>}
      </form>

      <details className="columns">
        <summary>Columns</summary>
        <fieldset>
          <legend>Params</legend>
          <Checkboxes items={allParams} chosen={params} onChange={setParamColumns} data="column" prefix="param:" />
        </fieldset>
        <fieldset>
          <legend>Metrics (last value)</legend>
          <Checkboxes items={allMetrics} chosen={metrics} onChange={setMetricColumns} data="column" prefix="metric:" />
        </fieldset>
      </details>

      <p className="count" data-run-count={runs.length}>
        {shown.current.total} {shown.current.total === 1 ? "run" : "runs"}
        {query.trim() ? " match" : ""}
        {shown.current.total > runs.length ? ` (the first ${runs.length} shown)` : ""}
        {runs.length > 0 && ` · tick up to ${MAX_SELECTED} runs to overlay their curves`}
      </p>
      {runs.length === 0 ? (
        <p className="empty">
          {query.trim()
            ? "No run matches this filter."
            : "No runs yet: start one with the Python client (mlgraph.init) and it appears here."}
        </p>
      ) : (
        <table className="runs">
          <thead>
            <tr>
              <th>
                <span className="visually-hidden">select</span>
              </th>
              {header("run", "name")}
              <th>status</th>
              {params.map((key) => header(key, "param", key))}
              {metrics.map((key) => header(key, "metric", key))}
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => {
              const values = (run.params as Record<string, unknown>) ?? {};
              const last = new Map(run.metricSummary.map((s) => [s.key, s.last]));
              const ticked = selected.includes(run.id);
              return (
                <tr key={run.id} data-run={run.id}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`compare ${run.name}`}
                      checked={ticked}
                      disabled={!ticked && selected.length >= MAX_SELECTED}
                      onChange={() => setSelected(toggle(selected, run.id))}
                    />
                  </td>
                  <td>
                    <a href={href("runs", run.id)}>{run.name}</a>
                  </td>
                  <td className={`status ${run.status}`}>{run.status}</td>
                  {params.map((key) => (
                    <td key={`p-${key}`}>{formatParam(values[key])}</td>
                  ))}
                  {metrics.map((key) => (
                    <td key={`m-${key}`} className="number">
                      {formatValue(last.get(key))}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}

      {allMetrics.length > 0 && (
        <section className="compare" aria-label="compare runs">
          <h3>Compare</h3>
          <p className="controls">
            <label>
              Metric{" "}
              <select value={chartKey} onChange={(e) => setCurveKey(e.target.value)} aria-label="curve metric">
                {allMetrics.map((key) => (
                  <option key={key}>{key}</option>
                ))}
              </select>
            </label>{" "}
            <span role="group" aria-label="group by">
              Group by:{" "}
              <Checkboxes items={allParams} chosen={groupBy} onChange={setGroupBy} data="group-by" inline />
            </span>
          </p>
          <div className="charts">
            {selected.length > 0 && (
              <SelectedCurves api={api} runs={runs.filter((r) => selected.includes(r.id))} metric={chartKey} />
            )}
            <GroupedCurves api={api} experimentId={id} metric={chartKey} groupBy={groupBy} query={query.trim()} />
          </div>
        </section>
      )}
    </section>
  );
}

function toggle(list: string[], item: string): string[] {
  return list.includes(item) ? list.filter((x) => x !== item) : [...list, item];
}

// A labelled checkbox per item; ticking one adds it to (or takes it from) `chosen`. Each box
// carries data-<data>="<prefix><item>" for tests and tools.
function Checkboxes({
  items,
  chosen,
  onChange,
  data,
  prefix = "",
  inline = false,
}: {
  items: string[];
  chosen: string[];
  onChange: (chosen: string[]) => void;
  data: string;
  prefix?: string;
  inline?: boolean;
}) {
  return items.map((item) => (
    <label key={item} className={inline ? "inline" : undefined}>
      <input
        type="checkbox"
        checked={chosen.includes(item)}
        onChange={() => onChange(toggle(chosen, item))}
        {...{ [`data-${data}`]: `${prefix}${item}` }}
      />{" "}
      {item}
    </label>
  ));
}

type Bucket = { x: number; y: number | null };

// The ticked runs' curves, one runMetricHistory subscription each (live buckets).
function SelectedCurves({ api, runs, metric }: { api: Api; runs: Run[]; metric: string }) {
  const [buckets, setBuckets] = useState<Record<string, Map<number, Bucket>>>({});
  const ids = runs.map((r) => r.id).join(",");
  useEffect(() => {
    setBuckets({});
    const stops = runs.map((run) =>
      api.ws.subscribe<{
        runMetricHistory: {
          reset: boolean;
          histories: { key: string; columns: { stepStart: number[]; lastStep: number[]; last: Value[] } }[];
        };
      }>(
        { query: print(RunCurveSubscription), variables: { runId: run.id, keys: [metric] } },
        {
          next(message) {
            const update = message.data?.runMetricHistory;
            if (!update) return;
            setBuckets((before) => {
              const mine = new Map(update.reset ? [] : (before[run.id] ?? []));
              for (const history of update.histories) {
                const c = history.columns;
                c.stepStart.forEach((start, i) => mine.set(start, { x: c.lastStep[i], y: finite(c.last[i]) }));
              }
              return { ...before, [run.id]: mine };
            });
          },
          error(error) {
            console.error("runMetricHistory subscription", error);
          },
          complete() {},
        },
      ),
    );
    return () => {
      for (const stop of stops) stop();
    };
  }, [api, ids, metric]);
  const curves: Curve[] = runs.map((run) => ({
    label: run.name,
    points: new Map([...(buckets[run.id]?.values() ?? [])].map((b) => [b.x, { y: b.y }])),
  }));
  return <CompareChart kind="runs" title={`${metric}: selected runs`} curves={curves} bands={false} />;
}

type GroupRows = { label: string; runCount: number; rows: Map<number, { mean: number | null; std: number | null }> };

function groupLabel(params: Record<string, unknown>, runCount: number): string {
  const named = Object.entries(params).map(([k, v]) => `${k}=${v === null ? "unset" : formatParam(v)}`);
  return `${named.length ? named.join(", ") : "all runs"} (${runCount})`;
}

// Every run the filter matches, grouped by the ticked params: mean ± std per step bucket,
// computed on the server and kept live by experimentComparison (only changed buckets).
function GroupedCurves({
  api,
  experimentId,
  metric,
  groupBy,
  query,
}: {
  api: Api;
  experimentId: string;
  metric: string;
  groupBy: string[];
  query: string;
}) {
  const [groups, setGroups] = useState<Map<string, GroupRows>>(new Map());
  const [failure, setFailure] = useState<string | null>(null);
  const grouping = groupBy.join(",");
  useEffect(() => {
    setGroups(new Map());
    setFailure(null);
    const variables = {
      experimentId,
      keys: [metric],
      groupBy,
      filter: query ? { query } : null,
    };
    return api.ws.subscribe<{
      experimentComparison: {
        reset: boolean;
        comparison: {
          groups: {
            params: Record<string, unknown>;
            runCount: number;
            series: { key: string; stepStart: number[]; mean: (number | null)[]; std: (number | null)[] }[];
          }[];
        };
      };
    }>(
      { query: print(GroupsSubscription), variables },
      {
        next(message) {
          if (message.errors?.length) {
            setFailure(message.errors[0].message);
            return;
          }
          const update = message.data?.experimentComparison;
          if (!update) return;
          setGroups((before) => {
            const next = new Map(update.reset ? [] : before);
            for (const group of update.comparison.groups) {
              const name = JSON.stringify(group.params);
              const rows = new Map(next.get(name)?.rows ?? []);
              for (const series of group.series) {
                series.stepStart.forEach((start, i) => rows.set(start, { mean: series.mean[i], std: series.std[i] }));
              }
              next.set(name, { label: groupLabel(group.params, group.runCount), runCount: group.runCount, rows });
            }
            return next;
          });
        },
        error(error) {
          setFailure(Array.isArray(error) ? error[0]?.message : String((error as Error)?.message ?? error));
        },
        complete() {},
      },
    );
  }, [api, experimentId, metric, grouping, query]);
  const curves: Curve[] = [...groups.values()].map((group) => ({
    label: group.label,
    points: new Map(
      [...group.rows.entries()].map(([x, { mean, std }]) => [
        x,
        { y: mean, low: mean !== null && std !== null ? mean - std : mean, high: mean !== null && std !== null ? mean + std : mean },
      ]),
    ),
  }));
  return (
    <div className="grouped" data-grouped-by={grouping}>
      {failure && (
        <p className="error" role="alert">
          {failure}
        </p>
      )}
      <CompareChart
        kind="groups"
        title={`${metric}: ${grouping ? `grouped by ${groupBy.join(", ")}` : "all matching runs"}, mean ± std`}
        curves={curves}
        bands
      />
    </div>
  );
}
