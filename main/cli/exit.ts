/**
 * Exiting a command without cutting its output. `process.exit()` ends the process at once, and
 * whatever stdout still had queued for a pipe (a reader slower than us: `takt replay --json | less`)
 * is lost past the pipe's 64 KiB. This waits until stdout and stderr have handed everything to the
 * operating system, then exits.
 */
export function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  // An empty write's callback runs once every write before it is flushed (or the stream failed: a closed pipe).
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.destroyed || !stream.writable) done();
    else stream.write('', done);
  }
}
