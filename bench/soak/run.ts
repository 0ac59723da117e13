/**
 * `npm run soak -- --plant-days D --speed S [--seed N] [--faults] [--out DIR] [--disk-mb M]
 * [--fault-free-days F]`: the soak run
 * (soak.ts). Prints progress, one line per invariant, and last one JSON object (the summary);
 * writes report.json, report.html and core.log into --out (default test-results/soak).
 */
import { benchArgs, numberFlag } from '../_args';
import { runSoak } from './soak';
import { invariantLines, writeReport } from './report';

const a = benchArgs('soak', {
  'plant-days': { type: 'string' },
  speed: { type: 'string' },
  seed: { type: 'string' },
  faults: { type: 'boolean' },
  out: { type: 'string' },
  'disk-mb': { type: 'string' },
  'fault-free-days': { type: 'string' },
});
const plantDays = numberFlag('soak', 'plant-days', a['plant-days'], 1);
const speed = numberFlag('soak', 'speed', a.speed, 600);
if (plantDays <= 0 || speed < 1 || speed > 600) {
  console.error('soak: --plant-days must be > 0 and --speed between 1 and 600 (the core allows no more)');
  process.exit(2);
}
const out = a.out ?? 'test-results/soak';
const r = await runSoak({ plantDays, speed, seed: numberFlag('soak', 'seed', a.seed, 1), faults: a.faults ?? false, out, diskMb: numberFlag('soak', 'disk-mb', a['disk-mb'], 256), faultFreeDays: a['fault-free-days'] === undefined ? undefined : numberFlag('soak', 'fault-free-days', a['fault-free-days'], 0) });
writeReport(out, r);
for (const l of invariantLines(r)) console.log(l);
console.log(`report: ${out}/report.html, ${out}/report.json, ${out}/core.log`);
console.log(JSON.stringify(r.summary));
process.exit(0);
