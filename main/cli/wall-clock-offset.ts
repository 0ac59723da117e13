/**
 * For the soak run only: steps this process's wall clock (`Date.now()`) by an offset read from a
 * file, so the soak can step the clock ±5 minutes, as an NTP step would, without stepping the
 * machine's real clock (which every other process shares and which needs privileges to set).
 * Active only when the environment variable TAKT_SOAK_WALL_CLOCK_FILE names a file; the file holds
 * the offset in milliseconds (e.g. `300000` or `-300000`) and is re-read four times a second.
 * `new Date()` without arguments is not shifted: the core's plant clock runs on the monotonic
 * `performance.now()`, and wall time reaches the core through `Date.now()`.
 */
import { readFileSync } from 'node:fs';

export const WALL_CLOCK_FILE_ENV = 'TAKT_SOAK_WALL_CLOCK_FILE';

/** Installs the offset when the variable is set; returns what undoes it (for tests). */
export function installWallClockOffset(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = (l) => console.error(l)): () => void {
  const file = env[WALL_CLOCK_FILE_ENV];
  if (!file) return () => undefined;
  const realNow = Date.now.bind(Date);
  let offset = 0;
  const read = () => {
    let next = offset;
    try {
      const n = Number(readFileSync(file, 'utf8').trim());
      if (Number.isFinite(n)) next = n;
    } catch {
      next = 0; // no file: no offset
    }
    if (next !== offset) log(`takt: wall clock stepped by ${next - offset} ms (${WALL_CLOCK_FILE_ENV}, a soak run's fault)`);
    offset = next;
  };
  read();
  Date.now = () => realNow() + offset;
  const timer = setInterval(read, 250);
  timer.unref();
  return () => {
    clearInterval(timer);
    Date.now = realNow;
  };
}
