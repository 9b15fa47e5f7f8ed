// Turns each dashboard JSON into a TypeScript module typed with Grafana's
// dashboard model (@grafana/schema) so that `tsc --strict` rejects unknown
// keys and wrong types, and checks what the types cannot: unique panel ids,
// the datasource variable on every panel and query, template variables that
// exist, grid positions inside 24 columns.
//
//   node check_dashboards.js OUT_DIR dashboard.json...
// Writes OUT_DIR/<name>.ts; exits 1 naming the dashboard and panel on a
// structural error.
'use strict';
const fs = require('fs');
const path = require('path');

const [outDir, ...files] = process.argv.slice(2);
const errors = [];
const builtins = new Set(['__rate_interval', '__interval', '__range']);

for (const file of files) {
  const name = path.basename(file, '.json');
  const text = fs.readFileSync(file, 'utf8');
  let d;
  try {
    d = JSON.parse(text);
  } catch (e) {
    errors.push(`${name}: not JSON: ${e.message}`);
    continue;
  }
  const vars = new Set((d.templating?.list ?? []).map((v) => v.name));
  for (const v of ['datasource', 'provider', 'model']) {
    if (!vars.has(v)) errors.push(`${name}: no template variable "${v}"`);
  }
  const ids = new Set();
  for (const p of d.panels ?? []) {
    const where = `${name}: panel "${p.title}"`;
    if (ids.has(p.id)) errors.push(`${where}: duplicate id ${p.id}`);
    ids.add(p.id);
    if (p.datasource?.uid !== '${datasource}') {
      errors.push(`${where}: datasource is not \${datasource}`);
    }
    const g = p.gridPos ?? {};
    if (!(g.w > 0 && g.h > 0 && g.x >= 0 && g.x + g.w <= 24)) {
      errors.push(`${where}: gridPos outside the 24-column grid`);
    }
    if (!p.targets?.length) errors.push(`${where}: no query`);
    for (const t of p.targets ?? []) {
      if (typeof t.expr !== 'string' || !t.expr) {
        errors.push(`${where}: query ${t.refId} has no expr`);
        continue;
      }
      for (const m of t.expr.matchAll(/\$\{?(\w+)\}?/g)) {
        if (!vars.has(m[1]) && !builtins.has(m[1])) {
          errors.push(`${where}: query ${t.refId} uses unknown $${m[1]}`);
        }
      }
    }
  }
  const targets = JSON.stringify((d.panels ?? []).map((p) => p.targets ?? []));
  // String enums of the schema cannot take a plain string in TypeScript;
  // Grafana's JSON spells them as strings, so map them to the members.
  const typed = JSON.stringify(d, function(key, value) {
    if (key === 'mode' && this.steps !== undefined && typeof value === 'string') {
      const member = value.charAt(0).toUpperCase() + value.slice(1);
      return `__ENUM__ThresholdsMode.${member}__`;
    }
    return value;
  }, 2).replace(/"__ENUM__(\w+\.\w+)__"/g, '$1');
  fs.writeFileSync(
      path.join(outDir, `${name.replace(/[^A-Za-z0-9_]/g, '_')}.ts`),
      `import type { Dashboard, DataSourceRef } from '@grafana/schema';\n` +
          `import { ThresholdsMode } from '@grafana/schema';\n` +
          `// A Prometheus query as Grafana stores it.\n` +
          `interface PromTarget {\n  refId: string;\n  expr: string;\n` +
          `  legendFormat?: string;\n  datasource?: DataSourceRef;\n` +
          `  instant?: boolean;\n  range?: boolean;\n  interval?: string;\n` +
          `  format?: 'time_series' | 'table' | 'heatmap';\n}\n` +
          `export const dashboard: Dashboard = ${typed};\n` +
          `export const targets: PromTarget[][] = ${targets};\n`);
}
if (errors.length) {
  for (const e of errors) console.error(`FAIL ${e}`);
  process.exit(1);
}
