import { api } from "../api";
import { Problem } from "../parts/Problem";
import { href } from "../route";
import type { Training } from "../types";
import { useLoad } from "../useLoad";

function shown(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** What a finished job gave: its output, the version registered from it, or its error. */
function Outcome({ job }: { job: Training }) {
  if (job.status === "error") return <span className="problem-text">{job.message || "failed"}</span>;
  if (job.status !== "done") return <span className="muted">{job.status === "running" ? "not yet" : "none"}</span>;
  return (
    <>
      <code className="wrap">{shown(job.output)}</code>
      {job.registered_version && <> registered as {job.registered_version}</>}
    </>
  );
}

/** The DEEPaaS training jobs of a workspace's models (kept in the registry by every
 * ``modelport serve`` of a DEEPaaS model), newest first, with their status and output. */
export function Trainings({ workspace }: { workspace: string }) {
  const path = `/workspaces/${encodeURIComponent(workspace)}/trainings`;
  const jobs = useLoad(() => api<{ trainings: Training[] }>(path), [path]);
  const trainings = jobs.value?.trainings;
  return (
    <>
      <p>
        <a href={href({ page: "models", workspace })}>← {workspace}</a>
      </p>
      <h1>Training jobs in {workspace}</h1>
      <p className="muted">
        DEEPaaS trainings (<code>POST /v2/models/NAME/train</code> on <code>modelport serve</code>) of this workspace&apos;s
        models, newest first.{" "}
        <button type="button" onClick={jobs.reload}>
          Refresh
        </button>
      </p>
      <Problem error={jobs.error} />
      {trainings?.length === 0 && <p>No training jobs yet.</p>}
      {trainings && trainings.length > 0 && (
        <div className="scroll" tabIndex={0} role="region" aria-label="Training jobs">
          <table>
            <caption className="sr-only">Training jobs in {workspace}</caption>
            <thead>
              <tr>
                <th scope="col">model</th>
                <th scope="col">status</th>
                <th scope="col">started</th>
                <th scope="col">finished</th>
                <th scope="col">arguments</th>
                <th scope="col">output</th>
              </tr>
            </thead>
            <tbody>
              {trainings.map((job) => (
                <tr key={job.uuid}>
                  <th scope="row">
                    <a href={href({ page: "model", workspace, model: job.model })}>{job.model}</a>
                  </th>
                  <td>
                    <span className={`status status-${job.status}`}>{job.status}</span>
                  </td>
                  <td>{job.started}</td>
                  <td>{job.finished ?? ""}</td>
                  <td>
                    <code className="wrap">{JSON.stringify(job.args)}</code>
                  </td>
                  <td>
                    <Outcome job={job} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
