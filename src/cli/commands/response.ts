/**
 * `recist response --measurements m.csv [--out r.csv] [--json] [--band LOW,HIGH] [--strict] [--html report.html]`:
 * RECIST 1.1 response per patient and time point (src/response), with whether a re-measurement within the
 * inter-reader band could change the category. Broken selection rules are listed on stderr (and in --json);
 * with --strict they are an error.
 */
import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { formatResponseCsv, parseMeasurementsCsv } from '../../response/csv.ts';
import { responseReportHtml } from '../../response/report-html.ts';
import { assessResponse, checkRules } from '../../response/rules.ts';
import { parseBand } from '../../response/noise.ts';
import { YOON_2016_BAND } from '../../response/types.ts';

interface ResponseOpts {
  measurements?: string;
  out?: string;
  json?: boolean;
  band: string;
  strict?: boolean;
  html?: string;
}

export function register(program: Command): void {
  program
    .command('response')
    .description('RECIST 1.1 response per patient and time point from a measurements CSV (patient, timepoint, lesion, kind, organ, nodal, long_mm, short_mm, status)')
    .requiredOption('-m, --measurements <csv>', 'measurements CSV; timepoint 0 = baseline; kind target | non-target | new')
    .option('-o, --out <csv>', 'response CSV (default: stdout)')
    .option('--json', 'write JSON (results, broken rules, band) instead of CSV')
    .option('--band <low,high>', 'inter-reader band in % of each length, e.g. -22,25 (Yoon et al. 2016, the default)', `${YOON_2016_BAND.lowPct},${YOON_2016_BAND.highPct}`)
    .option('--strict', 'refuse (exit 1) when a RECIST 1.1 selection rule is broken')
    .option('--html <file>', 'also write a printable HTML response report')
    .action((o: ResponseOpts) => {
      const file = o.measurements as string;
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new Error(`--measurements ${file}: cannot read (${err instanceof Error ? err.message : String(err)})`);
      }
      const band = parseBand(o.band, '--band');
      const rows = parseMeasurementsCsv(text, file);
      const violations = checkRules(rows);
      for (const v of violations) console.error(`rule ${v.rule}: ${v.message}`);
      if (o.strict && violations.length > 0) throw new Error(`${file}: ${violations.length} RECIST 1.1 rule(s) broken (listed above); --strict refuses`);
      const noBaseline = new Set(violations.filter((v) => v.rule === 'no-baseline').map((v) => v.patient));
      const results = assessResponse(rows.filter((r) => !noBaseline.has(r.patient)), band);
      const out = o.json ? JSON.stringify({ band, results, violations }, null, 2) + '\n' : formatResponseCsv(results);
      if (o.out) {
        writeFileSync(o.out, out);
        console.error(`${results.length} time points of ${new Set(results.map((r) => r.patient)).size} patients → ${o.out}`);
      } else process.stdout.write(out);
      if (o.html) {
        writeFileSync(o.html, responseReportHtml(rows, results, violations, band, { title: `RECIST 1.1 response: ${file}` }));
        console.error(`report → ${o.html}`);
      }
    });
}
