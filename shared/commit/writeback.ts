/**
 * Write-back: how a committed decision's effects reach the systems of record. The core's durable
 * outbox (main/core) hands each message to a target and retries with backoff until it is
 * acknowledged; targets are idempotent on `idempotencyKey` (a re-send after a crash must not
 * change anything twice). Connectors (MQTT command topics, REST endpoints) implement this.
 */
export interface WriteBackMessage {
  id: string;
  /** 'erp' (production-order line/sequence change) or 'mes' (dispatch list). */
  target: 'erp' | 'mes';
  /** e.g. 'production-order.sequence', 'dispatch-list.update'. */
  kind: string;
  idempotencyKey: string;
  decisionId: string;
  payload: Record<string, unknown>;
}

export interface WriteBackAck {
  /** Plant or wall-clock time the receiving side acknowledged (ms epoch). */
  ackedAt: number;
  /** The other system's reference, when it gives one (ERP document number, MQTT message id). */
  reference?: string;
}

export interface WriteBackTarget {
  readonly id: string;
  /** Which outbox targets this one serves. */
  readonly serves: readonly ('erp' | 'mes')[];
  /** Resolves once the other side acknowledged; rejects (with a message naming the cause) to be retried. */
  send(msg: WriteBackMessage): Promise<WriteBackAck>;
}
