/** Reads a whole stream back (tests): every message by stream sequence, parsed as a signal envelope. */
import type { JetStreamManager } from '@nats-io/jetstream';
import { parseFederationMessage, signalEnvelopeSchema, type SignalEnvelope } from '../../../shared/federation/messages';

export async function readSignalStream(jsm: JetStreamManager, stream: string): Promise<{ envelope: SignalEnvelope; msgId: string | undefined }[]> {
  const info = await jsm.streams.info(stream);
  const { first_seq: first, last_seq: last } = info.state;
  const out: { envelope: SignalEnvelope; msgId: string | undefined }[] = [];
  if (info.state.messages === 0) return out;
  for (let s = first; s <= last; s += 200) {
    const seqs = Array.from({ length: Math.min(200, last - s + 1) }, (_, i) => s + i);
    const msgs = await Promise.all(seqs.map((seq) => jsm.streams.getMessage(stream, { seq })));
    for (const m of msgs) {
      if (!m) throw new Error(`stream ${stream}: a message is missing`);
      const p = parseFederationMessage(signalEnvelopeSchema, m.string());
      if (!p.ok) throw new Error(`stream ${stream} sequence ${m.seq}: ${p.reason}`);
      out.push({ envelope: p.value, msgId: m.header?.get('Nats-Msg-Id') });
    }
  }
  return out;
}
