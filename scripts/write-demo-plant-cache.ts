/**
 * Build step (scripts/build.mjs runs the bundled file once every bundle is written): validates the
 * embedded demo plant and writes its cache to dist/, so a first start skips the YAML parse.
 */
import { writeDemoPlantCache } from '../main/core/persistence/plant-cache';

try {
  const out = await writeDemoPlantCache();
  if (!process.env.TAKT_QUIET) console.log(`demo plant cache -> ${out}`);
} catch (e) {
  console.error(`demo plant cache not written: ${(e as Error).message}`);
  process.exitCode = 1;
}
