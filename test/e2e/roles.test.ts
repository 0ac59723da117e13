/**
 * Roles against the real server (browser mode on a free port, commit fixture plant): people sign
 * in with real accounts (POST /auth/signin with a password, the session cookie it sets), then use
 * the WebSocket and the HTTP API as the console does. A spoofed `by` is ignored (the core records
 * the signed-in person, over the protocol and over HTTP); four eyes holds between two real
 * accounts, and the committer cannot approve by naming the other planner; an operator's commit is
 * answered `forbidden` naming the permission and audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrowserMode, type BrowserMode } from '../../main/core/hosts/browser/browser-mode';
import { connectProtocolClient } from '../../main/core/hosts/browser/ws-transport';
import { ensureRendererBuilt, repoRoot, signedIn, TEST_SCRYPT } from './core';
import { signalMaker } from './signals';
import type { ProtocolClient } from '../../shared/protocol/client';
import { failure, until } from '../helpers/until';

const plantFile = join(repoRoot, 'test', 'fixtures', 'commit', 'commit-plant.yaml');
const rulesFile = join(repoRoot, 'test', 'fixtures', 'commit', 'commit-rules.yaml');
const dataDir = mkdtempSync(join(tmpdir(), 'takt-roles-e2e-'));
const PASSWORD = 'correct horse battery staple';
let bm: BrowserMode;
const open: (ProtocolClient & { close(): void })[] = [];

/** Signs in with a password as a person would; the session cookie's value. */
async function signIn(username: string): Promise<string> {
  const r = await fetch(new URL('/auth/signin', bm.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
  expect(r.status, await r.clone().text()).toBe(200);
  const cookie = /takt_session=([^;]+)/.exec(r.headers.get('set-cookie') ?? '')?.[1];
  expect(cookie, 'a session cookie').toBeTruthy();
  return cookie!;
}

/** A console's WebSocket for an account, signed in with its password. */
async function consoleOf(username: string) {
  const session = await signIn(username);
  const c = await connectProtocolClient(`ws://${new URL(bm.url).host}/ws`, 30_000, { session });
  open.push(c);
  return { client: c, session };
}

beforeAll(async () => {
  ensureRendererBuilt();
  bm = await startBrowserMode({ port: 0, dataDir, plantFile, rulesFile, simulator: false, speed: 60, quiet: true, auth: { accounts: { scrypt: TEST_SCRYPT } } });
  for (const [username, personId] of [['pia', 'a-planner'], ['ben', 'b-planner'], ['otto', 'a-operator']] as const) await bm.auth.accounts.add({ username, personId, password: PASSWORD });
}, 60_000);

afterAll(async () => {
  open.forEach((c) => c.close());
  await bm?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('roles against the real server', () => {
  let exceptionId = '';

  it('ignores a spoofed by: the core records the signed-in person', { timeout: 60_000 }, async () => {
    // A machine (token with the ingest scope) reports the line down.
    const machine = await signedIn(bm.auth, bm.url).connect();
    open.push(machine);
    const view = await machine.call('twin.view');
    const line = view.lines.find((l) => l.queue.length > 0 || l.currentOrderId)!;
    const downMachine = view.machines.find((m) => m.lineId === line.id)!.id;
    const sm = await signalMaker(machine, 'e2e-roles');
    await sm.send([sm.make('machine.state', { machine: downMachine, state: 'down', reason: 'e2e: roles' })]);
    exceptionId = (await until('the line-down exception', async () => (await machine.call('exceptions.list')).items.find((e) => e.type === 'line-down' && e.subject.lineId === line.id))).id;

    const { client: pia } = await consoleOf('pia');
    const acked = await pia.call('exceptions.acknowledge', { id: exceptionId, by: 'b-manager', comment: 'seen' });
    expect(acked.acknowledged?.by).toBe('a-planner');
    const audit = (await pia.call('audit.list', { subjectId: exceptionId })).items;
    expect(audit.map((e) => [e.kind, e.actor])).toEqual([['exception.acknowledged', 'a-planner']]);
  });

  it('four eyes with two real accounts; an operator may not commit', { timeout: 120_000 }, async () => {
    const { client: pia, session: piaSession } = await consoleOf('pia');
    const { client: ben } = await consoleOf('ben');
    const { client: otto } = await consoleOf('otto');
    const { options } = await pia.call('decide.options', { exceptionId });
    const reroute = options.find((o) => o.feasible && o.kind === 'reroute' && o.approvals.length > 0);
    expect(reroute, `a feasible reroute that needs an approval among ${options.map((o) => `${o.id}:${o.feasible}`).join(', ')}`).toBeTruthy();

    // The operator names a planner as `by`: still the operator, and refused by role.
    const refused = await failure(otto.call('decisions.commit', { exceptionId, optionId: reroute!.id, by: 'a-planner' }));
    expect(refused.code).toBe('forbidden');
    expect(refused.message).toMatch(/^Operator A \(operator\) may not commit\.option: needs a controller, planner, lead or manager/);
    expect((await pia.call('audit.list', { subjectId: exceptionId })).items.find((e) => e.kind === 'permission.denied')).toMatchObject({ actor: 'a-operator', payload: { permission: 'commit.option' } });

    // Pia commits, naming Ben: the receipt says Pia.
    const c = await pia.call('decisions.commit', { exceptionId, optionId: reroute!.id, by: 'b-planner', comment: 'move it' });
    expect(c.decision.committedBy).toBe('a-planner');
    const approval = c.approvals.find((a) => a.role === 'planner')!;
    expect(approval, 'a planner approval').toBeTruthy();
    // Pia cannot approve her own commit, whatever she names as `by`.
    const own = await failure(pia.call('approvals.decide', { id: approval.id, by: 'b-planner', verdict: 'approve', comment: 'fine by me' }));
    expect(own.message).toMatch(/^Planner A committed “.*” and may not also approve it \(four eyes\)/);
    // Ben can: the approval is his, even though he names Pia.
    const ok = await ben.call('approvals.decide', { id: approval.id, by: 'a-planner', verdict: 'approve', comment: 'checked' });
    expect(ok.approval).toMatchObject({ status: 'approved', decidedBy: 'b-planner' });

    // Over HTTP too: Pia acknowledges a planner's action naming someone else; the history says Pia.
    const action = await until('a planner action', async () => (await pia.call('actions.list', { decisionId: c.decision.id, role: 'planner' })).items[0]);
    const r = await fetch(new URL(`/api/actions/${action.id}/acknowledge`, bm.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `takt_session=${piaSession}` },
      body: JSON.stringify({ by: 'b-planner', comment: 'on it' }),
    });
    expect(r.status, await r.clone().text()).toBe(200);
    const moved = (await r.json()) as { status: string; history: { by: string; to: string }[] };
    expect(moved.status).toBe('acknowledged');
    expect(moved.history.at(-1)).toMatchObject({ by: 'a-planner', to: 'acknowledged' });
    expect((await pia.call('audit.verify')).ok).toBe(true);
  });
});
