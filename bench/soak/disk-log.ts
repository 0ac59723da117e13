/**
 * What counts, in the core's log, as saying that the disk is full: the journal's pause (which names
 * the folder and what to do), or any part of the core that meets the full disk first (the exceptions
 * file, the store) with the cause and the folder it could not write. A line that gives no folder
 * ("database or disk is full") tells nobody where to make space, so it does not count.
 */
export function diskFullReport(log: string, dataDir: string): string | undefined {
  return log.split('\n').find((l) => /journal cannot be written .* in /.test(l) || (l.includes(dataDir) && /ENOSPC|no space left|disk is full/i.test(l)));
}
