import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePlantText } from '../../../shared/plant/parse';
import type { Plant } from '../../../shared/plant/schema';

export const repo = join(import.meta.dirname, '..', '..', '..');
export const fixture = (p: string) => readFileSync(join(repo, 'test', 'fixtures', p), 'utf8');

let plant: Plant | undefined;
export function demoPlant(): Plant {
  if (plant) return plant;
  const r = parsePlantText(readFileSync(join(repo, 'resources/plants/demo-plant.yaml'), 'utf8'), 'demo-plant.yaml');
  if (!r.ok) throw new Error('demo plant invalid');
  return (plant = r.plant);
}

/** A plant time inside the validator's plausible range. */
export const NOW = Date.UTC(2026, 10, 26, 8, 0, 0);
