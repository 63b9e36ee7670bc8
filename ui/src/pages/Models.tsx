import { useState, type FormEvent } from "react";
import { api } from "../api";
import { useIdentity } from "../identity";
import { Problem } from "../parts/Problem";
import { href } from "../route";
import type { Alias, Model, Workspace } from "../types";
import { useLoad } from "../useLoad";

interface Row {
  model: Model;
  aliases: Alias[];
}

async function search(workspace: string, name: string, tag: string): Promise<Row[]> {
  const query = new URLSearchParams({ max_results: "100" });
  if (name) query.set("name_contains", name);
  if (tag) query.set("tag", tag);
  const found = await api<{ models: Model[] }>(
    `/workspaces/${encodeURIComponent(workspace)}/models?${query}`,
  );
  return Promise.all(
    found.models.map(async (model) => {
      const path = `/workspaces/${encodeURIComponent(workspace)}/models/${encodeURIComponent(model.name)}/aliases`;
      const { aliases } = await api<{ aliases: Alias[] }>(path);
      return { model, aliases };
    }),
  );
}

/** The workspaces you are a member of, and one's models: search, tags, and where each alias points. */
export function Models({ workspace }: { workspace: string | null }) {
  const identity = useIdentity();
  const workspaces = useLoad(() => api<{ workspaces: Workspace[] }>("/workspaces"), []);
  const names = workspaces.value?.workspaces.map((w) => w.name) ?? [];
  const chosen = workspace ?? (names.includes("default") ? "default" : (names[0] ?? null));
  const [name, setName] = useState("");
  const [tag, setTag] = useState("");
  const [query, setQuery] = useState({ name: "", tag: "" });
  const models = useLoad(
    () => (chosen ? search(chosen, query.name, query.tag) : Promise.resolve([])),
    [chosen, query.name, query.tag],
  );
  function submit(event: FormEvent) {
    event.preventDefault();
    setQuery({ name: name.trim(), tag: tag.trim() });
  }
  return (
    <>
      <h1>Models</h1>
      <Problem error={workspaces.error} />
      <nav aria-label="Workspaces" className="workspaces">
        <h2>Workspaces</h2>
        <ul>
          {names.map((w) => (
            <li key={w}>
              <a href={href({ page: "models", workspace: w })} aria-current={w === chosen ? "page" : undefined}>
                {w}
              </a>{" "}
              <span className="muted">({identity.roles[w] ?? "admin"})</span>{" "}
              <a href={href({ page: "members", workspace: w })}>
                members<span className="sr-only"> of {w}</span>
              </a>{" "}
              <a href={href({ page: "pipelines", workspace: w })}>
                pipelines<span className="sr-only"> of {w}</span>
              </a>{" "}
              <a href={href({ page: "trainings", workspace: w })}>
                trainings<span className="sr-only"> of {w}</span>
              </a>{" "}
              <a href={href({ page: "registries", workspace: w })}>
                external registries<span className="sr-only"> of {w}</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {chosen && (
        <section aria-labelledby="models-heading">
          <h2 id="models-heading">Models in {chosen}</h2>
          <form className="search" role="search" onSubmit={submit}>
            <label htmlFor="name-contains">Name contains</label>
            <input id="name-contains" type="search" value={name} onChange={(e) => setName(e.target.value)} />
            <label htmlFor="tag-filter">Tag (KEY=VALUE)</label>
            <input id="tag-filter" value={tag} onChange={(e) => setTag(e.target.value)} placeholder="team=fraud" />
            <button type="submit">Search</button>
          </form>
          <Problem error={models.error} />
          {models.value && models.value.length === 0 && <p className="muted">No models match.</p>}
          {models.value && models.value.length > 0 && (
            <div className="scroll" tabIndex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">model</th>
                    <th scope="col">versions</th>
                    <th scope="col">aliases</th>
                    <th scope="col">tags</th>
                  </tr>
                </thead>
                <tbody>
                  {models.value.map(({ model, aliases }) => (
                    <tr key={model.name}>
                      <th scope="row">
                        <a href={href({ page: "model", workspace: chosen, model: model.name })}>{model.name}</a>
                        {model.description && <div className="muted">{model.description}</div>}
                      </th>
                      <td>
                        {model.version_count}
                        {model.latest_version !== null && ` (latest ${model.latest_version})`}
                      </td>
                      <td>
                        {aliases.map((a) => (
                          <span className="chip" key={a.name}>
                            {a.name} → {a.version}
                          </span>
                        ))}
                      </td>
                      <td>
                        {Object.entries(model.tags).map(([k, v]) => (
                          <span className="chip" key={k}>
                            {k}={v}
                          </span>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </>
  );
}
