#!/usr/bin/env node
// Replays an NDJSON file of canonical signals (one JSON object per line) to an MQTT topic, QoS 1,
// so a Takt core with an `mqtt` connector (a `canonical: true` rule on that topic) is driven from
// the file instead of the embedded simulator.
//
//   node scripts/mqtt-replay.mjs --file signals.ndjson [--url mqtt://localhost:1883] [--topic takt/signals/replay]
//                                [--rate 200] [--restamp] [--speed 1]
//
// --rate N     messages per second at most (default 200; 0 = as fast as the broker acknowledges)
// --restamp    shift eventTime/receiveTime so the first signal is "now", keeping the spacing (a
//              recorded file is otherwise older than the core's ingest horizon)
// --speed S    with --restamp: replay S times faster than recorded (the gaps between signals shrink)
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';

const { values: o } = parseArgs({
  options: {
    file: { type: 'string' },
    url: { type: 'string', default: 'mqtt://localhost:1883' },
    topic: { type: 'string', default: 'takt/signals/replay' },
    rate: { type: 'string', default: '200' },
    restamp: { type: 'boolean', default: false },
    speed: { type: 'string', default: '1' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (o.help || !o.file) {
  console.error('usage: node scripts/mqtt-replay.mjs --file signals.ndjson [--url mqtt://localhost:1883] [--topic takt/signals/replay] [--rate 200] [--restamp] [--speed 1]');
  process.exit(o.help ? 0 : 2);
}
const rate = Number(o.rate);
const speed = Number(o.speed);
if (!Number.isFinite(rate) || rate < 0) throw new Error(`--rate: '${o.rate}' is not a number ≥ 0`);
if (!Number.isFinite(speed) || speed <= 0) throw new Error(`--speed: '${o.speed}' is not a number > 0`);

const client = await mqtt.connectAsync(o.url, { clientId: `takt-replay-${process.pid}`, reconnectPeriod: 1000 });
let first;
const startedAt = Date.now();
let sent = 0;
let skipped = 0;
let lineNo = 0;
const lines = createInterface({ input: createReadStream(o.file, 'utf8'), crlfDelay: Infinity });
for await (const line of lines) {
  lineNo++;
  if (line.trim() === '') continue;
  let signal;
  try {
    signal = JSON.parse(line);
  } catch (e) {
    console.error(`${o.file}:${lineNo}: not JSON (${e.message}); skipped`);
    skipped++;
    continue;
  }
  if (o.restamp && typeof signal.eventTime === 'number') {
    first ??= { recorded: signal.eventTime, now: Date.now() };
    const t = Math.round(first.now + (signal.eventTime - first.recorded) / speed);
    const lag = typeof signal.receiveTime === 'number' ? signal.receiveTime - signal.eventTime : 0;
    signal.eventTime = t;
    signal.receiveTime = t + lag;
    // Keep recorded spacing: wait until the signal's (scaled) time has come.
    const wait = t - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await client.publishAsync(o.topic, JSON.stringify(signal), { qos: 1 });
  sent++;
  if (rate > 0) {
    const due = startedAt + (sent * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  if (sent % 1000 === 0) console.error(`${sent} signals published`);
}
await client.endAsync();
console.error(`${sent} signals published to ${o.topic} on ${o.url}${skipped ? `, ${skipped} lines skipped` : ''} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
