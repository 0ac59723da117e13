/**
 * The baseline of the MQTT benchmark: the cheapest correct QoS 1 consumer, a bare mqtt.js
 * subscriber that parses each JSON payload and acknowledges it (mqtt.js sends the PUBACK once the
 * 'message' handler returned). Same broker, same publisher, same session settings as Takt's
 * connector (MQTT 5, persistent session, receive maximum 65,535), so the difference between the
 * two is what Takt does per message: mapping, validation, dedupe, journal, twin.
 *
 * Started by bench/mqtt.ts as its own process (so its CPU time is its own); configuration in
 * TAKT_BENCH_BARE, results over IPC: {ready} once subscribed, then {done, lastAt, cpuUs, bad}.
 */
import mqtt from 'mqtt';

const { url, n, filter } = JSON.parse(process.env.TAKT_BENCH_BARE ?? '{}') as { url: string; n: number; filter: string };
const send = (m: object, cb: () => void = () => undefined) => process.send!(m, undefined, undefined, cb);

const client = mqtt.connect(url, {
  clientId: 'bench-bare',
  clean: false,
  protocolVersion: 5,
  properties: { sessionExpiryInterval: 3600, receiveMaximum: 65_535 },
  reconnectPeriod: 0,
});
let count = 0;
let bad = 0;
let cpu0 = process.cpuUsage();
client.on('message', (_topic, payload) => {
  try {
    JSON.parse(payload.toString('utf8'));
  } catch {
    bad++;
  }
  if (++count === n) {
    const lastAt = Date.now();
    const c = process.cpuUsage(cpu0);
    // The PUBACK of this last message goes out after the handler: end once it is written.
    setImmediate(() => send({ done: true, lastAt, cpuUs: c.user + c.system, bad }, () => client.end(false, {}, () => process.exit(0))));
  }
});
client.on('connect', () => {
  client.subscribe(filter, { qos: 1 }, (err) => {
    if (err) throw err;
    cpu0 = process.cpuUsage();
    send({ ready: true });
  });
});
client.on('error', (e) => {
  console.error(`bare subscriber: ${e.message}`);
  process.exit(1);
});
