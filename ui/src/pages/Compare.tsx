import { api, modelPath } from "../api";
import { changes, lockDiff } from "../diff";
import { Problem } from "../parts/Problem";
import { href } from "../route";
import type { Manifest, Version } from "../types";
import { useLoad } from "../useLoad";

interface Props {
  workspace: string;
  model: string;
  left: number;
  right: number;
}

interface Side {
  version: Version;
  manifest: Manifest;
}

async function side(workspace: string, model: string, number: number): Promise<Side> {
  const [version, manifest] = await Promise.all([
    api<Version>(modelPath(workspace, model, number)),
    api<Manifest>(`${modelPath(workspace, model, number)}/manifest`),
  ]);
  return { version, manifest };
}

function ChangeTable({ title, left, right, a, b }: { title: string; left: unknown; right: unknown; a: number; b: number }) {
  const found = changes(left, right);
  return (
    <section aria-labelledby={`diff-${title}`}>
      <h2 id={`diff-${title}`}>{title}</h2>
      {found.length === 0 ? (
        <p className="muted">the same in both</p>
      ) : (
        <div className="scroll" tabIndex={0}>
          <table className="diff">
            <thead>
              <tr>
                <th scope="col">field</th>
                <th scope="col">version {a}</th>
                <th scope="col">version {b}</th>
              </tr>
            </thead>
            <tbody>
              {found.map((change) => (
                <tr key={change.path}>
                  <th scope="row">
                    <code>{change.path || "(whole)"}</code>
                  </th>
                  <td className="removed">{change.left ?? "absent"}</td>
                  <td className="added">{change.right ?? "absent"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** Two versions side by side: what differs in their schemas, locks, metadata and builds. */
export function Compare({ workspace, model, left, right }: Props) {
  const loaded = useLoad(
    () => Promise.all([side(workspace, model, left), side(workspace, model, right)]),
    [workspace, model, left, right],
  );
  if (loaded.error) return <Problem error={loaded.error} />;
  if (loaded.value === null) return <p aria-busy="true">Loading…</p>;
  const [a, b] = loaded.value;
  const lock = lockDiff(a.manifest.lock, b.manifest.lock);
  return (
    <>
      <p>
        <a href={href({ page: "model", workspace, model })}>← {model}</a>
      </p>
      <h1>
        {model}: version {left} against version {right}
      </h1>
      <ChangeTable title="Schema" left={a.version.signature} right={b.version.signature} a={left} b={right} />
      <section aria-labelledby="diff-lock">
        <h2 id="diff-lock">Lock</h2>
        <p>
          Python {a.manifest.python_version} → {b.manifest.python_version}
        </p>
        {lock.added.length + lock.removed.length === 0 ? (
          <p className="muted">the same packages in both</p>
        ) : (
          <ul className="lock">
            {lock.removed.map((line) => (
              <li key={`-${line}`} className="removed">
                <span className="sr-only">only in version {left}: </span>− {line}
              </li>
            ))}
            {lock.added.map((line) => (
              <li key={`+${line}`} className="added">
                <span className="sr-only">only in version {right}: </span>+ {line}
              </li>
            ))}
          </ul>
        )}
      </section>
      <ChangeTable title="Metadata" left={a.version.metadata} right={b.version.metadata} a={left} b={right} />
      <ChangeTable title="Lineage" left={a.version.lineage} right={b.version.lineage} a={left} b={right} />
      <ChangeTable title="Build" left={a.version.build} right={b.version.build} a={left} b={right} />
    </>
  );
}
