/**
 * Publishes the plant's twin summary (`takt.<site>.summary`) every `intervalMs`, and sooner when
 * what it shows changed (checked every `checkMs`, at most one extra summary per `checkMs`). A
 * summary is the present: one that cannot be published is not queued, the next one replaces it;
 * at most one publish is in flight.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import type { TwinSummary } from '../../shared/federation/messages';
import { summaryFingerprint } from '../../shared/federation/summary';
import { subjects } from '../../shared/federation/subjects';

export interface SummaryPublisherOptions {
  site: string;
  js: JetStreamClient;
  /** Makes the current summary (the caller stamps publishedAt from the wall clock). */
  summary(intervalMs: number): TwinSummary;
  intervalMs?: number;
  checkMs?: number;
  log(line: string): void;
}

const encoder = new TextEncoder();

export function createSummaryPublisher(o: SummaryPublisherOptions) {
  const intervalMs = o.intervalMs ?? 5000;
  const checkMs = Math.min(o.checkMs ?? 1000, intervalMs);
  const subject = subjects.summary(o.site);
  let lastFingerprint = '';
  let lastSentAt = 0;
  let inFlight = false;
  let published = 0;
  let failed = 0;
  let lastError: string | undefined;
  let timer: ReturnType<typeof setInterval> | null = null;

  function tick(force = false) {
    if (inFlight) return;
    let s: TwinSummary;
    try {
      s = o.summary(intervalMs);
    } catch (e) {
      lastError = `the summary could not be made: ${(e as Error).message}`;
      return;
    }
    const fp = summaryFingerprint(s);
    const due = force || Date.now() - lastSentAt >= intervalMs || fp !== lastFingerprint;
    if (!due) return;
    inFlight = true;
    o.js
      .publish(subject, encoder.encode(JSON.stringify(s)), { msgID: `${o.site}:summary:${s.publishedAt}` })
      .then(
        () => {
          published++;
          lastFingerprint = fp;
          lastSentAt = Date.now();
          lastError = undefined;
        },
        (e: Error) => {
          failed++;
          if (lastError === undefined) o.log(`nats: the twin summary could not be published on ${subject} (${e.message}); the next one is tried in ${checkMs} ms`);
          lastError = e.message;
        },
      )
      .finally(() => (inFlight = false));
  }

  return {
    start() {
      timer ??= setInterval(tick, checkMs);
      tick(true);
    },
    status: () => ({ published, failed, ...(lastError !== undefined ? { lastError } : {}) }),
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
