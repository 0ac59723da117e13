/**
 * Sparkplug B host-side state (spBv1.0), pure: topic parsing, per edge node birth certificates
 * (metric names, aliases, bdSeq), sequence tracking, device liveness, and the translation of
 * machine metrics into canonical signals. Decoding the protobuf and talking MQTT happen in
 * main/connectors/sparkplug.ts; this module gets decoded payloads and returns what to do.
 *
 * - NBIRTH/DBIRTH define metric names and aliases (aliases are unique per edge node, devices
 *   included) and bring the current values; NDATA/DDATA update by name or alias.
 * - Every message of a node carries `seq` 0..255, +1 per message; a gap, data before a birth, or an
 *   unknown alias asks for a rebirth (`Node Control/Rebirth` NCMD), at most once per `rebirthEveryMs`.
 * - NDEATH (with the birth's bdSeq; an older session's will is ignored) makes the node and all its
 *   devices stale; DDEATH makes one device stale. Stale machines are reported as state 'unknown'
 *   (a `machine.state` signal with state 'unknown' only where the canonical enum has it).
 * - `is_historical` metrics never touch live values (counter baselines, last state): a historical
 *   state becomes a `machine.state` at its own timestamp (ingest refuses it when it is older than
 *   what the twin already applied, keeping it as a 'late' dead letter); a historical counter in
 *   'delta' mode is a `production.count` at its timestamp; a historical total is skipped (it
 *   cannot be turned into a delta without moving the live baseline) and counted.
 */
import { machineStates } from '../signals/schema';

export const SPARKPLUG_NAMESPACE = 'spBv1.0';

export type SparkplugMessageType = 'NBIRTH' | 'NDEATH' | 'NDATA' | 'NCMD' | 'DBIRTH' | 'DDEATH' | 'DDATA' | 'DCMD';
const MESSAGE_TYPES = new Set<string>(['NBIRTH', 'NDEATH', 'NDATA', 'NCMD', 'DBIRTH', 'DDEATH', 'DDATA', 'DCMD']);

export type SparkplugTopic =
  | { kind: 'node'; group: string; type: SparkplugMessageType; node: string; device?: string }
  | { kind: 'state'; hostId: string };

/** Parses `spBv1.0/<group>/<type>/<node>[/<device>]` or `spBv1.0/STATE/<hostId>`; a string says why not. */
export function parseSparkplugTopic(topic: string): SparkplugTopic | string {
  const p = topic.split('/');
  if (p[0] !== SPARKPLUG_NAMESPACE) return `topic '${topic}' is not in the ${SPARKPLUG_NAMESPACE} namespace`;
  if (p[1] === 'STATE' && p.length === 3 && p[2]) return { kind: 'state', hostId: p[2] };
  if (p.length < 4 || p.length > 5 || p.some((x) => x === '')) return `topic '${topic}' is not spBv1.0/<group>/<message type>/<edge node>[/<device>]`;
  const type = p[2]!;
  if (!MESSAGE_TYPES.has(type)) return `'${type}' in topic '${topic}' is not a Sparkplug message type`;
  const isDevice = type.startsWith('D');
  if (isDevice !== (p.length === 5)) return `${type} topic '${topic}' ${isDevice ? 'needs' : 'must not have'} a device level`;
  return { kind: 'node', group: p[1]!, type: type as SparkplugMessageType, node: p[3]!, ...(isDevice ? { device: p[4]! } : {}) };
}

/** A decoded metric, numbers already plain (see `toPlainNumber`). */
export interface SpMetric {
  name?: string | null;
  alias?: number | null;
  timestamp?: number | null;
  value?: unknown;
  isHistorical?: boolean | null;
  isNull?: boolean | null;
}
export interface SpPayload {
  timestamp?: number | null;
  seq?: number | null;
  metrics?: SpMetric[] | null;
}

/** protobufjs Long (or number, or bigint) → number. */
export function toPlainNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v !== null && typeof v === 'object' && typeof (v as { toNumber?: unknown }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  return undefined;
}

export interface SparkplugMappingOptions {
  /** `<edge node>/<device>` (or `<edge node>` for node metrics) → machine id; default: the device id. */
  machines: Record<string, string>;
  stateMetric: string;
  goodMetric: string;
  scrapMetric: string;
  /** Raw state value (as text) → canonical machine state; canonical names pass unchanged. */
  stateValues: Record<string, string>;
  /** Counters are running totals (default) or per-message increments. */
  counters: 'total' | 'delta';
  rebirthEveryMs: number;
  /** Signal source (the connector id). */
  source: string;
}

export interface DeviceStatus {
  group: string;
  node: string;
  device: string | null;
  machine: string;
  online: boolean;
  /** Why it is stale (NDEATH, DDEATH, …). */
  staleReason?: string;
  since: number;
}

export interface HostOutput {
  /** Raw canonical signals to push (ingest validates them). */
  signals: Record<string, unknown>[];
  /** Messages to dead-letter (protocol errors). */
  rejects: { reason: string }[];
  /** Ask this node for a rebirth. */
  rebirth?: { group: string; node: string; reason: string };
  /** Historical metrics not turned into signals (totals). */
  historicalSkipped: number;
}

interface DeviceState {
  machine: string;
  /** It reported a machine state: only then does its death make the machine's state unknown. */
  hasState?: boolean;
  online: boolean;
  staleReason?: string;
  since: number;
  totals: Map<string, number>;
}
interface NodeState {
  group: string;
  node: string;
  born: boolean;
  online: boolean;
  bdSeq?: number;
  seq?: number;
  aliases: Map<number, string>;
  devices: Map<string, DeviceState>;
  nodeDevice: DeviceState;
  lastRebirthAt: number;
}

const canSayUnknown = (machineStates as readonly string[]).includes('unknown');

export interface SparkplugHost {
  handle(topic: SparkplugTopic & { kind: 'node' }, payload: SpPayload, now: number): HostOutput;
  /** Every node and device seen, with its liveness. */
  devices(): DeviceStatus[];
}

export function createSparkplugHost(opts: SparkplugMappingOptions): SparkplugHost {
  const nodes = new Map<string, NodeState>();
  let receiveTime = 0;
  let seqCounter = 0;
  const key = (g: string, n: string) => `${g}/${n}`;
  const machineOf = (node: string, device: string | null) => opts.machines[device === null ? node : `${node}/${device}`] ?? device ?? node;

  function nodeState(group: string, node: string, now: number): NodeState {
    let ns = nodes.get(key(group, node));
    if (!ns) {
      ns = { group, node, born: false, online: false, aliases: new Map(), devices: new Map(), nodeDevice: { machine: machineOf(node, null), online: false, since: now, totals: new Map() }, lastRebirthAt: -Infinity };
      nodes.set(key(group, node), ns);
    }
    return ns;
  }

  function mapState(raw: unknown): string | { error: string } {
    const k = typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
    if (Object.hasOwn(opts.stateValues, k)) return opts.stateValues[k]!;
    if ((machineStates as readonly string[]).includes(k)) return k;
    return { error: `state value '${k.slice(0, 60)}' is neither a canonical machine state (${machineStates.join(', ')}) nor in stateValues` };
  }

  return {
    handle(t, payload, now) {
      receiveTime = now;
      const out: HostOutput = { signals: [], rejects: [], historicalSkipped: 0 };
      const ns = nodeState(t.group, t.node, now);
      const where = `${t.group}/${t.node}${t.device ? `/${t.device}` : ''}`;
      const askRebirth = (reason: string) => {
        if (now - ns.lastRebirthAt < opts.rebirthEveryMs) return;
        ns.lastRebirthAt = now;
        out.rebirth = { group: t.group, node: t.node, reason };
      };
      const metrics = payload.metrics ?? [];
      const seq = payload.seq ?? undefined;
      const ts = payload.timestamp ?? now;

      if (t.type === 'NCMD' || t.type === 'DCMD') return out; // commands (ours or another host's)

      if (t.type === 'NDEATH') {
        const bd = toPlainNumber(metrics.find((m) => m.name === 'bdSeq')?.value);
        if (ns.bdSeq !== undefined && bd !== undefined && bd !== ns.bdSeq) return out; // an older session's will
        ns.online = false;
        ns.born = false;
        ns.seq = undefined;
        const stale = (d: DeviceState) => {
          if (!d.online && d.staleReason) return;
          d.online = false;
          d.staleReason = 'NDEATH (edge node offline)';
          d.since = now;
          if (canSayUnknown && d.hasState) out.signals.push(stateSignal(d, 'unknown', ts, `${where}:NDEATH:${bd ?? ''}:${d.machine}@${ts}`, 'Sparkplug NDEATH'));
        };
        stale(ns.nodeDevice);
        ns.devices.forEach(stale);
        return out;
      }

      // Sequence: NBIRTH restarts it; every other message of the node must be the next one.
      if (t.type === 'NBIRTH') {
        ns.seq = seq;
        ns.born = true;
        ns.online = true;
        ns.bdSeq = toPlainNumber(metrics.find((m) => m.name === 'bdSeq')?.value);
        ns.aliases.clear();
      } else if (!ns.born) {
        askRebirth(`${t.type} from ${where} before its NBIRTH`);
        return out;
      } else if (seq !== undefined && ns.seq !== undefined && seq !== (ns.seq + 1) % 256) {
        askRebirth(`sequence gap at ${where}: expected ${(ns.seq + 1) % 256}, got ${seq}`);
        ns.seq = seq;
      } else ns.seq = seq;

      let dev: DeviceState;
      if (t.device === undefined) dev = ns.nodeDevice;
      else {
        let d = ns.devices.get(t.device);
        if (!d) {
          d = { machine: machineOf(t.node, t.device), online: false, since: now, totals: new Map() };
          ns.devices.set(t.device, d);
        }
        dev = d;
      }
      if (t.type === 'DDEATH') {
        dev.online = false;
        dev.staleReason = 'DDEATH (device offline)';
        dev.since = now;
        if (canSayUnknown && dev.hasState) out.signals.push(stateSignal(dev, 'unknown', ts, `${where}:DDEATH:${seq ?? ''}@${ts}`, 'Sparkplug DDEATH'));
        return out;
      }
      const birth = t.type === 'NBIRTH' || t.type === 'DBIRTH';
      if (birth) {
        if (t.type === 'DBIRTH') for (const m of metrics) if (m.alias != null && m.name) ns.aliases.set(m.alias, m.name);
        dev.online = true;
        dev.staleReason = undefined;
        dev.since = now;
      } else if (!dev.online && t.device !== undefined) {
        askRebirth(`DDATA from ${where} without its DBIRTH`);
        return out;
      }
      if (t.type === 'NBIRTH') for (const m of metrics) if (m.alias != null && m.name) ns.aliases.set(m.alias, m.name);

      let good = 0;
      let scrap = 0;
      let counted = false;
      for (const m of metrics) {
        const name = m.name ?? (m.alias != null ? ns.aliases.get(m.alias) : undefined);
        if (name === undefined) {
          out.rejects.push({ reason: `${t.type} from ${where}: metric alias ${m.alias ?? '(none)'} has no name in the birth certificate` });
          askRebirth(`unknown alias ${m.alias} at ${where}`);
          continue;
        }
        if (m.isNull) continue;
        const at = m.timestamp ?? ts;
        const hist = m.isHistorical === true;
        if (name === opts.stateMetric) {
          const st = mapState(m.value);
          if (typeof st !== 'string') {
            out.rejects.push({ reason: `${t.type} from ${where}: metric '${name}': ${st.error}` });
            continue;
          }
          if (!hist) dev.hasState = true;
          out.signals.push(stateSignal(dev, st, at, `${where}/${name}@${at}${hist ? ':h' : ''}`, hist ? 'historical (Sparkplug is_historical)' : undefined));
        } else if (name === opts.goodMetric || name === opts.scrapMetric) {
          const v = toPlainNumber(m.value);
          if (v === undefined || !Number.isFinite(v) || v < 0) {
            out.rejects.push({ reason: `${t.type} from ${where}: counter '${name}' has value ${JSON.stringify(m.value)}; a non-negative number is needed` });
            continue;
          }
          let delta: number;
          if (opts.counters === 'delta') {
            if (birth) continue; // a birth restates, it does not count
            delta = v;
          } else {
            if (hist) {
              out.historicalSkipped++;
              continue;
            }
            const last = dev.totals.get(name);
            dev.totals.set(name, v);
            // First sight sets the baseline; a total that went down was reset at the source.
            delta = last === undefined ? 0 : v >= last ? v - last : v;
          }
          if (hist) {
            out.signals.push(countSignal(dev, name === opts.goodMetric ? v : 0, name === opts.scrapMetric ? v : 0, at, `${where}/${name}@${at}:h`));
            continue;
          }
          if (name === opts.goodMetric) good += delta;
          else scrap += delta;
          counted = true;
        }
      }
      if (counted && good + scrap > 0) out.signals.push(countSignal(dev, good, scrap, ts, `${where}/count@${ts}:${seq ?? ''}`));
      return out;
    },
    devices() {
      const list: DeviceStatus[] = [];
      for (const ns of nodes.values()) {
        const one = (d: DeviceState, device: string | null) =>
          list.push({ group: ns.group, node: ns.node, device, machine: d.machine, online: d.online, ...(d.staleReason ? { staleReason: d.staleReason } : {}), since: d.since });
        if (ns.born || ns.nodeDevice.staleReason) one(ns.nodeDevice, null);
        ns.devices.forEach((d, id) => one(d, id));
      }
      return list;
    },
  };

  function stateSignal(d: DeviceState, state: string, at: number, id: string, reason?: string): Record<string, unknown> {
    return { id: `spb:${id}`, source: opts.source, seq: seqCounter++, eventTime: at, receiveTime, type: 'machine.state', machine: d.machine, state, ...(reason ? { reason } : {}) };
  }
  function countSignal(d: DeviceState, good: number, scrap: number, at: number, id: string): Record<string, unknown> {
    return { id: `spb:${id}`, source: opts.source, seq: seqCounter++, eventTime: at, receiveTime, type: 'production.count', machine: d.machine, good, scrap };
  }
}
