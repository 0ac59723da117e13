/**
 * "Commit scenario" in the What-if view, in Chromium against the real core in browser mode (the
 * commit fixture plant, no simulator): a scenario that moves an order to another line is written
 * as YAML and compared with the plan as is; without a person the button is greyed and says why;
 * an operator is refused with the core's words; a controller commits it and the receipt appears
 * under the comparison with the scenario's KPIs against the plan as is and the planner's approval
 * pending; the planner approves in the same receipt and the decision is dispatched (the twin's
 * order moves). The audit view lists the newest entry first. No page errors; axe finds no
 * serious/critical violation in the view. Screenshot: test-results/screenshots/whatif-commit-1920x1080.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { startBrowserMode, type BrowserMode } from '../../main/core/hosts/browser/browser-mode';
import { launchChromium, watchPage, SETUP_TIMEOUT_MS, signedInPage, VIEWER, handOver } from './browser';
import { ensureRendererBuilt, repoRoot, TEST_AUTH, signedIn, type SignedIn } from './core';
import type { ProtocolClient } from '../../shared/protocol/client';

const plantFile = join(repoRoot, 'test', 'fixtures', 'commit', 'commit-plant.yaml');
const rulesFile = join(repoRoot, 'test', 'fixtures', 'commit', 'commit-rules.yaml');
const dataDir = mkdtempSync(join(tmpdir(), 'takt-commit-scenario-ui-'));
const shots = join(repoRoot, 'test-results', 'screenshots');
let bm: BrowserMode;
let sign: SignedIn;
let browser: Browser;
let client: ProtocolClient & { close(): void };
let page: Page;
let watch: { errors: string[] };

beforeAll(async () => {
  ensureRendererBuilt();
  bm = await startBrowserMode({ port: 0, dataDir, plantFile, rulesFile, simulator: false, speed: 60, quiet: true, auth: TEST_AUTH });
  client = await (sign = signedIn(bm.auth, bm.url)).connect();
  browser = await launchChromium();
  page = await (signedInPage(browser, sign, VIEWER, { viewport: { width: 1920, height: 1080 } }));
  watch = watchPage(page);
  mkdirSync(shots, { recursive: true });
}, 60_000);

afterAll(async () => {
  sign?.closeClients();
  client?.close();
  await browser?.close();
  await bm?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The console is handed over to `id` (sign-out, their sign-in): the session is the person. */
async function actAs(id: string) {
  await handOver(page, sign, id);
}

const YAML = `takt: scenario
name: Plain to L1
horizonHours: 24
seed: 1
disruptions:
  - { type: line-down, line: L2, atHours: 0, hours: 3 }
moves:
  - { type: move, order: O4, line: L1 }
`;

describe('commit a scenario from the What-if view', () => {
  it('compares, commits as a controller, shows the receipt and takes the planner’s approval', { timeout: 120_000 }, async () => {
    await page.goto(`${bm.url}#/what-if`);
    await page.locator('[data-testid="connection"][data-status="open"]').waitFor({ timeout: SETUP_TIMEOUT_MS });
    await page.getByTestId('scenario-yaml').fill(YAML);
    await expect.poll(() => page.getByTestId('scenario-errors').innerText(), { timeout: 15_000 }).toMatch(/Valid: 1 disruptions, 1 moves/);
    await page.getByTestId('compare').click();
    await page.getByTestId('kpi-table').waitFor({ timeout: 20_000 });
    const button = page.locator('[data-testid="commit-scenario"][data-name="Plain to L1"]');
    await button.waitFor();
    // An operator may not commit: the core's refusal is shown as it is.
    await actAs('a-operator');
    await button.click();
    await expect.poll(() => page.getByTestId('scenario-commit-error').innerText(), { timeout: 10_000 }).toMatch(/\(operator\) may not commit\.scenario: needs a /);
    expect((await client.call('decisions.list')).items).toEqual([]);

    await actAs('a-controller');
    await page.getByTestId('scenario-commit-comment').fill('e2e: L2 CIP fault');
    await button.click();
    const receipt = page.locator('[data-testid="scenario-commit"] [data-testid="receipt"]');
    await receipt.waitFor({ timeout: 15_000 });
    await expect.poll(() => receipt.getAttribute('data-status')).toBe('pending-approval');
    const [d] = (await client.call('decisions.list')).items;
    expect(d?.replayInput?.scenario?.name).toBe('Plain to L1');
    expect(d?.committedBy).toBe('a-controller');
    expect(d?.comment).toBe('e2e: L2 CIP fault');
    await expect(receipt.getAttribute('data-id')).resolves.toBe(d!.id);
    const kpis = receipt.getByTestId('receipt-scenario-kpis');
    await expect(kpis.innerText()).resolves.toMatch(/Plan as is\s+Plain to L1/);
    // Utilisation reads in percent (a fraction in the data), its difference in points, as in the comparison above.
    await expect(kpis.locator('tr', { hasText: 'Utilisation' }).innerText()).resolves.toMatch(/\d %\s.*(\d|0) ?(pt|—)/s);
    await expect(receipt.getByTestId('receipt-scenario').innerText()).resolves.toMatch(/O4 to L1/);
    await expect(receipt.innerText()).resolves.toContain(`journal position ${d!.journalPosition}`);
    await expect(page.getByTestId('scenario-decision-status').getAttribute('data-status')).resolves.toBe('pending-approval');
    await page.screenshot({ path: join(shots, 'whatif-commit-1920x1080.png') });
    const r = await new AxeBuilder({ page }).include('[data-testid="scenario-commit"]').analyze();
    expect(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`)).toEqual([]);

    // The planner approves in the same receipt; the last approval dispatches.
    const approvals = (await client.call('approvals.list', { decisionId: d!.id })).items;
    expect(approvals.map((a) => a.role)).toContain('planner');
    for (const a of approvals) {
      const who = (await client.call('plant.get')).crews.flatMap((c) => c.members).find((m) => m.role === a.role)!.id;
      await actAs(who);
      const row = receipt.locator(`[data-testid="approval"][data-id="${a.id}"]`);
      await row.getByTestId('approval-comment').fill('e2e: fine by me');
      await row.getByTestId('approve').click();
      await expect.poll(() => row.getAttribute('data-status'), { timeout: 10_000 }).toBe('approved');
    }
    await expect.poll(() => receipt.getAttribute('data-status'), { timeout: 15_000 }).toMatch(/dispatched|closed/);
    await expect.poll(async () => (await client.call('twin.view')).orders.find((o) => o.id === 'O4')?.lineId, { timeout: 10_000 }).toBe('L1');
    await expect.poll(() => receipt.locator('[data-testid="action-card"]').count(), { timeout: 10_000 }).toBeGreaterThan(0);

    // The decisions view lists it under recent decisions and opens its receipt by the decision's id.
    await page.goto(`${bm.url}#/decisions`);
    const link = page.locator(`[data-testid="recent-decisions"] a[href="#/decisions/${encodeURIComponent(d!.id)}"]`);
    await link.click({ timeout: 15_000 });
    await expect.poll(() => page.locator(`[data-testid="workbench"] [data-testid="receipt"][data-id="${d!.id}"]`).count(), { timeout: 10_000 }).toBe(1);
    expect(watch.errors).toEqual([]);
  });

  it('the audit view lists the newest entry first', async () => {
    const { total } = await client.call('audit.list', { limit: 1 });
    await page.goto(`${bm.url}#/audit`);
    const first = page.locator('[data-testid="audit-row"]').first();
    await first.waitFor({ timeout: SETUP_TIMEOUT_MS });
    await expect.poll(async () => Number(await first.locator('td').first().innerText()), { timeout: 10_000 }).toBeGreaterThanOrEqual(total - 1);
    expect(watch.errors).toEqual([]);
  });
});
