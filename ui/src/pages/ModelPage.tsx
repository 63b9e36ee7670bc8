import { useState, type FormEvent } from "react";
import { api, modelPath } from "../api";
import { may, useIdentity } from "../identity";
import { Confirm } from "../parts/Confirm";
import { Problem } from "../parts/Problem";
import { Tags } from "../parts/Tags";
import { href } from "../route";
import type { Alias, AliasChange, Model, Version } from "../types";
import { useLoad } from "../useLoad";

interface Loaded {
  model: Model;
  versions: Version[];
  aliases: Alias[];
  history: AliasChange[];
}

async function load(workspace: string, name: string): Promise<Loaded> {
  const path = modelPath(workspace, name);
  const [model, versions, aliases, history] = await Promise.all([
    api<Model>(path),
    api<{ versions: Version[] }>(`${path}/versions?max_results=200`),
    api<{ aliases: Alias[] }>(`${path}/aliases`),
    api<{ changes: AliasChange[] }>(`${path}/alias-history`),
  ]);
  return { model, versions: versions.versions, aliases: aliases.aliases, history: history.changes };
}

export function framework(version: Version): string {
  const meta = version.metadata;
  const name = meta.framework ?? meta.flavor ?? version.build.framework;
  return name ? String(name) : "";
}

interface Pending {
  question: string;
  action: string;
  run: () => Promise<unknown>;
}

/** A model: its versions, aliases (moved with confirmation), tags and alias history. */
export function ModelPage({ workspace, model }: { workspace: string; model: string }) {
  const identity = useIdentity();
  const editor = may(identity, workspace, "editor");
  const loaded = useLoad(() => load(workspace, model), [workspace, model]);
  const [pending, setPending] = useState<Pending | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [alias, setAlias] = useState("");
  const [target, setTarget] = useState("");
  const [left, setLeft] = useState("");
  const [right, setRight] = useState("");
  if (loaded.error) return <Problem error={loaded.error} />;
  if (loaded.value === null) return <p aria-busy="true">Loading…</p>;
  const { versions, aliases, history } = loaded.value;
  const numbers = versions.map((v) => v.number);
  const path = modelPath(workspace, model);

  async function confirmed() {
    if (pending === null) return;
    const { run } = pending;
    setPending(null);
    setError(null);
    try {
      await run();
      loaded.reload();
    } catch (failed) {
      setError(failed as Error);
    }
  }
  function moveAlias(event: FormEvent) {
    event.preventDefault();
    const name = alias.trim();
    const now = aliases.find((a) => a.name === name);
    const from = now ? `from version ${now.version} ` : "";
    setPending({
      question: `Point ${name} ${from}to version ${target} of ${model}? Everyone serving ${model}@${name} gets version ${target}.`,
      action: `Move ${name}`,
      run: () => api(`${path}/aliases/${encodeURIComponent(name)}`, { method: "PUT", body: { version: Number(target) } }),
    });
  }
  function deleteVersion(number: number) {
    setPending({
      question: `Delete version ${number} of ${model}? Its artifact is removed for good.`,
      action: `Delete version ${number}`,
      run: () => api(modelPath(workspace, model, number), { method: "DELETE" }),
    });
  }
  function compare(event: FormEvent) {
    event.preventDefault();
    window.location.hash = href({ page: "compare", workspace, model, left: Number(left), right: Number(right) });
  }
  const last = numbers[numbers.length - 1];
  return (
    <>
      <p>
        <a href={href({ page: "models", workspace })}>← {workspace}</a>
      </p>
      <h1>{model}</h1>
      {loaded.value.model.description && <p>{loaded.value.model.description}</p>}
      <Problem error={error} />
      {pending && (
        <Confirm question={pending.question} action={pending.action} onConfirm={() => void confirmed()} onCancel={() => setPending(null)} />
      )}
      <section aria-labelledby="tags-heading">
        <h2 id="tags-heading">Tags</h2>
        <Tags path={path} tags={loaded.value.model.tags} editable={editor} label="model" onChanged={loaded.reload} />
      </section>
      <section aria-labelledby="aliases-heading">
        <h2 id="aliases-heading">Aliases</h2>
        {aliases.length === 0 && <p className="muted">no aliases</p>}
        <ul className="chips">
          {aliases.map((a) => (
            <li className="chip" key={a.name}>
              {a.name} → <a href={href({ page: "version", workspace, model, version: a.version })}>version {a.version}</a>
            </li>
          ))}
        </ul>
        {editor && numbers.length > 0 && (
          <form className="inline" onSubmit={moveAlias} aria-label="Move an alias">
            <label htmlFor="alias-name">Alias</label>
            <input id="alias-name" list="alias-names" required value={alias} onChange={(e) => setAlias(e.target.value)} />
            <datalist id="alias-names">
              {aliases.map((a) => (
                <option key={a.name} value={a.name} />
              ))}
            </datalist>
            <label htmlFor="alias-target">to version</label>
            <select id="alias-target" required value={target} onChange={(e) => setTarget(e.target.value)}>
              <option value="">choose…</option>
              {numbers.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
            <button type="submit">Move alias</button>
          </form>
        )}
      </section>
      <section aria-labelledby="versions-heading">
        <h2 id="versions-heading">Versions</h2>
        {numbers.length >= 2 && (
          <form className="inline" onSubmit={compare} aria-label="Compare two versions">
            <label htmlFor="compare-left">Compare version</label>
            <select id="compare-left" required value={left} onChange={(e) => setLeft(e.target.value)}>
              <option value="">choose…</option>
              {numbers.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
            <label htmlFor="compare-right">with version</label>
            <select id="compare-right" required value={right} onChange={(e) => setRight(e.target.value)}>
              <option value="">choose…</option>
              {numbers.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
            <button type="submit">Compare</button>
          </form>
        )}
        <div className="scroll" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">version</th>
                <th scope="col">digest</th>
                <th scope="col">convention</th>
                <th scope="col">framework</th>
                <th scope="col">created</th>
                <th scope="col">aliases</th>
                {editor && <th scope="col">actions</th>}
              </tr>
            </thead>
            <tbody>
              {[...versions].reverse().map((v) => (
                <tr key={v.number}>
                  <th scope="row">
                    <a href={href({ page: "version", workspace, model, version: v.number })}>{v.number}</a>
                    {v.number === last && <span className="muted"> (latest)</span>}
                  </th>
                  <td>
                    <code title={v.digest}>{v.digest.slice(7, 19)}</code>
                  </td>
                  <td>{v.source_format}</td>
                  <td>{framework(v)}</td>
                  <td>{new Date(v.created_at).toLocaleString()}</td>
                  <td>{v.aliases.join(", ")}</td>
                  {editor && (
                    <td>
                      <button type="button" className="danger" onClick={() => deleteVersion(v.number)}>
                        Delete<span className="sr-only"> version {v.number}</span>
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">Alias history</h2>
        {history.length === 0 ? (
          <p className="muted">no alias was ever set</p>
        ) : (
          <div className="scroll" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">when</th>
                  <th scope="col">alias</th>
                  <th scope="col">change</th>
                  <th scope="col">who</th>
                </tr>
              </thead>
              <tbody>
                {[...history].reverse().map((c, i) => (
                  <tr key={i}>
                    <td>{new Date(c.changed_at).toLocaleString()}</td>
                    <td>{c.alias}</td>
                    <td>
                      {c.from_version ?? "none"} → {c.to_version ?? "removed"}
                    </td>
                    <td>{c.actor}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
