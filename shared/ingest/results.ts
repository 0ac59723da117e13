/** What ingest reports: a push's outcome (accepted, duplicates, rejected with why and where) and a dead letter. */

export interface DeadLetter {
  /** Sequence in the dead-letter list. */
  n: number;
  at: number;
  source: string;
  /** Connector-level origin, e.g. MQTT topic or HTTP path. */
  origin?: string;
  reason: string;
  path?: string;
  raw: string;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: { index: number; reason: string; path?: string }[];
}
