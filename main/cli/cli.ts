/**
 * `takt`: the command line over the plant core. `npm start` runs `takt start`, `npm run serve`
 * runs `takt serve`.
 */
import { Command, InvalidArgumentError } from 'commander';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { startBrowserMode, DEFAULT_PORT, networkWithoutTlsMessage } from '../core/hosts/browser/browser-mode';
import { packageRoot } from '../core/package-root';
import { probeElectron, launchElectron } from './electron-launch';
import { readSecretOption } from './secret-option';
import { exitWhenFlushed } from './exit';
import { readTlsFiles } from './tls-files';
import { allowedOriginsFrom, isLoopbackHost } from '../core/hosts/browser/request-policy';
import { resetDataDir } from '../core/persistence/data-dir';
import { installWallClockOffset } from './wall-clock-offset';
import { installHeapSampler } from './heap-sampler';
import { oidcSettingsFrom, type OidcFlags } from './oidc-options';
import { parseNatsServers } from '../federation/nats-connection';
import { siteTokenProblem } from '../../shared/federation/subjects';
import { redactUrl } from '../../shared/plant/redact';
// The other commands load on use (`await import`): their modules (XML/CSV parsers, the store, the
// report renderer) would otherwise be loaded, compiled and run on every `takt serve` start.

const root = packageRoot();
const defaultData = process.env.TAKT_DATA ?? join(root, '.takt-data');

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
  return n;
};

interface ServeOptions extends OidcFlags {
  host: string;
  port: number;
  data: string;
  plant?: string;
  speed: number;
  seed: number;
  simulator: boolean;
  snapshotEvery: number;
  rules?: string;
  webhookToken?: string;
  webhookTokenFile?: string;
  webhookSecret?: string;
  webhookSecretFile?: string;
  reset?: boolean;
  allowOrigin: string[];
  tlsCert?: string;
  tlsKey?: string;
  nats?: string;
  site?: string;
  natsReplicas: number;
  summaryEvery: number;
}

/**
 * What a core process writes is private: the data folder's files (journal, store, caches, outbox
 * files, snapshots) are created 0600 and its folders 0700, whoever creates them (SQLite included).
 */
function privateCoreProcess(): void {
  process.umask(0o077);
}

/** `--reset`, run by browser mode once every other refusal has passed (and refused while a core uses the folder). */
function resetFolder(dir: string): void {
  const where = resetDataDir(dir);
  console.error(where ? `takt: --reset moved the data folder ${dir} aside to ${where} (nothing deleted); starting afresh` : `takt: --reset: ${dir} is empty or absent; starting afresh`);
}

async function serve(o: ServeOptions) {
  // Refusals about how the server would be reached come first, before --reset moves anything aside.
  const tls = readTlsFiles(o.tlsCert, o.tlsKey);
  if (!tls && !isLoopbackHost(o.host)) throw new Error(networkWithoutTlsMessage(o.host));
  const allowedOrigins = allowedOriginsFrom(o.allowOrigin, process.env.TAKT_ALLOWED_ORIGINS);
  const natsServers = o.nats !== undefined ? parseNatsServers(o.nats) : undefined;
  if (o.site !== undefined) {
    if (!natsServers) throw new Error('--site names the plant on NATS: give --nats too');
    const why = siteTokenProblem(o.site);
    if (why) throw new Error(`--site: ${why}`);
  }
  privateCoreProcess();
  installWallClockOffset();
  installHeapSampler();
  const warn = (l: string) => console.error(l);
  const oidc = oidcSettingsFrom(o, warn);
  const webhookToken = readSecretOption({ name: 'webhook-token', flag: o.webhookToken, file: o.webhookTokenFile, env: 'TAKT_WEBHOOK_TOKEN' }, warn);
  const webhookSecret = readSecretOption({ name: 'webhook-secret', flag: o.webhookSecret, file: o.webhookSecretFile, env: 'TAKT_WEBHOOK_SECRET' }, warn);
  const bm = await startBrowserMode({
    host: o.host,
    port: o.port,
    ...(tls ? { tls } : {}),
    allowedOrigins,
    dataDir: o.data,
    plantFile: o.plant,
    speed: o.speed,
    seed: o.seed,
    simulator: o.simulator,
    snapshotEveryMs: o.snapshotEvery * 1000,
    rulesFile: o.rules,
    webhookToken,
    webhookSecret,
    ...(oidc ? { oidc } : {}),
    log: (l) => console.error(l),
    ...(o.reset ? { reset: () => resetFolder(o.data) } : {}),
    // Announced as soon as the plant is valid and the page is served; the console connects when the rest of the core is up.
    onServing: (url) => console.log(`Takt is running in browser mode at ${url}`),
    // As notebook servers do: the link works once, until the first administrator exists.
    onFirstStart: (link) => console.log(`First start: no account exists yet. Open this link once to create the first administrator:\n  ${link}`),
  });
  // Federation publishes beside ingest; it connects in the background and never holds the core up.
  const fed = natsServers
    ? (await import('../federation/federation')).startFederation(bm.core, {
        servers: natsServers,
        ...(o.site !== undefined ? { site: o.site } : {}),
        replicas: o.natsReplicas,
        summaryEveryMs: o.summaryEvery * 1000,
        log: (l) => console.error(l),
      })
    : undefined;
  if (fed) console.error(`takt: publishing site '${fed.site}' to NATS ${natsServers!.map(redactUrl).join(', ')}`);
  const stop = () => {
    // What is committed goes to the stream first (briefly: a restart resumes from the stream anyway).
    (fed ? fed.drained(2000).then(() => fed.close()) : Promise.resolve())
      .then(() => bm.close())
      .then(
      () => exitWhenFlushed(0),
      (e: Error) => {
        console.error(`takt: stopping the server failed: ${e.message}`);
        exitWhenFlushed(1);
      },
    );
  };
  // The business store opens after start-up (browser mode defers it); a store that cannot open stops the server as it did before.
  bm.core.storeReady.catch(async (e: Error) => {
    console.error(`takt: the business store could not be opened: ${e.message}`);
    await fed?.close().catch(() => undefined);
    await bm.close().catch(() => undefined);
    exitWhenFlushed(1);
  });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

const program = new Command();
program.name('takt').description('Takt: the execution control room above a plant’s ERP and MES').version('0.1.0');

const serveOptions = (c: Command) =>
  c
    .option('--host <host>', 'address to bind (keep 127.0.0.1 unless consoles on other machines need it; any other address needs --tls-cert and --tls-key)', '127.0.0.1')
    .option('--tls-cert <file>', 'serve https and wss with this certificate (PEM; with --tls-key)')
    .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
    .option('--allow-origin <url>', "let pages from this origin (scheme://host:port) open the console's WebSocket and call the API, besides the console's own; repeatable (or env TAKT_ALLOWED_ORIGINS, comma-separated)", (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--port <port>', `port (0 picks a free one)`, int('port', 0, 65535), DEFAULT_PORT)
    .option('--data <dir>', 'data folder (journal, snapshots)', defaultData)
    .option('--plant <file>', 'plant file (YAML or JSON); the embedded demo plant when absent')
    .option('--speed <n>', 'plant time per real time, 1..600', int('speed', 1, 600), 60)
    .option('--seed <n>', 'seed of the embedded simulator', int('seed', 0, 2 ** 31), 1)
    .option('--no-simulator', 'do not run the embedded ERP/MES simulator (external connectors only)')
    .option('--snapshot-every <seconds>', 'seconds between persisted twin snapshots', int('snapshot-every', 1, 3600), 10)
    .option('--rules <file>', 'rules file (YAML or JSON); the shipped default rules when absent')
    .option('--reset', 'start over: move the data folder aside (to <data>.reset-<time>, nothing is deleted) and start afresh')
    .option('--webhook-token-file <file>', 'POST /api/signals needs Authorization: Bearer <the token in this file> (or env TAKT_WEBHOOK_TOKEN)')
    .option('--webhook-secret-file <file>', 'POST /api/signals needs X-Takt-Signature: sha256=<HMAC-SHA256 of the body, keyed by the secret in this file> (or env TAKT_WEBHOOK_SECRET)')
    .option('--oidc-issuer <url>', 'offer sign-in with this OpenID Connect identity provider (its issuer URL, https; http only on this machine)')
    .option('--oidc-client-id <id>', 'the client id registered for this console at the identity provider')
    .option('--oidc-client-secret-file <file>', 'the client secret, read from this file (or env TAKT_OIDC_CLIENT_SECRET); none for a public client')
    .option('--oidc-claim <claim>', 'the ID-token claim that names the person: email (default), preferred_username, upn, sub, or a custom claim')
    .option('--oidc-people-file <file>', 'YAML or JSON mapping claim values to plant person ids (e.g. "lukas.schulz@plant.example: A-001")')
    .option('--oidc-roles-claim <claim>', 'a groups/roles claim: only users it grants a Takt role (see --oidc-role-group) may sign in')
    .option('--oidc-role-group <group=role>', 'a group or role name in --oidc-roles-claim and the plant role it grants; repeatable', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--oidc-name <name>', 'how the sign-in page names the provider ("Sign in with <name>"); the issuer host by default')
    .option('--oidc-redirect-url <url>', "the callback URL registered at the provider (…/auth/oidc/callback); by default the console's address as the browser reached it")
    .option('--oidc-scope <scope>', 'an extra scope to ask for besides openid email profile (e.g. groups); repeatable', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--nats <urls>', 'publish this plant to NATS JetStream (its journal, a twin summary, its records): server URLs, comma-separated (nats://host:4222,nats://host2:4222)')
    .option('--site <id>', "the plant's name on NATS (subjects takt.<site>.…); the plant file's site id by default")
    .option('--nats-replicas <n>', 'replicas of the streams this core creates (3 for a three-node cluster; 1 for a single lab server)', int('nats-replicas', 1, 5), 3)
    .option('--summary-every <seconds>', 'seconds between twin summaries on NATS (sooner when something changes)', int('summary-every', 1, 3600), 5)
    .option('--webhook-token <token>', 'as --webhook-token-file, the token itself (visible in the process list: prefer the file or the environment)')
    .option('--webhook-secret <secret>', 'as --webhook-secret-file, the secret itself (visible in the process list: prefer the file or the environment)');

serveOptions(program.command('start').description('open the desktop app; browser mode when Electron is not available')).action(async (o) => {
  const main = join(root, 'dist', 'electron', 'main.cjs');
  const probe = existsSync(main) ? probeElectron(root) : ({ ok: false, reason: 'the Electron shell is not built' } as const);
  if (probe.ok) {
    // The desktop window signs in with local accounts; say so rather than drop the flags silently.
    if (oidcSettingsFrom(o, (l) => console.error(l))) console.error('takt: --oidc-* apply to browser mode (takt serve); the desktop app ignores them and signs in with local accounts');
    privateCoreProcess();
    if (o.reset) resetFolder(o.data);
    return exitWhenFlushed(await launchElectron(probe.binary, main, ['--data', o.data, ...(o.plant ? ['--plant', o.plant] : [])]));
  }
  console.log(`Electron is not available here (${probe.reason}); starting browser mode instead.`);
  await serve(o);
});

serveOptions(program.command('serve').description('run the plant core headless and serve the console to browsers')).action(serve);

program
  .command('validate')
  .description('check a plant file and report every problem with file, path, line and column')
  .argument('<file>', 'plant file (YAML or JSON)')
  .option('--json', 'print the issues as JSON')
  .action(async (file: string, o: { json?: boolean }) => exitWhenFlushed(await (await import('./validate')).validateCommand(file, o)));

program
  .command('replay')
  .description('reconstruct the twin at a past instant from snapshots and the journal')
  .requiredOption('--until <time>', 'ISO 8601 instant (e.g. 2026-11-26T10:30:00Z) or milliseconds since the epoch')
  .option('--data <dir>', 'data folder', defaultData)
  .option('--plant <file>', 'plant file the data folder was recorded with')
  .option('--json', 'print the whole twin view as JSON')
  .action(async (o: { until: string; data: string; plant?: string; json?: boolean }) => exitWhenFlushed(await (await import('./replay')).replayCommand(o)));

program
  .command('simulate')
  .description('run a what-if scenario headless from the plant’s opening state and print the KPIs')
  .requiredOption('--scenario <file>', 'scenario file (YAML or JSON), e.g. resources/scenarios/line-down-2h.yaml')
  .option('--plant <file>', 'plant file (YAML or JSON); the embedded demo plant when absent')
  .option('--json', 'print the KPIs, orders and Gantt rows as JSON')
  .option('--replications <n>', 'risk mode: replications with seeded stochastic breakdowns', int('replications', 1, 100_000))
  .option('--seed <n>', 'seed (overrides the scenario’s)', int('seed', 0, 2 ** 31))
  .action(async (o: { scenario: string; plant?: string; json?: boolean; replications?: number; seed?: number }) => exitWhenFlushed(await (await import('./simulate')).simulateCommand(o)));

program
  .command('import')
  .description('import a B2MML (XML) or CSV file of orders, inventory or actuals into a running core, after a preview')
  .argument('<file>', 'B2MML V0401/V07 XML, or CSV')
  .option('--mapping <file>', 'CSV column mapping (YAML or JSON); without it the CSV headers must be Takt field names')
  .option('--dry-run', 'show the preview only; send nothing')
  .option('--skip-bad-rows', 'import the good records even when some have errors')
  .option('--core <url>', `the running core’s WebSocket (default: "ws://127.0.0.1:${DEFAULT_PORT}/ws")`)
  .option('--token-file <file>', 'the core’s API token (takt tokens create import --scopes ingest,read), or env TAKT_TOKEN')
  .option('--plant <file>', 'plant file for a --dry-run without a core (the demo plant when absent)')
  .option('--customer <id>', 'B2MML: customer for requests without a Customer parameter')
  .option('--location <id>', 'B2MML: storage location for lots that name none')
  .option('--utc-offset <offset>', 'B2MML: offset for date-times written without a zone (Z, +01:00)')
  .option('--json', 'print the preview as JSON')
  .action(async (file: string, o: { mapping?: string; dryRun?: boolean; skipBadRows?: boolean; core?: string; tokenFile?: string; plant?: string; customer?: string; location?: string; utcOffset?: string; json?: boolean }) => {
    const { tokenFile, ...rest } = o;
    const token = readSecretOption({ name: 'token', file: tokenFile, env: 'TAKT_TOKEN' }, (l) => console.error(l));
    exitWhenFlushed(await (await import('./import')).importCommand(file, { ...rest, ...(token ? { token } : {}) }));
  });

const users = program.command('users').description('the accounts that sign in to the console (in the data folder)');
users
  .command('add')
  .description('add an account for one of the plant’s people; the password is read from --password-file, standard input, or asked for')
  .argument('<username>', 'user name (a-z, 0-9, . _ - @)')
  .requiredOption('--person <id>', 'the plant person it signs in as (crews → members → id)')
  .option('--admin', 'may manage users')
  .option('--password-file <file>', 'read the password from this file')
  .option('--data <dir>', 'data folder', defaultData)
  .action(async (username: string, o: { person: string; admin?: boolean; passwordFile?: string; data: string }) => exitWhenFlushed(await (await import('./users')).usersAdd({ ...o, username })));
users
  .command('list')
  .description('list the accounts (no passwords)')
  .option('--data <dir>', 'data folder', defaultData)
  .option('--json', 'print as JSON')
  .action(async (o: { data: string; json?: boolean }) => exitWhenFlushed(await (await import('./users')).usersList(o)));
users
  .command('disable')
  .description('stop an account from signing in, and end its sessions')
  .argument('<username>')
  .option('--data <dir>', 'data folder', defaultData)
  .action(async (username: string, o: { data: string }) => exitWhenFlushed(await (await import('./users')).usersDisable({ ...o, username })));
users
  .command('enable')
  .description('let a disabled account sign in again')
  .argument('<username>')
  .option('--data <dir>', 'data folder', defaultData)
  .action(async (username: string, o: { data: string }) => exitWhenFlushed(await (await import('./users')).usersDisable({ ...o, username, enable: true })));
users
  .command('reset')
  .description('set a new password (also unlocks and enables the account, and ends its sessions)')
  .argument('<username>')
  .option('--password-file <file>', 'read the password from this file')
  .option('--data <dir>', 'data folder', defaultData)
  .action(async (username: string, o: { data: string; passwordFile?: string }) => exitWhenFlushed(await (await import('./users')).usersReset({ ...o, username })));

const tokens = program.command('tokens').description('API tokens for machines: connectors, webhooks, takt import');
tokens
  .command('create')
  .description('create a token and print it once (stored hashed)')
  .argument('<name>', 'what uses it, e.g. mes-webhook')
  .requiredOption('--scopes <list>', 'comma-separated: ingest, read, actions')
  .option('--person <id>', "the plant person an 'actions' token reports for (required with that scope): what it records names them")
  .option('--data <dir>', 'data folder', defaultData)
  .action(async (name: string, o: { scopes: string; data: string; person?: string }) => exitWhenFlushed(await (await import('./users')).tokensCreate({ ...o, name })));
tokens
  .command('list')
  .description('list the tokens (never their secrets)')
  .option('--data <dir>', 'data folder', defaultData)
  .option('--json', 'print as JSON')
  .action(async (o: { data: string; json?: boolean }) => exitWhenFlushed(await (await import('./users')).tokensList(o)));
tokens
  .command('revoke')
  .description('refuse a token from now on (a running core too)')
  .argument('<token>', 'its id or name')
  .option('--data <dir>', 'data folder', defaultData)
  .action(async (token: string, o: { data: string }) => exitWhenFlushed(await (await import('./users')).tokensRevoke({ ...o, token })));

program
  .command('schedule')
  .description('optimize a schedule problem file: assign and sequence its orders across lines')
  .option('--problem <file>', 'schedule problem (JSON): lines, orders, changeovers…')
  .option('--time-limit-ms <n>', 'search time in milliseconds; the best plan found is printed', int('time-limit-ms', 1, 3_600_000), 5000)
  .option('--seed <n>', 'seed of the search', int('seed', 0, 2 ** 31), 1)
  .option('--json', 'print the plan as one JSON object (the last line)')
  .option('--data <dir>', "re-plan this data folder's twin (at its journal's end) and write the plan as a what-if scenario file")
  .option('--hours <n>', 'with --data: the hours ahead to re-plan (orders starting or due within them)', int('hours', 1, 24 * 7))
  .option('--max-moved <n>', 'with --data: the most orders the re-plan may move', int('max-moved', 0, 100_000))
  .option('--out <file>', 'with --data: the scenario file to write (default <data>/replan-<time>.yaml)')
  .option('--plant <file>', 'with --data: plant file the data folder was recorded with')
  .action(async (o: { problem?: string; timeLimitMs: number; seed: number; json?: boolean; data?: string; hours?: number; maxMoved?: number; out?: string; plant?: string }) => {
    const { out, ...rest } = o;
    process.exit(await (await import('./schedule')).scheduleCommand({ ...rest, ...(out !== undefined ? { outFile: out } : {}) }));
  });

const audit = program.command('audit').description('the commit records\u2019 audit trail');
audit
  .command('verify')
  .description('check the hash chains of decision receipts and audit entries; exits 1 on a broken chain')
  .option('--data <dir>', 'data folder (stop the core first: it holds the store)', defaultData)
  .option('--json', 'print the check as JSON')
  .action(async (o: { data: string; json?: boolean }) => exitWhenFlushed(await (await import('./audit')).auditVerifyCommand(o)));

program
  .command('backtest')
  .description("replay the data folder's journal under a candidate rule set and list what it would have changed: exceptions, decisions, approvals, forecast KPIs")
  .requiredOption('--rules <file>', 'the candidate rule set (YAML or JSON)')
  .option('--data <dir>', 'data folder whose journal to replay (read only)', defaultData)
  .option('--baseline <file>', "one rule set to judge the whole period as recorded (default: the rule sets the folder's history says were active, switching at each activation; before it, the folder's active rules, else the shipped default)")
  .option('--plant <file>', 'plant file the data folder was recorded with; the embedded demo plant when absent')
  .option('--from <time>', 'start of the period (ISO 8601 or epoch ms; default: the journal start)')
  .option('--to <time>', 'end of the period (default: the journal end)')
  .option('--step <minutes>', 'plant minutes between detection passes', int('step', 1, 1440), 5)
  .option('--max-decisions <n>', 'most decision points evaluated (options ranked and forecast under both rule sets); later ones are counted only', int('max-decisions', 0, 100_000), 200)
  .option('--out <file.pdf>', 'also write a one-page PDF report')
  .option('--json', 'print the whole result as JSON')
  .action(async (o: { rules: string; data: string; baseline?: string; plant?: string; from?: string; to?: string; step: number; maxDecisions: number; out?: string; json?: boolean }) => exitWhenFlushed(await (await import('./backtest')).backtestCommand(o)));

program
  .command('report')
  .description('the shift report of a data folder as a one-page PDF (and CSV for every table)')
  .requiredOption('--shift <time>', 'an instant in the shift (its start, ISO 8601 or epoch ms)')
  .requiredOption('--out <file.pdf>', 'PDF to write')
  .option('--csv <dir>', 'also write every table as CSV into this folder')
  .option('--png', 'also write a PNG of the page next to the PDF')
  .option('--data <dir>', 'data folder (stop the core first: it holds the store)', defaultData)
  .option('--plant <file>', 'plant file; the embedded demo plant when absent')
  .option('--json', 'print what was written as JSON')
  .action(async (o: { shift: string; out: string; csv?: string; png?: boolean; data: string; plant?: string; json?: boolean }) => exitWhenFlushed(await (await import('./report')).reportCommand(o)));

program
  .command('review')
  .description('how good the committed decisions were: the weekly roll-up (forecast accuracy, regret, cycle time), or one decision in full')
  .option('--decision <id>', 'one decision: its receipt forecast against what happened, each order end\u2019s error, regret and what hindsight could not check')
  .option('--data <dir>', 'data folder (stop the core first: it holds the store)', defaultData)
  .option('--plant <file>', 'plant file; the embedded demo plant when absent')
  .option('--json', 'print the review as JSON')
  .action(async (o: { decision?: string; data: string; plant?: string; json?: boolean }) => exitWhenFlushed(await (await import('./review')).reviewCommand(o)));

program.parseAsync(process.argv).catch((e: Error) => {
  console.error(`takt: ${e.message}`);
  exitWhenFlushed(1);
});
