import { useState, type FormEvent } from "react";
import { api } from "../api";
import { may, useIdentity } from "../identity";
import { Problem } from "../parts/Problem";
import { href } from "../route";
import type { Member, Role } from "../types";
import { useLoad } from "../useLoad";

const ROLES: Role[] = ["viewer", "editor", "owner"];

/** A workspace's members and their roles; its owners add, change and remove them. */
export function Members({ workspace }: { workspace: string }) {
  const identity = useIdentity();
  const owner = may(identity, workspace, "owner");
  const base = `/workspaces/${encodeURIComponent(workspace)}/members`;
  const members = useLoad(() => api<{ members: Member[] }>(base), [base]);
  const [user, setUser] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [error, setError] = useState<Error | null>(null);
  async function run(call: Promise<unknown>) {
    setError(null);
    try {
      await call;
      members.reload();
    } catch (failed) {
      setError(failed as Error);
    }
  }
  const setMember = (name: string, chosen: Role) =>
    run(api(`${base}/${encodeURIComponent(name)}`, { method: "PUT", body: { role: chosen } }));
  function add(event: FormEvent) {
    event.preventDefault();
    void setMember(user.trim(), role).then(() => setUser(""));
  }
  return (
    <>
      <p>
        <a href={href({ page: "models", workspace })}>← {workspace}</a>
      </p>
      <h1>Members of {workspace}</h1>
      <Problem error={error ?? members.error} />
      <div className="scroll" tabIndex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">user</th>
              <th scope="col">role</th>
              {owner && <th scope="col">actions</th>}
            </tr>
          </thead>
          <tbody>
            {members.value?.members.map((m) => (
              <tr key={m.user}>
                <th scope="row">{m.user}</th>
                <td>
                  {owner ? (
                    <select aria-label={`Role of ${m.user}`} value={m.role} onChange={(e) => void setMember(m.user, e.target.value as Role)}>
                      {ROLES.map((r) => (
                        <option key={r}>{r}</option>
                      ))}
                    </select>
                  ) : (
                    m.role
                  )}
                </td>
                {owner && (
                  <td>
                    <button type="button" className="danger" onClick={() => void run(api(`${base}/${encodeURIComponent(m.user)}`, { method: "DELETE" }))}>
                      Remove<span className="sr-only"> {m.user}</span>
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {owner && (
        <form className="inline" onSubmit={add} aria-label="Add a member">
          <label htmlFor="member-user">User</label>
          <input id="member-user" required value={user} onChange={(e) => setUser(e.target.value)} />
          <label htmlFor="member-role">Role</label>
          <select id="member-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
          <button type="submit">Add member</button>
        </form>
      )}
    </>
  );
}
