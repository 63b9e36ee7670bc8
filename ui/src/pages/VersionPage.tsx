import { api, modelPath } from "../api";
import { may, useIdentity } from "../identity";
import { Details } from "../parts/Details";
import { Playground } from "../parts/Playground";
import { Problem } from "../parts/Problem";
import { Tags } from "../parts/Tags";
import { href } from "../route";
import type { FieldSpec, Manifest, TestReport, Version } from "../types";
import { useLoad } from "../useLoad";
import { framework } from "./ModelPage";

function FieldTable({ caption, fields }: { caption: string; fields: FieldSpec[] }) {
  if (fields.length === 0) return null;
  return (
    <div className="scroll" tabIndex={0}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">name</th>
            <th scope="col">type</th>
            <th scope="col">shape</th>
            <th scope="col">nullable</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((f) => (
            <tr key={f.name}>
              <th scope="row">{f.name}</th>
              <td>{f.type}</td>
              <td>{f.shape ? JSON.stringify(f.shape) : ""}</td>
              <td>{f.nullable ? "yes" : "no"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One test run the build recorded: how many passed, failed and were skipped, and where. */
function TestResults({ report, none }: { report: unknown; none: string }) {
  if (!report || typeof report !== "object") return <p className="muted">{none}</p>;
  const r = report as Partial<TestReport>;
  return (
    <p>
      <span className={r.failed ? "status status-error" : "status status-done"}>
        {r.passed ?? 0} passed, {r.failed ?? 0} failed, {r.skipped ?? 0} skipped
      </span>{" "}
      <span className="muted">
        (<code>{r.folder ?? "?"}</code>)
      </span>
    </p>
  );
}

const TEST_RECORDS = ["tests", "integration_tests"];

/** One version: how it was built, from what, its schema and lock, and a playground. */
export function VersionPage({ workspace, model, version }: { workspace: string; model: string; version: number }) {
  const identity = useIdentity();
  const path = modelPath(workspace, model, version);
  const loaded = useLoad(
    () => Promise.all([api<Version>(path), api<Manifest>(`${path}/manifest`)]),
    [path],
  );
  if (loaded.error) return <Problem error={loaded.error} />;
  if (loaded.value === null) return <p aria-busy="true">Loading…</p>;
  const [found, manifest] = loaded.value;
  const lock = typeof manifest.lock === "string" ? manifest.lock.split("\n").filter(Boolean) : manifest.lock;
  return (
    <>
      <p>
        <a href={href({ page: "model", workspace, model })}>← {model}</a>
      </p>
      <h1>
        {model} version {version}
      </h1>
      <dl className="details">
        <div>
          <dt>digest</dt>
          <dd>
            <code className="wrap">{found.digest}</code>
          </dd>
        </div>
        <div>
          <dt>size</dt>
          <dd>{found.size.toLocaleString()} bytes</dd>
        </div>
        <div>
          <dt>convention</dt>
          <dd>{found.source_format}</dd>
        </div>
        <div>
          <dt>framework</dt>
          <dd>{framework(found) || "not recorded"}</dd>
        </div>
        <div>
          <dt>runtime</dt>
          <dd>
            modelport {String(found.build.modelport_version ?? "?")}, environment {String(found.build.environment ?? "?")}
          </dd>
        </div>
        <div>
          <dt>Python</dt>
          <dd>{manifest.python_version}</dd>
        </div>
        <div>
          <dt>aliases</dt>
          <dd>{found.aliases.join(", ") || "none"}</dd>
        </div>
        <div>
          <dt>registered</dt>
          <dd>{new Date(found.created_at).toLocaleString()}</dd>
        </div>
      </dl>
      <section aria-labelledby="schema-heading">
        <h2 id="schema-heading">Schema</h2>
        {found.signature.free_form ? <p>Free-form JSON in and out.</p> : null}
        <FieldTable caption="Inputs" fields={found.signature.inputs ?? []} />
        <FieldTable caption="Outputs" fields={found.signature.outputs ?? []} />
      </section>
      <Playground version={found} />
      <section aria-labelledby="build-heading">
        <h2 id="build-heading">Build and tests</h2>
        <h3>Unit tests</h3>
        <TestResults report={found.build.tests} none="no unit tests ran in the build" />
        <h3>Integration tests</h3>
        <TestResults report={found.build.integration_tests} none="no integration tests ran in the build" />
        <h3>Build record</h3>
        <Details value={Object.fromEntries(Object.entries(found.build).filter(([k]) => !TEST_RECORDS.includes(k)))} />
      </section>
      <section aria-labelledby="lineage-heading">
        <h2 id="lineage-heading">Lineage</h2>
        <Details value={found.lineage} />
      </section>
      <section aria-labelledby="metadata-heading">
        <h2 id="metadata-heading">Metadata</h2>
        <Details value={found.metadata} />
      </section>
      <section aria-labelledby="lock-heading">
        <h2 id="lock-heading">Lock ({lock.length} packages)</h2>
        {lock.length === 0 ? (
          <p className="muted">no lock recorded</p>
        ) : (
          <details>
            <summary>The pinned requirements</summary>
            <pre className="lock">{lock.join("\n")}</pre>
          </details>
        )}
      </section>
      <section aria-labelledby="vtags-heading">
        <h2 id="vtags-heading">Tags</h2>
        <Tags path={path} tags={found.tags} editable={may(identity, workspace, "editor")} label="version" onChanged={loaded.reload} />
      </section>
    </>
  );
}
