/**
 * The JetStream streams of federation and their retention, as plain configuration (the README's
 * "Federation over NATS" section describes the same). main/federation/streams.ts creates or updates
 * them; every one is replicated three times (R3: one node of a three-node cluster may be lost
 * without losing a message or stopping writes).
 */
import { streamNames, subjects } from './subjects';

export interface FederationStreamConfig {
  name: string;
  subjects: string[];
  /** Seconds, 0 = forever. */
  maxAgeS: number;
  /** Per subject; -1 = no limit. */
  maxMsgsPerSubject: number;
  /** How long JetStream remembers a `Nats-Msg-Id` to drop a re-publish (seconds). */
  duplicateWindowS: number;
  replicas: number;
}

export const FEDERATION_REPLICAS = 3;

/**
 * Signals: kept 7 days (a standby or a returning network view replays from them; the plant's own
 * journal stays the record of truth). The duplicate window covers a publisher's reconnect and
 * resume; past it, the publisher resumes from the stream's last message, not from memory.
 */
export const signalsStream = (siteId: string, replicas = FEDERATION_REPLICAS): FederationStreamConfig => ({
  name: streamNames.signals(siteId),
  subjects: [subjects.signals(siteId)],
  maxAgeS: 7 * 24 * 3600,
  maxMsgsPerSubject: -1,
  duplicateWindowS: 120,
  replicas,
});

/** Summaries: only the newest ones matter (the network view's current picture): 100 per site, 1 day. */
export const summariesStream = (replicas = FEDERATION_REPLICAS): FederationStreamConfig => ({
  name: streamNames.summaries,
  subjects: [subjects.allSummaries],
  maxAgeS: 24 * 3600,
  maxMsgsPerSubject: 100,
  duplicateWindowS: 120,
  replicas,
});

/** Records (decisions, approvals, actions, audit): kept forever, like the plant's own store. */
export const recordsStream = (replicas = FEDERATION_REPLICAS): FederationStreamConfig => ({
  name: streamNames.records,
  subjects: [subjects.allRecords],
  maxAgeS: 0,
  maxMsgsPerSubject: -1,
  duplicateWindowS: 600,
  replicas,
});

export const nanos = (seconds: number) => Math.round(seconds * 1e9);
