// `npx tsx bench/simulate-kernel.ts [--json] [--samples N]` (or `npm run bench -- simulate-kernel`):
// events per second of Takt's simulation kernel (shared/sim/kernel.ts) on the reference plant model
// (shared/sim/reference-lines.ts) against SimPy 2.3 running the same model
// (../shared/bench/simpy_lines.py), for 40 lines / 9,000 orders / 30 days and 200 / 45,000 / 30.
//
// Prints one JSON object per timed run (kernel samples and SimPy runs); the last line is the
// summary, whose events_per_s / simpy_events_per_s / ratio_vs_simpy are medians of the larger case.
// Both sides time only the simulation (SimPy: its own `simulate()` timer; Takt: model set-up plus
// run, after a JIT warm-up), on wall time. On a shared machine compare best with best and median
// with median; both are reported.
import { kernelVsSimpy } from './_kernel-vs-simpy';
import { benchArgs, numberFlag } from './_args';

const args = benchArgs('simulate-kernel', { samples: { type: 'string' } });
const json = args.json === true;
const samples = Math.max(1, numberFlag('simulate-kernel', 'samples', args.samples, 3));
console.log(JSON.stringify(kernelVsSimpy({ samples, log: json ? () => undefined : (l) => console.error(l) })));
