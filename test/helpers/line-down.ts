/**
 * A line-down raised on a running demo core the way the floor would raise one: a machine of a line
 * with queued work reports `down` through `signals.ingest`, and the test waits for the exception.
 */
import type { ProtocolClient } from '../../shared/protocol/client';
import type { TaktCore } from '../../main/core/core';

export async function raiseLineDown(client: ProtocolClient, core: TaktCore, source: string): Promise<{ lineId: string; exceptionId: string }> {
  const view = await client.call('twin.view');
  const line = view.lines.find((l) => l.queue.length > 0 && l.status !== 'down');
  if (!line) throw new Error('no line with queued work that is not down');
  const machine = view.machines.find((m) => m.lineId === line.id)!;
  const t = Math.round(core.twin.time) + 1;
  await client.call('signals.ingest', { signals: [{ id: `${source}-1`, source, seq: 1, eventTime: t, receiveTime: t, type: 'machine.state', machine: machine.id, state: 'down', reason: source }] });
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const id = (await client.call('exceptions.list')).items.find((e) => e.type === 'line-down' && e.subject.lineId === line.id)?.id;
    if (id) return { lineId: line.id, exceptionId: id };
  }
  throw new Error(`no line-down exception for ${line.id} within 10 s of ${machine.id} going down`);
}
