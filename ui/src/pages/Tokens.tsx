import { useState, type FormEvent } from "react";
import { api } from "../api";
import { Problem } from "../parts/Problem";
import type { ApiToken } from "../types";
import { useLoad } from "../useLoad";

/** Your API tokens: create one (its value is shown this once) or revoke one. */
export function Tokens() {
  const tokens = useLoad(() => api<{ tokens: ApiToken[] }>("/tokens"), []);
  const [label, setLabel] = useState("");
  const [made, setMade] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  async function create(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const found = await api<{ token: string }>("/tokens", { method: "POST", body: { label: label.trim() || null } });
      setMade(found.token);
      setLabel("");
      tokens.reload();
    } catch (failed) {
      setError(failed as Error);
    }
  }
  async function revoke(id: string) {
    setError(null);
    try {
      await api(`/tokens/${encodeURIComponent(id)}`, { method: "DELETE" });
      tokens.reload();
    } catch (failed) {
      setError(failed as Error);
    }
  }
  return (
    <>
      <h1>API tokens</h1>
      <form className="inline" onSubmit={create} aria-label="Create a token">
        <label htmlFor="token-label">Label</label>
        <input id="token-label" value={label} onChange={(e) => setLabel(e.target.value)} placeholder="ci" />
        <button type="submit">Create token</button>
      </form>
      {made && (
        <div className="notice" role="status">
          <label htmlFor="new-token">Your new token (shown this once: copy it now)</label>
          <input id="new-token" readOnly value={made} onFocus={(e) => e.target.select()} />
        </div>
      )}
      <Problem error={error ?? tokens.error} />
      <div className="scroll" tabIndex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">label</th>
              <th scope="col">id</th>
              <th scope="col">created</th>
              <th scope="col">actions</th>
            </tr>
          </thead>
          <tbody>
            {tokens.value?.tokens.map((t) => (
              <tr key={t.id}>
                <td>{t.label ?? <span className="muted">none</span>}</td>
                <td>
                  <code>{t.id}</code>
                </td>
                <td>{new Date(t.created_at).toLocaleString()}</td>
                <td>
                  <button type="button" className="danger" onClick={() => void revoke(t.id)}>
                    Revoke<span className="sr-only"> token {t.label ?? t.id}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
