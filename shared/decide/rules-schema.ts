/**
 * The rule set: explicit, versioned data that decisions are made with. Every decision records
 * the rule set's `version` (a name people read, e.g. "2026.11-1") and its content `hash` (what
 * actually ran). Sections:
 *  - priority: how much an order matters (tier weights, service levels, due-date urgency,
 *    order priority, lateness penalties per hour per tier);
 *  - constraints: what must be true before an order may run on a line (allergen sequencing,
 *    tooling, material for the whole run, crew skills and shift coverage, line capability);
 *  - escalation: who must approve which change, and whom to escalate to after how long;
 *  - exceptions: detection horizons and thresholds, priorities, shelving, suppression, flood;
 *  - kpiTargets: targets for the charts;
 *  - permissions: which roles may commit, approve, acknowledge, activate rules, ingest… (the core checks every call).
 * Shape checks live here; cross-references against a plant in ./rules-parse.ts.
 */
import { z } from 'zod';
import { permissionTableSchema } from '../auth/permissions';
import { roles } from '../plant/schema';

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'an id: letters, digits, _ . - (max 64), starting with a letter or digit');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM');
const nonNegative = z.number().finite().nonnegative();
const positive = z.number().finite().positive();
const share = z.number().min(0).max(1);

export const tiers = ['A', 'B', 'C'] as const;
export type Tier = (typeof tiers)[number];
/** Person roles as the plant file declares them (../plant/schema.ts). */
export { roles } from '../plant/schema';
export type Role = (typeof roles)[number];
export const exceptionTypes = ['line-down', 'material-shortage', 'qa-hold', 'late-risk', 'changeover-overrun', 'crew-gap', 'rush-order'] as const;
export type ExceptionType = (typeof exceptionTypes)[number];
/** ISA-18.2 priorities, most urgent first. */
export const exceptionPriorities = ['critical', 'high', 'medium', 'low'] as const;
export type ExceptionPriority = (typeof exceptionPriorities)[number];

const tierRule = z
  .object({
    /** Relative weight of an order for this tier. */
    weight: positive,
    /** Penalty (currency units) per hour an order of this tier is late. */
    latePenaltyPerHour: nonNegative,
    /** Service level assumed when a customer of this tier declares none. */
    serviceLevel: share.optional(),
  })
  .strict();

export const priorityRulesSchema = z
  .object({
    tiers: z.object({ A: tierRule, B: tierRule, C: tierRule }).strict(),
    /** Multiplier per point of service level above `baseline`: factor = 1 + weight × (serviceLevel − baseline) × 10. */
    serviceLevel: z.object({ weight: nonNegative.default(1), baseline: share.default(0.9) }).strict().default({ weight: 1, baseline: 0.9 }),
    /** Urgency rises linearly from 0 (due `horizonHours` or more ahead) to 1 (due now or overdue). */
    dueDate: z.object({ weight: nonNegative.default(1), horizonHours: positive.default(48) }).strict().default({ weight: 1, horizonHours: 48 }),
    /** Weight per order priority (1 most urgent … 5 least). */
    orderPriority: z.object({ 1: positive, 2: positive, 3: positive, 4: positive, 5: positive }).strict(),
    /** Per-customer weight multipliers (ids from the plant's customers). */
    customers: z.record(id, z.object({ weight: positive }).strict()).default({}),
  })
  .strict();

const requirement = z.object({ clean: z.boolean().default(false), qaRelease: z.boolean().default(false) }).strict();

export const allergenRuleSchema = z
  .object({
    id,
    description: z.string().max(300).optional(),
    /** The previous run: a family listed here, or a family carrying one of these allergens. */
    from: z.object({ families: z.array(id).default([]), allergens: z.array(id).default([]) }).strict(),
    /** The next run: a family listed here, or a family WITHOUT one of these allergens (a "free-from" run). */
    to: z.object({ families: z.array(id).default([]), without: z.array(id).default([]) }).strict(),
    /** What the changeover must include, or `forbid: true` for a transition that may never run. */
    require: requirement.default({ clean: true, qaRelease: true }),
    forbid: z.boolean().default(false),
    /** Only on these lines (all lines when empty). */
    lines: z.array(id).default([]),
  })
  .strict();

export const constraintRulesSchema = z
  .object({
    allergens: z
      .object({
        enabled: z.boolean().default(true),
        /** Any transition to a family lacking an allergen of the previous one needs this (null: only the listed rules). */
        defaultRequire: requirement.nullable().default({ clean: true, qaRelease: true }),
        rules: z.array(allergenRuleSchema).default([]),
        /** A QA release needs someone with this role on the shift that covers the changeover. */
        qaRole: z.enum(roles).default('qa'),
      })
      .strict()
      .prefault({}),
    tooling: z.object({ enabled: z.boolean().default(true) }).strict().prefault({}),
    material: z
      .object({
        enabled: z.boolean().default(true),
        /** Count purchase orders whose ETA is before the run starts. */
        includeInbound: z.boolean().default(true),
        /** Stock in these location kinds is not available to production. */
        excludeLocationKinds: z.array(z.enum(['warehouse', 'line-side', 'quarantine', 'dock'])).default(['quarantine']),
        /** Reserve material for orders projected to start earlier. */
        reserveForEarlierOrders: z.boolean().default(true),
        /** Keep this share of the requirement as a safety margin (0.05 = 5 %). */
        safetyMargin: share.default(0),
      })
      .strict()
      .prefault({}),
    crew: z
      .object({
        enabled: z.boolean().default(true),
        /** The line's crew skills must be present in the crew on shift. */
        requireSkills: z.boolean().default(true),
        /** Every hour of the run must be covered by a shift. */
        requireShiftCoverage: z.boolean().default(true),
        /** Roles that count towards a line's crew size. */
        staffRoles: z.array(z.enum(roles)).min(1).default(['operator', 'lead']),
      })
      .strict()
      .prefault({}),
    lineCapability: z
      .object({
        enabled: z.boolean().default(true),
        /** A run longer than this (hours) fails: split the order. */
        maxRunHours: positive.optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const trigger = z.discriminatedUnion('kind', [
  /** Moving an order to another line; `tiers` limits it to orders of those customer tiers. */
  z.object({ kind: z.literal('reroute'), tiers: z.array(z.enum(tiers)).default([]) }).strict(),
  /** Any changeover that needs an allergen clean or a QA release. */
  z.object({ kind: z.literal('allergen-changeover') }).strict(),
  /** A change whose estimated cost exceeds `above` (currency units). */
  z.object({ kind: z.literal('cost'), above: nonNegative }).strict(),
  z.object({ kind: z.literal('split'), tiers: z.array(z.enum(tiers)).default([]) }).strict(),
  z.object({ kind: z.literal('overtime'), aboveHours: nonNegative.default(0) }).strict(),
  z.object({ kind: z.literal('expedite'), above: nonNegative.default(0) }).strict(),
]);

export const escalationRuleSchema = z
  .object({
    id,
    description: z.string().max(300).optional(),
    when: trigger,
    /** Role that must approve. */
    approver: z.enum(roles),
    /** Minutes the approver has before it escalates. */
    escalateAfterMinutes: positive,
    escalateTo: z.enum(roles),
  })
  .strict();

const priorityOf = z.enum(exceptionPriorities);

export const maintenanceWindowSchema = z
  .object({
    line: id,
    start: hhmm,
    end: hhmm,
    /** Days of week (0 Sunday … 6 Saturday); every day when empty. */
    days: z.array(z.number().int().min(0).max(6)).default([]),
    reason: z.string().min(1).max(200).default('planned maintenance'),
  })
  .strict();

export const exceptionRulesSchema = z
  .object({
    /** Raise a material shortage when it would occur within this many hours. */
    materialShortageHorizonHours: positive.default(8),
    /** A changeover or clean running this many minutes past its plan is an overrun. */
    changeoverOverrunMinutes: nonNegative.default(15),
    /** An order projected to finish more than this many minutes after its due time is at risk. */
    lateRiskMinutes: nonNegative.default(0),
    /** A new order due within this many hours of its arrival is a rush order. */
    rushOrderHours: positive.default(8),
    /** Fewer people on a running line than needed, by at least this many, is a crew gap. */
    crewGapMinPeople: z.number().int().positive().default(1),
    /** Priority per exception type. */
    priorities: z
      .object(Object.fromEntries(exceptionTypes.map((t) => [t, priorityOf])) as Record<ExceptionType, typeof priorityOf>)
      .partial()
      .strict()
      .default({}),
    /** Orders of these tiers raise order exceptions (late risk, rush, shortage) at least at this priority. */
    tierPriorityFloor: z.object({ A: priorityOf.optional(), B: priorityOf.optional(), C: priorityOf.optional() }).strict().default({}),
    /** Longest a person may shelve an exception. */
    shelveMaxMinutes: positive.default(480),
    /** Suppressed by design: conditions that are expected and need no one's attention. */
    suppression: z
      .object({
        maintenanceWindows: z.array(maintenanceWindowSchema).default([]),
        /** A line that is down while it has no current or queued order. */
        idleLinesWithoutOrders: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** Flood: more than `maxNew` new exceptions per `windowMinutes` per operator position. */
    flood: z
      .object({ maxNew: z.number().int().positive().default(10), windowMinutes: positive.default(10), operators: z.number().int().positive().default(1) })
      .strict()
      .prefault({}),
    /** Closed exceptions kept for the record (newest first). */
    keepClosed: z.number().int().min(0).max(100_000).default(500),
  })
  .strict();

/** Kinds of dispatched action (shared/commit/records.ts `actionKinds`; repeated here so the rule set stays self-contained). */
export const workflowActionKinds = ['kitting', 'line-clearance', 'qa-release', 'changeover-readiness', 'maintenance-window', 'schedule-communication'] as const;

/**
 * A workflow template: what a committed decision expands into. `per` says how many:
 * one per decision (only when the chosen option changes the plan), one per moved order (on the
 * line it moves to), or one for the exception's line (e.g. the maintenance window of a line that
 * is down). `dueMinutes` is the action's SLA from dispatch; an action still open `escalateAfterMinutes`
 * past its due time escalates to `escalateTo`. `gate: true` makes the moved order's run on its
 * target line wait for the action (readiness-gated dispatch).
 */
export const workflowTemplateSchema = z
  .object({
    id,
    kind: z.enum(workflowActionKinds),
    role: z.enum(roles),
    title: z.string().min(1).max(200),
    per: z.enum(['decision', 'moved-order', 'exception-line']).default('moved-order'),
    /** Only for exceptions of these types (all when empty). */
    exceptionTypes: z.array(z.enum(exceptionTypes)).default([]),
    /** Only for options of these kinds (shared/decide/options.ts OptionKind; all when empty). */
    optionKinds: z.array(z.enum(['wait', 'reroute', 'reroute-all', 'resequence', 'split', 'pull-ahead', 'expedite', 'pause-held', 'as-planned', 'replan'])).default([]),
    dueMinutes: positive,
    /** Template ids of the same decision (and the same order) that must be done first. */
    dependsOn: z.array(id).default([]),
    gate: z.boolean().default(false),
    escalateAfterMinutes: nonNegative.default(0),
    escalateTo: z.enum(roles).default('lead'),
  })
  .strict();

export const DEFAULT_WORKFLOW_TEMPLATES: z.input<typeof workflowTemplateSchema>[] = [
  { id: 'kitting', kind: 'kitting', role: 'warehouse', title: 'Stage and kit the materials', per: 'moved-order', dueMinutes: 45, gate: true, escalateAfterMinutes: 15, escalateTo: 'lead' },
  { id: 'line-clearance', kind: 'line-clearance', role: 'qa', title: 'Clear the line', per: 'moved-order', dueMinutes: 30, escalateAfterMinutes: 15, escalateTo: 'lead' },
  { id: 'qa-release', kind: 'qa-release', role: 'qa', title: 'Release the line for the run', per: 'moved-order', dueMinutes: 60, dependsOn: ['line-clearance'], gate: true, escalateAfterMinutes: 15, escalateTo: 'manager' },
  { id: 'changeover-readiness', kind: 'changeover-readiness', role: 'maintenance', title: 'Get the changeover ready', per: 'moved-order', dueMinutes: 60, gate: true, escalateAfterMinutes: 15, escalateTo: 'lead' },
  { id: 'maintenance-window', kind: 'maintenance-window', role: 'maintenance', title: 'Repair the line in a maintenance window', per: 'exception-line', exceptionTypes: ['line-down'], dueMinutes: 120, escalateAfterMinutes: 30, escalateTo: 'manager' },
  { id: 'schedule-communication', kind: 'schedule-communication', role: 'planner', title: 'Communicate the schedule change', per: 'decision', dueMinutes: 30, escalateAfterMinutes: 30, escalateTo: 'manager' },
];

export const workflowRulesSchema = z
  .object({
    templates: z.array(workflowTemplateSchema).default(() => DEFAULT_WORKFLOW_TEMPLATES.map((t) => workflowTemplateSchema.parse(t))),
    /** Roles that may commit a decision. */
    commitRoles: z.array(z.enum(roles)).min(1).default(['controller', 'planner', 'lead', 'manager']),
    /** May the person who did an action (moved it to done) also verify it? Off: someone else checks the work. */
    doerMayVerify: z.boolean().default(false),
  })
  .strict()
  .superRefine((w, ctx) => {
    const ids = new Set<string>();
    w.templates.forEach((t, i) => {
      if (ids.has(t.id)) ctx.addIssue({ code: 'custom', message: `template id '${t.id}' is used twice`, path: ['templates', i, 'id'] });
      ids.add(t.id);
    });
    w.templates.forEach((t, i) =>
      (t.dependsOn ?? []).forEach((d, j) => {
        if (!ids.has(d)) ctx.addIssue({ code: 'custom', message: `'${d}' is not a template id (known: ${[...ids].join(', ')})`, path: ['templates', i, 'dependsOn', j] });
        if (d === t.id) ctx.addIssue({ code: 'custom', message: `a template cannot depend on itself`, path: ['templates', i, 'dependsOn', j] });
      }),
    );
  });

export const kpiTargetsSchema = z.object({ oee: share, scheduleAdherence: share, onTimeDelivery: share }).strict();

export const ruleSetSchema = z
  .object({
    takt: z.literal('rules', { message: 'the rules file marker: `takt: rules`' }),
    version: z.string().regex(/^[0-9A-Za-z][0-9A-Za-z._-]{0,39}$/, 'a version string such as "2026.11-1"'),
    name: z.string().min(1).max(120),
    /** Site id of the plant these rules are written for (checked when given). */
    plant: id.optional(),
    priority: priorityRulesSchema,
    constraints: constraintRulesSchema.prefault({}),
    escalation: z.array(escalationRuleSchema).default([]),
    exceptions: exceptionRulesSchema.prefault({}),
    kpiTargets: kpiTargetsSchema.default({ oee: 0.75, scheduleAdherence: 0.95, onTimeDelivery: 0.97 }),
    /** Commit, dispatch and track: workflow templates and action SLAs (defaults when absent). */
    workflows: workflowRulesSchema.prefault({}),
    /**
     * What activating the next rule set takes. `requireBacktest`: a draft is activated only after a
     * backtest of that exact draft (its content hash) against these rules. Optional without a
     * default, so rule sets that leave it out keep their content hash.
     */
    activation: z.object({ requireBacktest: z.boolean().default(false) }).strict().optional(),
    /** Who may do what, by role (shared/auth/permissions.ts; defaults keep every role's old reach). */
    permissions: permissionTableSchema.prefault({}),
  })
  .strict();

export type RuleSet = z.infer<typeof ruleSetSchema>;
export type RuleSetInput = z.input<typeof ruleSetSchema>;
export type PriorityRules = z.infer<typeof priorityRulesSchema>;
export type ConstraintRules = z.infer<typeof constraintRulesSchema>;
export type AllergenRule = z.infer<typeof allergenRuleSchema>;
export type EscalationRule = z.infer<typeof escalationRuleSchema>;
export type ExceptionRules = z.infer<typeof exceptionRulesSchema>;
export type MaintenanceWindow = z.infer<typeof maintenanceWindowSchema>;
export type WorkflowTemplate = z.infer<typeof workflowTemplateSchema>;
export type WorkflowRules = z.infer<typeof workflowRulesSchema>;

/** Default priority per exception type when the rules do not set one. */
export const DEFAULT_EXCEPTION_PRIORITIES: Record<ExceptionType, ExceptionPriority> = {
  'line-down': 'critical',
  'material-shortage': 'high',
  'qa-hold': 'high',
  'late-risk': 'medium',
  'changeover-overrun': 'medium',
  'crew-gap': 'medium',
  'rush-order': 'medium',
};

/** A rule set with no plant-specific references: a fallback for plants the shipped rules do not describe. */
export function genericRuleSetInput(): RuleSetInput {
  return {
    takt: 'rules',
    version: 'builtin-1',
    name: 'Built-in generic rules',
    priority: {
      tiers: { A: { weight: 3, latePenaltyPerHour: 400 }, B: { weight: 2, latePenaltyPerHour: 150 }, C: { weight: 1, latePenaltyPerHour: 50 } },
      orderPriority: { 1: 2, 2: 1.5, 3: 1, 4: 0.8, 5: 0.6 },
    },
  };
}
