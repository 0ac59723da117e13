/**
 * Where a plant core's federation traffic goes on NATS: subjects under `takt.<siteId>.`, and the
 * JetStream stream that holds each. Pure names only; creating the streams is main/federation.
 *
 * A site id is one subject token. Plant files allow `.` in ids, but in NATS a `.` separates tokens,
 * so `takt.a.b.signals` could not be told from site `a` publishing something else: a site whose id
 * has a `.` is refused for federation with a message saying so (rename the site), never mangled.
 */

export const SUBJECT_ROOT = 'takt';

/** The kinds of business record a core publishes (one subject each). */
export const recordKinds = ['decision', 'approval', 'action', 'audit'] as const;
export type RecordKind = (typeof recordKinds)[number];

/** Why `siteId` cannot be a subject token, or undefined when it can. */
export function siteTokenProblem(siteId: string): string | undefined {
  if (siteId.length === 0) return 'the site id is empty';
  if (!/^[A-Za-z0-9_-]+$/.test(siteId)) {
    return `the site id '${siteId}' cannot be a NATS subject token (only letters, digits, '_' and '-'; '.' separates tokens): rename site.id in the plant file to federate it`;
  }
  return undefined;
}

function token(siteId: string): string {
  const why = siteTokenProblem(siteId);
  if (why) throw new Error(why);
  return siteId;
}

export const subjects = {
  signals: (siteId: string) => `${SUBJECT_ROOT}.${token(siteId)}.signals`,
  summary: (siteId: string) => `${SUBJECT_ROOT}.${token(siteId)}.summary`,
  record: (siteId: string, kind: RecordKind) => `${SUBJECT_ROOT}.${token(siteId)}.records.${kind}`,
  /** Every site's summaries (the network view's subscription). */
  allSummaries: `${SUBJECT_ROOT}.*.summary`,
  allRecords: `${SUBJECT_ROOT}.*.records.>`,
};

/**
 * Stream names. Signals get one stream per site: the publisher chains each message to the one
 * before it (`Nats-Expected-Last-Msg-Id`), which JetStream checks per stream, and a standby or a
 * network view reads one plant's history without filtering every plant's. Summaries and records of
 * all sites share one stream each.
 */
export const streamNames = {
  signals: (siteId: string) => `TAKT_SIGNALS_${token(siteId)}`,
  summaries: 'TAKT_SUMMARIES',
  records: 'TAKT_RECORDS',
};

/** `Nats-Msg-Id` of a journaled signal: site and journal position, so a re-publish is a duplicate. */
export const signalMsgId = (siteId: string, position: number) => `${siteId}:${position}`;
