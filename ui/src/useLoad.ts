// Loading an API answer for a page: the value, the error, and a way to load it again.
import { useCallback, useEffect, useState } from "react";

export interface Loaded<T> {
  value: T | null;
  error: Error | null;
  reload: () => void;
}

export function useLoad<T>(load: () => Promise<T>, keys: unknown[]): Loaded<T> {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [turn, setTurn] = useState(0);
  useEffect(() => {
    let current = true;
    setError(null);
    load().then(
      (found) => current && setValue(found),
      (failed: Error) => current && setError(failed),
    );
    return () => {
      current = false;
    };
    // ``load`` is made anew on each render; ``keys`` say when it asks for something else
  }, [...keys, turn]);
  const reload = useCallback(() => setTurn((n) => n + 1), []);
  return { value, error, reload };
}
