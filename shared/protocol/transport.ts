/**
 * A text-frame transport: the only thing the protocol runtime needs from a WebSocket,
 * a MessagePort or an in-memory pair. Implementations live at the edges.
 */
export interface TextTransport {
  send(frame: string): void;
  /** Registers the frame handler; returns an unsubscribe. */
  onFrame(handler: (frame: string) => void): () => void;
  onClose(handler: () => void): () => void;
  close(): void;
}

/** Two connected in-memory transports, for tests and same-process use. */
export function memoryTransportPair(): [TextTransport, TextTransport] {
  const make = () => ({ frame: new Set<(f: string) => void>(), close: new Set<() => void>(), open: true });
  const a = make();
  const b = make();
  const side = (self: ReturnType<typeof make>, peer: ReturnType<typeof make>): TextTransport => ({
    send(frame) {
      if (!self.open) throw new Error('transport is closed');
      queueMicrotask(() => peer.frame.forEach((h) => h(frame)));
    },
    onFrame(h) {
      self.frame.add(h);
      return () => self.frame.delete(h);
    },
    onClose(h) {
      self.close.add(h);
      return () => self.close.delete(h);
    },
    close() {
      if (!self.open) return;
      self.open = false;
      peer.open = false;
      queueMicrotask(() => {
        self.close.forEach((h) => h());
        peer.close.forEach((h) => h());
      });
    },
  });
  return [side(a, b), side(b, a)];
}
