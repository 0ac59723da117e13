// The load generator of bench/mqtt.ts, in its own process (so the CPU time of the bench's process
// is the consumer's): a minimal MQTT 3.1.1 client over a raw socket (CONNECT, QoS 1 PUBLISH,
// PUBACK counting). mqtt.js publishes about 15k QoS 1 messages/s here, below the rates to measure,
// because it stores and writes each packet on its own; this one writes a tick's packets in one
// buffer and keeps at most `window` messages unacknowledged. (mosquitto_pub is not used: its
// package, mosquitto-clients, is not installed here, and `-l` sends every line to one topic.)
//
// Two kinds of stream: JSON UNS messages built as it goes (`machines`, `canonical`, `root`,
// `idPrefix`), or prebuilt PUBLISH packets read from `file` (with `index`: pairs of packet start
// and packet-id offset, Uint32), e.g. Sparkplug B protobuf prepared by the bench before the clock.
// `rate` paces the stream (messages/s); a huge rate means as fast as the window allows.
// Configuration in TAKT_BENCH_PUBLISHER; IPC: {started} on CONNACK, {done, ms, cpuUs} when every
// message is acknowledged (QoS 1) or written (QoS 0).
import net from 'node:net';
import { readFileSync } from 'node:fs';

const { port, n, rate, window, machines, canonical, root, clientId, qos, idPrefix, file, index } = JSON.parse(process.env.TAKT_BENCH_PUBLISHER);
const varint = (len) => {
  const b = [];
  do {
    let d = len % 128;
    len = Math.floor(len / 128);
    if (len > 0) d |= 128;
    b.push(d);
  } while (len > 0);
  return Buffer.from(b);
};
const str = (s) => {
  const b = Buffer.from(s, 'utf8');
  const h = Buffer.alloc(2);
  h.writeUInt16BE(b.length);
  return Buffer.concat([h, b]);
};
const packet = (first, body) => Buffer.concat([Buffer.from([first]), varint(body.length), body]);
const prebuilt = file ? readFileSync(file) : undefined;
const offsets = index ? new Uint32Array(readFileSync(index).buffer.slice(0)) : undefined;

const sock = net.connect(port, '127.0.0.1');
sock.setNoDelay(true);
sock.write(packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, 0x02, 0, 60]), str(clientId)])));
let acked = 0;
let sent = 0;
let t0 = 0;
let started = false;
let rest = Buffer.alloc(0);
sock.on('data', (d) => {
  const buf = rest.length ? Buffer.concat([rest, d]) : d;
  let i = 0;
  while (i + 2 <= buf.length) {
    const type = buf[i] >> 4;
    const len = buf[i + 1];
    if (i + 2 + len > buf.length) break;
    if (type === 2 && !started) {
      started = true;
      t0 = Date.now();
      process.send({ started: t0 });
      tick();
    }
    if (type === 4) acked++;
    i += 2 + len;
  }
  rest = buf.subarray(i);
  if (acked === n) finish();
});
const finish = () => {
  const c = process.cpuUsage();
  process.send({ done: true, ms: Date.now() - t0, cpuUs: c.user + c.system }, () => process.exit(0));
  sock.end();
};
const jsonPacket = () => {
  const m = machines[sent % machines.length];
  const ts = Date.now();
  const id = idPrefix + sent;
  let topic;
  let body;
  if (canonical) {
    topic = root + '/' + m.area + '/' + m.line + '/' + m.machine + '/signal';
    body = '{"id":"' + id + '","source":"bench","seq":' + sent + ',"eventTime":' + ts + ',"receiveTime":' + ts + ',"type":"production.count","machine":"' + m.machine + '","good":1,"scrap":0}';
  } else if (sent % 10 === 9) {
    topic = root + '/' + m.area + '/' + m.line + '/' + m.machine + '/state';
    body = '{"id":"' + id + '","n":' + sent + ',"ts":' + ts + ',"state":"' + (sent % 20 === 9 ? 'IDLE' : 'RUN') + '"}';
  } else {
    topic = root + '/' + m.area + '/' + m.line + '/' + m.machine + '/count';
    body = '{"id":"' + id + '","n":' + sent + ',"ts":' + ts + ',"good":1,"scrap":0}';
  }
  if (qos === 0) return packet(0x30, Buffer.concat([str(topic), Buffer.from(body, 'utf8')]));
  const pid = Buffer.alloc(2);
  pid.writeUInt16BE((sent % 65535) + 1);
  return packet(0x32, Buffer.concat([str(topic), pid, Buffer.from(body, 'utf8')]));
};
const filePacket = () => {
  const start = offsets[2 * sent];
  const end = sent + 1 < n ? offsets[2 * sent + 2] : prebuilt.length;
  prebuilt.writeUInt16BE((sent % 65535) + 1, offsets[2 * sent + 1]);
  return prebuilt.subarray(start, end);
};
const tick = () => {
  const due = Math.min(n, Math.floor(((Date.now() - t0) * rate) / 1000) + 1);
  const parts = [];
  while (sent < due && (qos === 0 || sent - acked < window)) {
    parts.push(prebuilt ? filePacket() : jsonPacket());
    sent++;
  }
  // QoS 0: done once the last packet is written (nothing comes back to count).
  if (parts.length) sock.write(Buffer.concat(parts), qos === 0 && sent === n ? finish : undefined);
  if (sent < n && (qos === 0 ? !sock.writableNeedDrain : true)) setTimeout(tick, 2);
  else if (sent < n) sock.once('drain', tick);
};
