import { api } from "../api";
import { InferenceLog } from "../parts/InferenceLog";
import { Problem } from "../parts/Problem";
import { href } from "../route";
import type { Pipeline, PipelineVersion } from "../types";
import { useLoad } from "../useLoad";

type WithVersions = Pipeline & { versions: PipelineVersion[] };

async function load(workspace: string): Promise<WithVersions[]> {
  const base = `/workspaces/${encodeURIComponent(workspace)}/pipelines`;
  const { pipelines } = await api<{ pipelines: Pipeline[] }>(base);
  return Promise.all(pipelines.map((p) => api<WithVersions>(`${base}/${encodeURIComponent(p.name)}`)));
}

/** A workspace's pipelines: each version's steps (model versions, in order), validations and
 * newest logged inferences. */
export function Pipelines({ workspace }: { workspace: string }) {
  const pipelines = useLoad(() => load(workspace), [workspace]);
  return (
    <>
      <p>
        <a href={href({ page: "models", workspace })}>← {workspace}</a>
      </p>
      <h1>Pipelines of {workspace}</h1>
      <Problem error={pipelines.error} />
      {pipelines.value?.length === 0 && <p className="muted">no pipelines</p>}
      {pipelines.value?.map((p) => {
        const latest = p.versions.find((v) => v.number === p.latest) ?? p.versions[p.versions.length - 1];
        return (
          <section key={p.name} aria-labelledby={`pipeline-${p.name}`}>
            <h2 id={`pipeline-${p.name}`}>{p.name}</h2>
            {p.description && <p>{p.description}</p>}
            <p className="muted">
              version {p.latest} of {p.versions.length}; inference log {p.log_inferences ? "on" : "off"}
            </p>
            {latest && (
              <>
                <ol className="steps" aria-label={`Steps of ${p.name}`}>
                  {latest.steps.map((s, i) => (
                    <li key={i}>
                      <a href={href({ page: "version", workspace, model: s.model, version: s.version })}>
                        {s.model}:{s.version}
                      </a>
                    </li>
                  ))}
                </ol>
                {latest.validations.length > 0 && (
                  <ul aria-label={`Validations of ${p.name}`}>
                    {latest.validations.map((v) => (
                      <li key={v.label}>
                        {v.label}: <code>{v.expression}</code>
                      </li>
                    ))}
                  </ul>
                )}
              </>
            )}
            <InferenceLog workspace={workspace} pipeline={p.name} />
          </section>
        );
      })}
    </>
  );
}
