/**
 * Settings ▸ Connectors: the plant file's external connectors (MQTT/UNS, Sparkplug B, …) with their
 * live status from the core's `connectors` stream: state, messages/s, lag, errors, dead letters,
 * and for Sparkplug the edge nodes/devices (a stale one's machine reads as state unknown).
 * ISA-101: grey unless something is abnormal.
 */
import { useEffect, useState } from 'react';
import { useClient } from '../app/ClientContext';
import type { ConnectorStatusView } from '../../../shared/connectors/status';

const abnormal = (s: ConnectorStatusView) => s.state === 'error' || s.state === 'lagging' || s.state === 'connecting';

export function ConnectorsPanel() {
  const client = useClient();
  const [items, setItems] = useState<ConnectorStatusView[] | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    if (!client) return;
    return client.subscribe('connectors', (i) => setItems(i.items), undefined, (e) => setError(`connector status unavailable: ${e.message}`));
  }, [client]);

  if (error) return <p className="muted">{error}</p>;
  if (items === null) return <p className="muted">Loading connector status…</p>;
  if (items.length === 0)
    return <p className="muted" data-testid="connectors-none">No external connectors are configured: the embedded ERP/MES simulator feeds this core. Add a <code>connectors:</code> list (kind mqtt or sparkplug, …) to the plant file to connect real systems.</p>;
  return (
    <div data-testid="connectors-panel">
      <table className="connectors-table">
        <thead>
          <tr>
            <th scope="col">Connector</th>
            <th scope="col">State</th>
            <th scope="col">Messages/s</th>
            <th scope="col">Lag</th>
            <th scope="col">Errors</th>
            <th scope="col">Dead letters</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {items.map((c) => (
            <tr key={c.id} data-testid={`connector-${c.id}`} className={abnormal(c) ? 'abnormal' : undefined}>
              <th scope="row">
                {c.id} <span className="muted">({c.kind})</span>
              </th>
              <td>{c.state}</td>
              <td>{c.messagesPerSecond}</td>
              <td>{c.lagMs === undefined ? '–' : `${(c.lagMs / 1000).toFixed(1)} s`}</td>
              <td>{c.errors}</td>
              <td>{c.deadLetters}</td>
              <td className="muted">{c.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {items
        .filter((c) => c.devices && c.devices.length > 0)
        .map((c) => (
          <div key={`${c.id}-devices`}>
            <h3>{c.id}: Sparkplug devices</h3>
            <ul>
              {c.devices!.map((d) => (
                <li key={`${d.group}/${d.node}/${d.device ?? ''}`} className={d.online ? undefined : 'abnormal'}>
                  {d.group}/{d.node}
                  {d.device ? `/${d.device}` : ''} → {d.machine}: {d.online ? 'online' : `stale (machine state unknown; ${d.staleReason ?? 'offline'})`}
                </li>
              ))}
            </ul>
          </div>
        ))}
    </div>
  );
}
