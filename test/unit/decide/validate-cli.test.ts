import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateCommand } from '../../../main/cli/validate';
import { root } from './helpers';

describe('takt validate <rules file>', () => {
  it('recognises a rules file and checks it against the demo plant, or the plant given', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const rules = join(root, 'resources/rules/default-rules.yaml');
    expect(await validateCommand(rules, { out: (t) => out.push(t), err: (t) => err.push(t) })).toBe(0);
    expect(out[0]).toMatch(/^OK .*default-rules\.yaml: rules 'Lindenau standard rules' version 2026\.11-1 \(hash [0-9a-f]{16}\) for plant lindenau$/);
    expect(await validateCommand(rules, { plant: join(root, 'test/fixtures/plants/small-plant.yaml'), out: (t) => out.push(t), err: (t) => err.push(t) })).toBe(1);
    expect(err.at(-1)).toMatch(/default-rules\.yaml:6:8 plant: these rules are written for plant 'lindenau', not for 'test-site'/);
    // plant files still validate as before
    expect(await validateCommand(join(root, 'test/fixtures/plants/small-plant.yaml'), { out: (t) => out.push(t), err: (t) => err.push(t) })).toBe(0);
  });
});
