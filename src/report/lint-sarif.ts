import { INVALID_IGNORE, RULES } from '../lint/rules/index.js';
import type { LintReport } from '../lint/lint.js';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const DOCS = 'https://github.com/lockstep/lockstep/blob/main/docs/lint.md';

/**
 * SARIF 2.1.0 for code-scanning uploaders (`github/codeql-action/upload-sarif`): one run,
 * every rule in `tool.driver.rules`, one result per finding at the migration line, with
 * the code references as related locations. URIs are relative to the working directory
 * (`%SRCROOT%`), which is the repository root in CI.
 */
export function formatLintSarif(report: LintReport, version = '0.0.0'): string {
  const rules = [...RULES, INVALID_IGNORE].map((r) => ({
    id: r.id,
    name: r.id,
    shortDescription: { text: r.summary },
    helpUri: `${DOCS}#${r.id}`,
    defaultConfiguration: { level: r.severity },
  }));
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const uri = (file: string) => file.split('\\').join('/');
  const results = report.findings.map((f) => ({
    ruleId: f.rule,
    ruleIndex: ruleIndex.get(f.rule),
    level: f.severity,
    message: { text: f.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: uri(f.file), uriBaseId: '%SRCROOT%' },
          region: { startLine: f.line },
        },
      },
    ],
    ...(f.references && f.references.length > 0
      ? {
          relatedLocations: f.references.map((r, id) => ({
            id,
            message: { text: r.text },
            physicalLocation: {
              artifactLocation: { uri: uri(r.file), uriBaseId: '%SRCROOT%' },
              region: { startLine: r.line, startColumn: r.column },
            },
          })),
        }
      : {}),
    partialFingerprints: { lockstepFinding: `${f.rule}/${f.migration}/${f.table ?? ''}/${f.column ?? ''}` },
  }));
  const sarif = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'lockstep', informationUri: DOCS, version, rules } },
        results,
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
