#!/usr/bin/env node
// The layering of src/ (docs/architecture.md), checked: every import between folders of
// src/ points down this list, never up or sideways, so no folder cycle can form. A new
// folder must be given its place here before anything may import it.
//
//   node scripts/check-layers.mjs      prints each violation, exit 1 when there is one
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bottom to top. A folder may import only folders listed before it. */
export const LAYERS = [
  'core', // schema model, pure diff, change kinds, errors, config
  'dialects', // one engine per database: driver, introspector, DDL, planner, parser
  'migrations', // migration folders, history stores, migrate up/down
  'sources', // expected schemas: schema.sql, migrations, snapshots, ORM models
  'check', // live vs expected, with fixes
  'lint', // dangerous migrations, code references
  'rehearse', // pending migrations on real data, rolled back
  'report', // text, JSON, GitHub and SARIF renderers
  'jobs', // the durable queue and its workers
  'health', // probes
  'http', // /livez /readyz /metrics
  'dashboard', // the web console
  'demo', // the demo app
  'cli', // the command line; nothing imports it
];

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s*['"]([^'"]+)['"]/gm;

function walk(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (/\.(ts|mts|js|mjs)$/.test(entry)) out.push(path);
  }
  return out;
}

/** Every import that breaks the layering, as readable lines. */
export function layerViolations(root) {
  const src = resolve(root, 'src');
  const rank = new Map(LAYERS.map((name, i) => [name, i]));
  const folderOf = (file) => {
    const rel = relative(src, file).split(sep);
    return rel.length > 1 ? rel[0] : null; // null: a file at the top of src/ (index.ts)
  };
  const problems = [];
  for (const file of walk(src)) {
    const from = folderOf(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const spec = match[1] ?? match[2] ?? match[3];
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      const to = folderOf(target);
      const line = text.slice(0, match.index + match[0].indexOf(spec)).split('\n').length;
      const where = `${relative(root, file)}:${line}`;
      if (to === null) {
        problems.push(`${where}: imports ${spec}, a top-level file of src/ (the public surface); import the module it re-exports instead`);
        continue;
      }
      if (from === null || from === to) continue;
      if (!rank.has(from)) problems.push(`${where}: folder src/${from}/ has no layer; add it to LAYERS in scripts/check-layers.mjs`);
      else if (!rank.has(to)) problems.push(`${where}: imports src/${to}/, which has no layer; add it to LAYERS in scripts/check-layers.mjs`);
      else if (rank.get(to) >= rank.get(from)) {
        problems.push(`${where}: ${from} (layer ${rank.get(from)}) imports ${spec} in ${to} (layer ${rank.get(to)}); imports must point down: ${LAYERS.join(' < ')}`);
      }
    }
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const problems = layerViolations(root);
  for (const p of problems) console.error(p);
  if (problems.length > 0) {
    console.error(`\n${problems.length} import(s) break the layering (docs/architecture.md)`);
    process.exit(1);
  }
  console.log(`layers ok: ${LAYERS.join(' < ')}`);
}
