// Writes the digest of the UI's sources beside the built assets, so a test of the Python
// package can tell whether the committed build was made from the committed sources.
// The same digest is recomputed in Python (modelport.server.ui.sources_digest).
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

export const SOURCES = ["src", "index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts", "stamp.mjs"];

function files(path) {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((name) => files(join(path, name)));
}

const root = new URL(".", import.meta.url).pathname;
const listing = SOURCES.flatMap((name) => files(join(root, name)))
  .map((path) => relative(root, path).split("\\").join("/"))
  .sort();
const lines = listing.map((name) => {
  const digest = createHash("sha256").update(readFileSync(join(root, name))).digest("hex");
  return `${digest}  ${name}\n`;
});
const total = createHash("sha256").update(lines.join("")).digest("hex");
writeFileSync(join(root, "../src/modelport/server/ui/static/SOURCES.sha256"), `${total}\n`);
