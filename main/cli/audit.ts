/**
 * `takt audit verify [--data dir]`: checks both hash chains of the commit records (decision
 * receipts and audit entries) in a data folder's store. Prints `ok` with the counts, or the first
 * record that does not verify and why; exits 1 on a broken chain, 2 when the store cannot be read
 * (e.g. a running core holds it: the store is locked by one process).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openCommitStore } from '../core/persistence/commit-store';

export async function auditVerifyCommand(o: { data: string; json?: boolean }): Promise<number> {
  if (!existsSync(join(o.data, 'store'))) {
    console.error(`takt audit verify: no store in ${o.data} (expected ${join(o.data, 'store')}); pass the core's data folder with --data`);
    return 2;
  }
  let store;
  try {
    store = await openCommitStore(o.data);
  } catch (e) {
    console.error(`takt audit verify: ${(e as Error).message}`);
    return 2;
  }
  try {
    const r = await store.verify();
    if (o.json) console.log(JSON.stringify(r));
    else if (r.ok) console.log(`ok: ${r.decisions} decision receipt${r.decisions === 1 ? '' : 's'} and ${r.auditEntries} audit entr${r.auditEntries === 1 ? 'y' : 'ies'} verify (sha256 hash chains)`);
    else console.log(`BROKEN: the ${r.firstBad!.chain} chain fails at seq ${r.firstBad!.seq} (id ${r.firstBad!.id}): ${r.firstBad!.reason}`);
    return r.ok ? 0 : 1;
  } finally {
    await store.close();
  }
}
