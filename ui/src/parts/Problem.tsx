import { ApiError } from "../api";

/** An error the user should read: the API's detail, and the field it names. */
export function Problem({ error }: { error: Error | null }) {
  if (error === null) return null;
  const field = error instanceof ApiError && error.field ? ` (${error.field})` : "";
  return (
    <p className="problem" role="alert">
      {error.message}
      {field}
    </p>
  );
}
