/**
 * The commit records in the Takt RxDB (main/store/database.ts, `<dataDir>/store/takt.sqlite`):
 * one serialized writer, so the two hash chains (receipts and audit entries) get their `seq` and
 * `prevHash` in order, and a write is acknowledged (the promise resolves) only after its SQLite
 * COMMIT. Reads are served from in-memory maps loaded at start and updated after each write (the
 * record sets are small); the audit log is read from the store (it only grows).
 */
import type { RxCollection } from 'rxdb';
import { openTaktDatabase, type TaktDatabase } from '../../store/database';
import { GENESIS_HASH, auditHash, checkChains, receiptHash } from '../../../shared/commit/hash';
import type { ActionRecord, ApprovalRecord, AuditEntry, ChainCheck, DecisionReceipt, OutboxRecord, RecordChange } from '../../../shared/commit/records';
import type { RuleSetVersionDoc } from '../../../shared/store/collections';
import { redactSecrets } from '../../../shared/plant/redact';

type Plain<T> = T;
/** A stored document as plain JSON, without RxDB's `_meta`, `_rev`, `_deleted`, `_attachments`. */
export function plain<T>(data: unknown): Plain<T> {
  const o = JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k.startsWith('_')) delete o[k];
  return o as T;
}

export type NewReceipt = Omit<DecisionReceipt, 'seq' | 'prevHash' | 'hash'>;
export type NewAudit = Omit<AuditEntry, 'id' | 'seq' | 'prevHash' | 'hash'>;

export interface CommitStore {
  readonly db: TaktDatabase;
  readonly decisions: Map<string, DecisionReceipt>;
  readonly approvals: Map<string, ApprovalRecord>;
  readonly actions: Map<string, ActionRecord>;
  readonly outbox: Map<string, OutboxRecord>;
  /** Bumped on every action write (callers cache derived views). */
  readonly actionsVersion: number;
  /** Runs `f` after every write queued before it (one writer). */
  serial<T>(f: () => Promise<T>): Promise<T>;
  /** Inside `serial` only. */
  appendReceipt(r: NewReceipt): Promise<DecisionReceipt>;
  appendAudit(e: NewAudit): Promise<AuditEntry>;
  putDecision(r: DecisionReceipt): Promise<void>;
  putApprovals(list: ApprovalRecord[]): Promise<void>;
  putActions(list: ActionRecord[]): Promise<void>;
  putOutbox(list: OutboxRecord[]): Promise<void>;
  saveRuleSet(doc: RuleSetVersionDoc): Promise<void>;
  /** The stored version of this plant model (`<plantId>@<n>`), added when its content hash is new. */
  plantVersion(plantId: string, hash: string, plant: object, at: number): Promise<string>;
  ruleSet(id: string): Promise<RuleSetVersionDoc | undefined>;
  /** A page of the audit log in `seq` order (`desc`: newest first). */
  auditList(limit: number, offset: number, subjectId?: string, order?: 'asc' | 'desc'): Promise<{ total: number; items: AuditEntry[] }>;
  /** Both chains, read from the store. */
  verify(): Promise<ChainCheck>;
  /** Every change to a commit collection, as it is written. */
  onChange(f: (c: RecordChange) => void): () => void;
  close(): Promise<void>;
}

export async function openCommitStore(dataDir: string): Promise<CommitStore> {
  const db = await openTaktDatabase({ dataDir });
  const load = async <T>(c: RxCollection<never>) => (await c.find().exec()).map((d) => plain<T>((d as { toJSON(): unknown }).toJSON()));
  const decisions = new Map((await load<DecisionReceipt>(db.decisions as unknown as RxCollection<never>)).map((d) => [d.id, d]));
  const approvals = new Map((await load<ApprovalRecord>(db.approvals as unknown as RxCollection<never>)).map((d) => [d.id, d]));
  const actions = new Map((await load<ActionRecord>(db.actions as unknown as RxCollection<never>)).map((d) => [d.id, d]));
  const outbox = new Map((await load<OutboxRecord>(db.outbox as unknown as RxCollection<never>)).map((d) => [d.id, d]));

  const lastOf = async (c: RxCollection<never>) => {
    const top = await c.findOne({ selector: {}, sort: [{ seq: 'desc' }] } as never).exec();
    const d = top ? plain<{ seq: number; hash: string }>((top as { toJSON(): unknown }).toJSON()) : undefined;
    return d ? { seq: d.seq, hash: d.hash } : { seq: -1, hash: GENESIS_HASH };
  };
  let receiptHead = await lastOf(db.decisions as unknown as RxCollection<never>);
  let auditHead = await lastOf(db.audit as unknown as RxCollection<never>);

  let actionsVersion = 0;
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const run = tail.then(f, f);
    tail = run.catch(() => undefined);
    return run;
  };

  const listeners = new Set<(c: RecordChange) => void>();
  const subs = (['decisions', 'approvals', 'actions', 'outbox', 'audit'] as const).map((name) =>
    (db[name] as unknown as RxCollection<never>).$.subscribe((ev) => {
      if (ev.operation === 'DELETE') return;
      const change = { collection: name, doc: plain(ev.documentData) } as RecordChange;
      listeners.forEach((l) => l(change));
    }),
  );

  const upsertAll = async (c: RxCollection<never>, list: object[]) => {
    if (list.length === 0) return;
    const r = await c.bulkUpsert(list as never[]);
    if (r.error.length) throw new Error(`store: ${r.error.length} write(s) refused, first: ${JSON.stringify(r.error[0]).slice(0, 300)}`);
  };

  return {
    db,
    decisions,
    approvals,
    actions,
    outbox,
    get actionsVersion() {
      return actionsVersion;
    },
    serial,
    async appendReceipt(r) {
      // Hash exactly what the store keeps (a JSON round trip), so verification after a reload agrees.
      const body = plain<Omit<DecisionReceipt, 'hash'>>({ ...r, seq: receiptHead.seq + 1, prevHash: receiptHead.hash });
      const receipt: DecisionReceipt = { ...body, hash: receiptHash(body) };
      await db.decisions.insert(receipt as never);
      receiptHead = { seq: receipt.seq, hash: receipt.hash };
      decisions.set(receipt.id, receipt);
      return receipt;
    },
    async appendAudit(e) {
      const seq = auditHead.seq + 1;
      const body = plain<Omit<AuditEntry, 'hash'>>({ ...e, id: `aud-${String(seq).padStart(9, '0')}`, seq, prevHash: auditHead.hash });
      const entry: AuditEntry = { ...body, hash: auditHash(body) };
      await db.audit.insert(entry as never);
      auditHead = { seq, hash: entry.hash };
      return entry;
    },
    async putDecision(r) {
      await upsertAll(db.decisions as unknown as RxCollection<never>, [r]);
      decisions.set(r.id, r);
    },
    async putApprovals(list) {
      await upsertAll(db.approvals as unknown as RxCollection<never>, list);
      list.forEach((a) => approvals.set(a.id, a));
    },
    async putActions(list) {
      await upsertAll(db.actions as unknown as RxCollection<never>, list);
      list.forEach((a) => actions.set(a.id, a));
      actionsVersion++;
    },
    async putOutbox(list) {
      await upsertAll(db.outbox as unknown as RxCollection<never>, list);
      list.forEach((m) => outbox.set(m.id, m));
    },
    async saveRuleSet(doc) {
      if (await db.rule_set_versions.findOne(doc.id).exec()) return;
      await db.rule_set_versions.insert(doc);
    },
    async plantVersion(plantId, hash, plant, at) {
      const same = await db.plant_versions.findOne({ selector: { plantId, hash } }).exec();
      if (same) return same.id;
      const last = await db.plant_versions.findOne({ selector: { plantId }, sort: [{ version: 'desc' }] }).exec();
      const version = (last?.version ?? 0) + 1;
      const id = `${plantId.slice(0, 32)}@${version}`;
      // The record of what the plant was, without its connectors' secrets: the store is read by API
      // clients and backups, and the hash (of the full plant) still tells versions apart.
      const stored = redactSecrets(plant as { connectors?: readonly unknown[] }).plant;
      await db.plant_versions.insert({ id, plantId: plantId.slice(0, 32), version, hash, createdAt: at, createdBy: 'takt', plant: JSON.parse(JSON.stringify(stored)) as Record<string, unknown> });
      return id;
    },
    async ruleSet(id) {
      const d = await db.rule_set_versions.findOne(id).exec();
      return d ? plain<RuleSetVersionDoc>(d.toJSON()) : undefined;
    },
    async auditList(limit, offset, subjectId, order = 'asc') {
      const selector = subjectId ? { subjectId } : {};
      const total = await db.audit.count({ selector }).exec();
      const docs = await db.audit.find({ selector, sort: [{ seq: order }], skip: offset, limit }).exec();
      return { total, items: docs.map((d) => plain<AuditEntry>(d.toJSON())) };
    },
    async verify() {
      const ds = (await db.decisions.find({ sort: [{ seq: 'asc' }] }).exec()).map((d) => plain<DecisionReceipt>(d.toJSON()));
      const as = (await db.audit.find({ sort: [{ seq: 'asc' }] }).exec()).map((d) => plain<AuditEntry>(d.toJSON()));
      return checkChains(ds, as);
    },
    onChange(f) {
      listeners.add(f);
      return () => listeners.delete(f);
    },
    async close() {
      await tail;
      subs.forEach((s) => s.unsubscribe());
      listeners.clear();
      await db.close();
    },
  };
}
