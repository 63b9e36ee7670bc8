// Who is signed in, and what their role lets them do (the API checks again on every call).
import { createContext, useContext } from "react";
import type { Identity, Role } from "./types";

const RANK: Record<Role, number> = { viewer: 1, editor: 2, owner: 3 };

export const IdentityContext = createContext<Identity | null>(null);

export function useIdentity(): Identity {
  const identity = useContext(IdentityContext);
  if (identity === null) throw new Error("no one is signed in");
  return identity;
}

/** Whether ``identity`` has at least role ``needed`` in ``workspace``. */
export function may(identity: Identity, workspace: string, needed: Role): boolean {
  const role = identity.roles[workspace];
  return role !== undefined && RANK[role] >= RANK[needed];
}
