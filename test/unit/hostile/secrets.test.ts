/**
 * Connector secrets never leave the core in plain text: `plant.get` (and the boot-time answer) get
 * a redacted copy, the plant cache in the data folder keeps them encrypted with a key it does not
 * hold and is mode 600, and the webhook's secrets can come from a file instead of the process list.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLANT_CACHE_FILE, loadPlantCached } from '../../../main/core/persistence/plant-cache';
import { REDACTED, redactSecrets, redactUrl, redactUrlsIn } from '../../../shared/plant/redact';
import { createMqttConnector, mqttOptionsSchema } from '../../../main/connectors/mqtt';
import { createSparkplugConnector, sparkplugOptionsSchema } from '../../../main/connectors/sparkplug';
import { readSecretOption } from '../../../main/cli/secret-option';
import { readFixture } from '../plant/helpers';
import { openCommitStore } from '../../../main/core/persistence/commit-store';

const TOKEN = 'tok-3f9a1c-very-secret';
const WB_TOKEN = 'wb-77e0-also-secret';
const MQTT_PASSWORD = 'pw-mqtt-1234';
const plantText = `${readFixture('small-plant.yaml')}
connectors:
  - id: erp
    kind: rest
    options:
      url: http://127.0.0.1:9/orders
      token: ${TOKEN}
      headers: { X-Api-Key: key-abc-secret, Accept-Language: en }
      writeBack: { url: "http://127.0.0.1:9/back", token: ${WB_TOKEN} }
  - id: mes
    kind: mqtt
    enabled: false
    options:
      url: mqtt://takt:${MQTT_PASSWORD}@127.0.0.1:1883
      password: ${MQTT_PASSWORD}
`;

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'takt-secrets-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('redactSecrets', () => {
  it('replaces tokens, passwords, API-key headers and URL passwords under connectors, and leaves the rest', () => {
    const plant = {
      site: { id: 's', token: 'not-a-connector' },
      connectors: [{ id: 'a', options: { url: 'mqtt://u:p4ss@h:1883', token: 't1', writeBack: { token: 't2' }, headers: { Authorization: 'Bearer x', Accept: 'json' }, password: 'p' } }],
    };
    const { plant: out, secrets } = redactSecrets(plant);
    const text = JSON.stringify(out);
    for (const s of ['p4ss', 't1', 't2', 'Bearer x', '"p"']) expect(text).not.toContain(s);
    expect(out.connectors[0]!.options.url).toBe(`mqtt://u:${REDACTED}@h:1883`);
    // Every header value: which header carries a key is the remote system's choice.
    expect(out.connectors[0]!.options.headers.Accept).toBe(REDACTED);
    expect(out.site.token).toBe('not-a-connector');
    expect(secrets).toHaveLength(6);
    // The input is not touched (the connectors keep their real values).
    expect(plant.connectors[0]!.options.token).toBe('t1');
  });
});

describe('redactUrl', () => {
  it('takes out the userinfo password (or a bare userinfo token) and every query value, keeping where', () => {
    expect(redactUrl('mqtt://user:pass@host:1883')).toBe(`mqtt://user:${REDACTED}@host:1883`);
    expect(redactUrl('https://ghp_TOKEN@example.com/x')).toBe(`https://${REDACTED}@example.com/x`);
    expect(redactUrl('https://erp.example/orders?api_key=K1&site=3#top')).toBe(`https://erp.example/orders?api_key=${REDACTED}&site=${REDACTED}#top`);
    expect(redactUrl('http://u:p@h/a?k=v')).toBe(`http://u:${REDACTED}@h/a?k=${REDACTED}`);
    expect(redactUrl('http://127.0.0.1:9/orders')).toBe('http://127.0.0.1:9/orders');
    const once = redactUrlsIn('POST https://erp.example/back?api_key=K2: HTTP 500');
    expect(once).toBe(`POST https://erp.example/back?api_key=${REDACTED}: HTTP 500`);
    expect(redactUrlsIn(once)).toBe(once);
  });

  it('redacts query keys in plant URLs, and redactSecrets keeps what restores them', () => {
    const { plant: out, secrets } = redactSecrets({ connectors: [{ id: 'r', options: { url: 'https://erp.example/o?api_key=K3' } }] });
    expect(JSON.stringify(out)).not.toContain('K3');
    expect(secrets).toEqual([{ path: ['connectors', 0, 'options', 'url'], value: 'https://erp.example/o?api_key=K3' }]);
  });

  it('keeps MQTT and Sparkplug passwords out of connector status', () => {
    const url = `mqtt://takt:${MQTT_PASSWORD}@127.0.0.1:9`;
    const mq = createMqttConnector('mes', mqttOptionsSchema.parse({ url, subscribe: ['a/#'] }), { now: () => 0, log: () => undefined, defaultClientId: 'c' });
    const sp = createSparkplugConnector('spb', sparkplugOptionsSchema.parse({ url }), { now: () => 0, log: () => undefined, siteId: 's' });
    for (const st of [mq.connector.status(), sp.status()]) {
      expect(st.detail).toContain(`takt:${REDACTED}@127.0.0.1:9`);
      expect(JSON.stringify(st)).not.toContain(MQTT_PASSWORD);
    }
  });
});

describe('the plant cache', () => {
  it('holds no secret in plain text, is mode 600, and a cached load gives the connectors their real secrets', async () => {
    const plantFile = join(dir, 'plant.yaml');
    writeFileSync(plantFile, plantText);
    const dataDir = join(dir, 'data');
    const first = await loadPlantCached(plantFile, { dataDir, codeVersion: 'v1' });
    expect(first.cached).toBe(false);
    const cacheFile = join(dataDir, PLANT_CACHE_FILE);
    const raw = readFileSync(cacheFile, 'utf8');
    for (const s of [TOKEN, WB_TOKEN, MQTT_PASSWORD, 'key-abc-secret']) expect(raw).not.toContain(s);
    expect(statSync(cacheFile).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);

    const second = await loadPlantCached(plantFile, { dataDir, codeVersion: 'v1' });
    expect(second.cached).toBe(true);
    expect(second.plant).toEqual(first.plant);
    expect(JSON.stringify(second.plant)).toContain(TOKEN);
  });
});

describe('readSecretOption', () => {
  const src = { name: 'webhook-token', env: 'TAKT_WEBHOOK_TOKEN' };
  it('reads the secret from a file (without its trailing newline) and names an unreadable or empty file', () => {
    const f = join(dir, 'token');
    writeFileSync(f, 's3cret\n');
    expect(readSecretOption({ ...src, file: f }, () => undefined, {})).toBe('s3cret');
    expect(() => readSecretOption({ ...src, file: join(dir, 'nope') }, () => undefined, {})).toThrow(/--webhook-token-file .*nope cannot be read/);
    writeFileSync(f, '');
    expect(() => readSecretOption({ ...src, file: f }, () => undefined, {})).toThrow(/is empty/);
  });
  it('takes the environment, and warns when the secret is on the command line', () => {
    expect(readSecretOption(src, () => undefined, { TAKT_WEBHOOK_TOKEN: 'from-env' })).toBe('from-env');
    const warnings: string[] = [];
    expect(readSecretOption({ ...src, flag: 'x' }, (l) => warnings.push(l), {})).toBe('x');
    expect(warnings[0]).toMatch(/process list.*--webhook-token-file/);
    expect(() => readSecretOption({ ...src, flag: 'x', file: 'y' }, () => undefined, {})).toThrow(/both given/);
  });
});

describe('the business store', () => {
  it('keeps the plant versions without connector secrets', async () => {
    const plant = { site: { id: 'p' }, connectors: [{ id: 'erp', kind: 'rest', options: { url: 'http://h/o?api_key=K-STORE', token: TOKEN, headers: { 'X-Key': 'hk-secret' } } }] };
    const store = await openCommitStore(dir);
    try {
      const id = await store.serial(() => store.plantVersion('p', 'h1', plant, 0));
      const doc = await store.db.plant_versions.findOne(id).exec();
      const text = JSON.stringify(doc!.toJSON());
      for (const secret of [TOKEN, 'K-STORE', 'hk-secret']) expect(text).not.toContain(secret);
      expect(text).toContain(REDACTED);
      expect(plant.connectors[0]!.options.token).toBe(TOKEN);
    } finally {
      await store.close();
    }
  });
});
