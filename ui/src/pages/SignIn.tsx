import { useState, type FormEvent } from "react";
import { api, saveToken } from "../api";
import { Problem } from "../parts/Problem";
import type { Identity } from "../types";

/** Sign in with an API token: kept in this tab's session storage, sent with every call. */
export function SignIn({ onSignedIn }: { onSignedIn: (identity: Identity) => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<Error | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    saveToken(token.trim());
    try {
      onSignedIn(await api<Identity>("/whoami"));
    } catch (failed) {
      saveToken(null);
      setError(failed as Error);
    }
  }
  return (
    <main className="signin">
      <h1>Sign in to modelport</h1>
      <form onSubmit={submit}>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          required
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder="mpt_…"
        />
        <p className="muted">
          An admin makes one with <code>modelport tokens create --user NAME</code>.
        </p>
        <button type="submit">Sign in</button>
      </form>
      <Problem error={error} />
    </main>
  );
}
