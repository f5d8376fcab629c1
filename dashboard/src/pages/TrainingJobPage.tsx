// A training job: where it stands (live, from trainingJobStatus), its resources, its run,
// and its run's latest log lines once there are some.
import { useQuery, useSubscription } from "urql";
import { graphql } from "../gql";
import { href } from "../router";

const JobQuery = graphql(`
  query TrainingJobPage($id: ID!) {
    node(id: $id) {
      ... on TrainingJob {
        __typename
        id
        name
        status
        errorMessage
        image
        gpus
        gpuType
        cpu
        memoryMb
        leaseOwner
        startedAt
        endedAt
        project { id name }
        environment { name }
        run {
          id
          name
          logs(last: 50) { nodes { lineNumber stream text } }
        }
      }
    }
  }
`);

const JobStatus = graphql(`
  subscription TrainingJobPageStatus($id: ID!) {
    trainingJobStatus(trainingJobId: $id) { status errorMessage leaseOwner endedAt }
  }
`);

export function TrainingJobPage({ id }: { id: string }) {
  const [{ data, error, fetching }] = useQuery({ query: JobQuery, variables: { id } });
  const [{ data: live }] = useSubscription({ query: JobStatus, variables: { id } });
  if (error) return <p className="error">{error.message}</p>;
  const job = data?.node?.__typename === "TrainingJob" ? data.node : null;
  if (!job) return <p>{fetching ? "Loading…" : "No training job with this id (or it is not yours to see)."}</p>;
  const now = live?.trainingJobStatus;
  const status = now?.status ?? job.status;
  const problem = now ? now.errorMessage : job.errorMessage;
  const lines = job.run?.logs.nodes ?? [];
  return (
    <section className="training-job" data-status={status}>
      <h2>
        Training job {job.name} <span className={`status ${status}`}>{status}</span>
      </h2>
      {problem && <p className="error">{problem}</p>}
      <p>
        {job.project && <a href={href("projects", job.project.id)}>{job.project.name}</a>} · {job.environment?.name} ·{" "}
        {job.gpus ? `${job.gpus} × ${job.gpuType ?? "any GPU"}` : "no GPU"}
        {job.cpu ? ` · ${job.cpu} CPU` : ""}
        {job.memoryMb ? ` · ${job.memoryMb} MB` : ""}
        {job.image ? (
          <>
            {" "}
            · <code>{job.image}</code>
          </>
        ) : null}
      </p>
      <p>
        Worker: {(now?.leaseOwner ?? job.leaseOwner) || <span className="muted">none yet (queued)</span>}
        {job.startedAt ? ` · started ${new Date(job.startedAt).toLocaleString()}` : ""}
      </p>
      <h3>Run</h3>
      {job.run ? <a href={href("runs", job.run.id)}>{job.run.name}</a> : <p className="muted">No run yet.</p>}
      <h3>Logs</h3>
      {lines.length === 0 ? (
        <p className="muted">No log lines yet (a worker sends them with runLogsAppend).</p>
      ) : (
        <pre className="logs">{lines.map((l) => `${l.lineNumber} ${l.stream.toLowerCase()} ${l.text}`).join("\n")}</pre>
      )}
    </section>
  );
}
