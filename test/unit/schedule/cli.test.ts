import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../shared/schedule/evaluate';
import type { ScheduleProblem } from '../../../shared/schedule/model';

const cli = join(import.meta.dirname, '..', '..', '..', 'main', 'cli', 'cli.ts');
const dir = mkdtempSync(join(tmpdir(), 'takt-schedule-'));
const takt = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', cli, 'schedule', ...args], { encoding: 'utf8', timeout: 60_000 });

const problem: ScheduleProblem = {
  takt: 'schedule-problem',
  name: 'two lines',
  lines: [{ id: 'L1' }, { id: 'L2' }],
  orders: [
    { id: 'SO-1', family: 'F1', due: 240, weight: 3, minutes: { L1: 90, L2: 110 } },
    { id: 'SO-2', family: 'F2', due: 100, weight: 1, minutes: { L1: 90 } },
    { id: 'SO-3', family: 'F1', due: 100, weight: 2, minutes: { L1: 60, L2: 50 } },
    { id: 'SO-4', family: 'F2', due: 150, weight: 2, minutes: { L1: 40, L2: 45 } },
  ],
  changeovers: { L1: { F1: { F2: 30 } } },
  initial: { L1: 'F1' },
};

describe('takt schedule', () => {
  it('--json: the last line is the plan, its objective recomputed from its sequences', () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify(problem));
    const r = takt('--problem', file, '--time-limit-ms', '300', '--seed', '4', '--json');
    expect(r.status, r.stderr).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(Object.keys(last.lines).sort()).toEqual(['L1', 'L2']);
    expect(Object.values(last.lines as Record<string, string[]>).flat().sort()).toEqual(['SO-1', 'SO-2', 'SO-3', 'SO-4']);
    const ev = evaluate(problem, { lines: last.lines });
    expect(ev.violations).toEqual([]);
    expect(last.objective).toBe(ev.objective);
    expect(typeof last.elapsed_ms).toBe('number');
  }, 60_000);

  it('names the file and the JSON path of what is wrong', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ ...problem, orders: [...problem.orders, { id: 'SO-9', family: 'F1', due: 5, weight: 1, minutes: { L7: 10 } }] }, null, 1));
    const r = takt('--problem', file, '--json');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/orders\[4\]\.minutes\.L7: order SO-9's minutes names line 'L7', which is not in lines/);
    expect(r.stderr).toMatch(/order SO-9 has no line that can run it/);

    const negative = join(dir, 'negative.json');
    writeFileSync(negative, JSON.stringify({ ...problem, orders: [{ ...problem.orders[0], minutes: { L1: -5 } }] }));
    expect(takt('--problem', negative).stderr).toMatch(/orders\[0\]\.minutes\.L1: must be at least 0/);

    const dup = join(dir, 'dup.json');
    writeFileSync(dup, JSON.stringify({ ...problem, orders: [problem.orders[0], problem.orders[0]] }));
    expect(takt('--problem', dup).stderr).toMatch(/orders\[1\]\.id: duplicate order id 'SO-1'/);

    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{"lines": [');
    const s = takt('--problem', notJson);
    expect(s.status).toBe(1);
    expect(s.stderr).toMatch(/not\.json:1:\d+: JSON syntax error/);

    const missing = takt('--problem', join(dir, 'none.json'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read the problem file .*none\.json/);
    // Five CLI starts (tsx compiles on each): slow on a loaded machine.
  }, 120_000);
});
