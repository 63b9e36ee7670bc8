import { api } from "../api";
import type { PipelineLog } from "../types";
import { useLoad } from "../useLoad";
import { Problem } from "./Problem";

const NEWEST = 20;

function cell(column: string, value: unknown): string {
  if (value === null || value === undefined) return "";
  if (column === "time" && typeof value === "number") return new Date(value).toISOString().replace(".000Z", "Z");
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** A pipeline's newest logged inferences (one row per inferred row: time, in.*, out.*,
 * anomaly.*, the pipeline version that answered), as ``modelport pipeline logs`` shows them. */
export function InferenceLog({ workspace, pipeline }: { workspace: string; pipeline: string }) {
  const path = `/workspaces/${encodeURIComponent(workspace)}/pipelines/${encodeURIComponent(pipeline)}/logs?limit=${NEWEST}`;
  const log = useLoad(() => api<PipelineLog>(path), [path]);
  const found = log.value;
  return (
    <div>
      <h3>
        Inference log{" "}
        <button type="button" onClick={log.reload}>
          Refresh<span className="sr-only"> the inference log of {pipeline}</span>
        </button>
      </h3>
      <Problem error={log.error} />
      {found && found.rows.length === 0 && (
        <p className="muted">
          nothing logged{found.log_inferences ? " yet" : `: logging is off (modelport pipeline update ${pipeline} --log-inferences)`}
        </p>
      )}
      {found && found.rows.length > 0 && (
        <p className="muted">
          The newest {found.rows.length} logged {found.rows.length === 1 ? "row" : "rows"}, oldest first.
        </p>
      )}
      {found && found.rows.length > 0 && (
        <div className="scroll" tabIndex={0} role="region" aria-label={`Inference log of ${pipeline}`}>
          <table className="log">
            <caption className="sr-only">The newest logged rows of {pipeline}, oldest first</caption>
            <thead>
              <tr>
                {found.columns.map((c) => (
                  <th scope="col" key={c}>
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {found.rows.map((row, i) => (
                <tr key={i}>
                  {found.columns.map((c) => (
                    <td key={c}>{cell(c, row[c])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
