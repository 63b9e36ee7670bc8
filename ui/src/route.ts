// Where the user is: the page named by the location's hash (#/models/default/iris), so the
// server needs to answer only /ui/ itself and every page has an address to share.
import { useEffect, useState } from "react";

export type Route =
  | { page: "models"; workspace: string | null }
  | { page: "model"; workspace: string; model: string }
  | { page: "version"; workspace: string; model: string; version: number }
  | { page: "compare"; workspace: string; model: string; left: number; right: number }
  | { page: "members"; workspace: string }
  | { page: "registries"; workspace: string }
  | { page: "pipelines"; workspace: string }
  | { page: "trainings"; workspace: string }
  | { page: "tokens" }
  | { page: "serving" };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const [page, workspace, model, ...rest] = parts;
  if (page === "tokens") return { page: "tokens" };
  if (page === "serving") return { page: "serving" };
  if (page === "members" && workspace) return { page: "members", workspace };
  if (page === "registries" && workspace) return { page: "registries", workspace };
  if (page === "pipelines" && workspace) return { page: "pipelines", workspace };
  if (page === "trainings" && workspace) return { page: "trainings", workspace };
  if (page === "models" && workspace && model) {
    if (rest[0] === "versions" && rest[1]) {
      return { page: "version", workspace, model, version: Number(rest[1]) };
    }
    if (rest[0] === "compare" && rest[1] && rest[2]) {
      return { page: "compare", workspace, model, left: Number(rest[1]), right: Number(rest[2]) };
    }
    return { page: "model", workspace, model };
  }
  return { page: "models", workspace: page === "models" && workspace ? workspace : null };
}

/** The hash link of a route. */
export function href(route: Route): string {
  const e = encodeURIComponent;
  switch (route.page) {
    case "tokens":
      return "#/tokens";
    case "serving":
      return "#/serving";
    case "members":
      return `#/members/${e(route.workspace)}`;
    case "registries":
      return `#/registries/${e(route.workspace)}`;
    case "pipelines":
      return `#/pipelines/${e(route.workspace)}`;
    case "trainings":
      return `#/trainings/${e(route.workspace)}`;
    case "models":
      return route.workspace ? `#/models/${e(route.workspace)}` : "#/models";
    case "model":
      return `#/models/${e(route.workspace)}/${e(route.model)}`;
    case "version":
      return `#/models/${e(route.workspace)}/${e(route.model)}/versions/${route.version}`;
    case "compare":
      return `#/models/${e(route.workspace)}/${e(route.model)}/compare/${route.left}/${route.right}`;
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return route;
}
