/**
 * Child process of durability.test.ts: writes a burst through the SQLite storage and prints
 * `ack <id> <revision height> <value>` after each bulkWrite resolved (= acknowledged). The test
 * SIGKILLs it mid-burst. Run: node --import tsx durability-child.ts <file>
 */
import { createRevision, fillWithDefaultSettings, now, type RxDocumentData } from 'rxdb';
import { getRxStorageSQLite } from '../../../main/store/sqlite-storage';
import { durabilitySchema, type Item } from './durability-schema';

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: durability-child.ts <sqlite file>');
  const storage = getRxStorageSQLite({ filename: file });
  const inst = await storage.createStorageInstance<Item>({
    databaseName: 'durability',
    collectionName: 'items',
    schema: fillWithDefaultSettings(durabilitySchema),
    options: {},
    multiInstance: false,
    devMode: false,
    databaseInstanceToken: 'child',
  });
  const latest = new Map<string, RxDocumentData<Item>>();
  process.stdout.write('ready\n');
  for (let n = 0; ; n++) {
    // Mostly single inserts, every 4th an update of an earlier document, every 7th a batch of 5.
    const rows = [];
    if (n % 4 === 3 && latest.size > 0) {
      const prev = latest.get(`i${Math.floor(n / 2)}`) ?? [...latest.values()][0]!;
      rows.push({ previous: prev, document: { ...prev, value: `${prev.id}@${n}`, n, _rev: createRevision('child', prev), _meta: { lwt: now() } } });
    } else {
      const count = n % 7 === 6 ? 5 : 1;
      for (let k = 0; k < count; k++) {
        const id = `i${n}-${k}`;
        rows.push({ document: { id, value: `${id}@${n}`, n, _deleted: false, _rev: createRevision('child'), _attachments: {}, _meta: { lwt: now() } } });
      }
    }
    const res = await inst.bulkWrite(rows, 'burst');
    if (res.error.length) throw new Error(`child: write error ${JSON.stringify(res.error[0])}`);
    let out = '';
    for (const row of rows) {
      latest.set(row.document.id, row.document as RxDocumentData<Item>);
      out += `ack ${row.document.id} ${row.document._rev.split('-')[0]} ${row.document.value}\n`;
    }
    process.stdout.write(out);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
