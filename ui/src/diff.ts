// What differs between two versions: their JSON flattened to paths, and their locks as sets.

export interface Change {
  path: string;
  left: string | undefined;
  right: string | undefined;
}

function flatten(value: unknown, prefix: string, into: Map<string, string>): void {
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) into.set(prefix, Array.isArray(value) ? "[]" : "{}");
    for (const [key, v] of entries) flatten(v, prefix ? `${prefix}.${key}` : key, into);
  } else {
    into.set(prefix, JSON.stringify(value));
  }
}

/** Every path whose value differs between ``left`` and ``right``, sorted by path. */
export function changes(left: unknown, right: unknown): Change[] {
  const a = new Map<string, string>();
  const b = new Map<string, string>();
  flatten(left, "", a);
  flatten(right, "", b);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths
    .filter((path) => a.get(path) !== b.get(path))
    .map((path) => ({ path, left: a.get(path), right: b.get(path) }));
}

export interface LockDiff {
  removed: string[];
  added: string[];
}

/** The requirement lines only one of two locks has. */
export function lockDiff(left: string[] | string, right: string[] | string): LockDiff {
  const lines = (lock: string[] | string) =>
    new Set((typeof lock === "string" ? lock.split("\n") : lock).map((l) => l.trim()).filter(Boolean));
  const a = lines(left);
  const b = lines(right);
  return {
    removed: [...a].filter((line) => !b.has(line)).sort(),
    added: [...b].filter((line) => !a.has(line)).sort(),
  };
}
