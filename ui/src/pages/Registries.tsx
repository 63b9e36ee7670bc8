import { useState, type FormEvent } from "react";
import { registryCall } from "../api";
import { may, useIdentity } from "../identity";
import { Problem } from "../parts/Problem";
import { href } from "../route";
import type { ExternalModel, ExternalVersion, RegistryConnection } from "../types";
import { useLoad } from "../useLoad";

interface Uploaded {
  name: string;
  version: number;
}

function UploadForm({ workspace, registry, version, onDone }: { workspace: string; registry: string; version: ExternalVersion; onDone: (made: Uploaded) => void }) {
  const [name, setName] = useState(version.name.toLowerCase().replace(/[^a-z0-9-]+/g, "-"));
  const [framework, setFramework] = useState("mlflow");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const id = `${version.name}-${version.version}`.replace(/[^A-Za-z0-9-]/g, "-");
  async function upload(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onDone(
        await registryCall<Uploaded>("upload_from_registry", {
          workspace_id: workspace,
          registry_id: registry,
          path: version.source ?? `models:/${version.name}/${version.version}`,
          name,
          conversion: { framework, requirements: [] },
        }),
      );
    } catch (failed) {
      setError(failed as Error);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="inline" onSubmit={upload} aria-label={`Upload ${version.name} version ${version.version}`}>
      <label htmlFor={`name-${id}`}>Name here</label>
      <input id={`name-${id}`} required value={name} onChange={(e) => setName(e.target.value)} />
      <label htmlFor={`framework-${id}`}>Framework</label>
      <input id={`framework-${id}`} required value={framework} onChange={(e) => setFramework(e.target.value)} />
      <button type="submit" disabled={busy}>
        Upload<span className="sr-only"> {version.name} version {version.version}</span>
      </button>
      {busy && <span aria-live="polite">building…</span>}
      <Problem error={error} />
    </form>
  );
}

function Models({ workspace, registry }: { workspace: string; registry: string }) {
  const identity = useIdentity();
  const models = useLoad(
    () => registryCall<{ registered_models: ExternalModel[] }>("list_registry_models", { registry_id: registry }),
    [registry],
  );
  const [made, setMade] = useState<Uploaded | null>(null);
  if (models.error) return <Problem error={models.error} />;
  if (models.value === null) return <p aria-busy="true">Asking the registry…</p>;
  const versions = models.value.registered_models.flatMap((m) => m.latest_versions ?? []);
  return (
    <>
      {made && (
        <p role="status">
          Registered <a href={href({ page: "version", workspace, model: made.name, version: made.version })}>{made.name} version {made.version}</a>.
        </p>
      )}
      {versions.length === 0 && <p className="muted">no models</p>}
      <ul className="plain">
        {versions.map((v) => (
          <li key={`${v.name}/${v.version}`}>
            <strong>{v.name}</strong> version {v.version}
            {v.current_stage && v.current_stage !== "None" && ` (${v.current_stage})`}
            {v.run_id && <span className="muted"> run {v.run_id}</span>}
            {may(identity, workspace, "editor") && <UploadForm workspace={workspace} registry={registry} version={v} onDone={setMade} />}
          </li>
        ))}
      </ul>
    </>
  );
}

/** The external registries (MLflow) connected to a workspace, their models, and an upload of
 * one of their versions into this registry (built and registered by the server). */
export function Registries({ workspace }: { workspace: string }) {
  const registries = useLoad(
    () => registryCall<RegistryConnection[]>("list_registries", { workspace_id: workspace }),
    [workspace],
  );
  const [open, setOpen] = useState<string | null>(null);
  return (
    <>
      <p>
        <a href={href({ page: "models", workspace })}>← {workspace}</a>
      </p>
      <h1>External registries of {workspace}</h1>
      <Problem error={registries.error} />
      {registries.value?.length === 0 && (
        <p className="muted">
          None connected: <code>modelport registries create NAME URL --token TOKEN</code> connects one.
        </p>
      )}
      {registries.value?.map((r) => (
        <section key={r.id} aria-labelledby={`registry-${r.id}`}>
          <h2 id={`registry-${r.id}`}>{r.name}</h2>
          <dl className="details">
            <div>
              <dt>address</dt>
              <dd className="wrap">{r.url}</dd>
            </div>
            <div>
              <dt>token</dt>
              <dd>
                <code>{r.token}</code>
              </dd>
            </div>
            <div>
              <dt>id</dt>
              <dd>
                <code className="wrap">{r.id}</code>
              </dd>
            </div>
          </dl>
          {open === r.id ? (
            <Models workspace={workspace} registry={r.id} />
          ) : (
            <button type="button" onClick={() => setOpen(r.id)}>
              Show models<span className="sr-only"> of {r.name}</span>
            </button>
          )}
        </section>
      ))}
    </>
  );
}
