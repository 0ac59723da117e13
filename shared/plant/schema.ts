/**
 * The plant file: an ISA-95 equipment hierarchy (site ▸ areas ▸ lines ▸ machines) plus the
 * master data Takt decides with (products, changeovers, tooling, materials, crews, shifts,
 * customers) and an opening order book. Shape checks live here; cross-references in ./check.ts.
 */
import { z } from 'zod';

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'an id: letters, digits, _ . - (max 64), starting with a letter or digit');
const name = z.string().min(1).max(120);
const position = z.object({ x: z.number().finite(), y: z.number().finite() }).strict();
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM');
const positive = z.number().finite().positive();
const nonNegative = z.number().finite().nonnegative();

export const machineKinds = ['mixer', 'filler', 'oven', 'cooler', 'packer', 'capper', 'labeller', 'palletiser', 'extruder', 'cutter', 'wrapper', 'inspector', 'other'] as const;

export const machineSchema = z.object({ id, name, kind: z.enum(machineKinds), position: position.optional() }).strict();

export const lineSchema = z
  .object({
    id,
    name,
    /** Product families this line may run. */
    families: z.array(id).min(1),
    machines: z.array(machineSchema),
    position: position.optional(),
    /** Units the buffer between two machines holds. */
    bufferSize: z.number().int().nonnegative().default(50),
    /** People needed to run the line, and the skills they need. */
    crew: z.object({ size: z.number().int().positive(), skills: z.array(id).default([]) }).strict().default({ size: 2, skills: [] }),
  })
  .strict();

export const areaSchema = z.object({ id, name, lines: z.array(lineSchema).min(1), position: position.optional() }).strict();

export const familySchema = z.object({ id, name, allergens: z.array(id).default([]) }).strict();
export const allergenSchema = z.object({ id, name }).strict();

export const productSchema = z
  .object({
    sku: id,
    name,
    family: id,
    /** Bill of materials: component quantity per unit of product. */
    bom: z.array(z.object({ component: id, perUnit: positive }).strict()).default([]),
    /** Run rate per line, units per hour. Lines not listed cannot run the SKU. */
    rates: z.record(id, positive),
    tools: z.array(id).default([]),
  })
  .strict();

export const changeoverSchema = z
  .object({
    from: id,
    to: id,
    minutes: nonNegative,
    /** An allergen transition: needs a clean, and often a QA release, before the next run. */
    clean: z.boolean().default(false),
    qaRelease: z.boolean().default(false),
  })
  .strict();

export const toolSchema = z.object({ id, name, count: z.number().int().positive(), lines: z.array(id).default([]) }).strict();

export const locationSchema = z.object({ id, name, kind: z.enum(['warehouse', 'line-side', 'quarantine', 'dock']) }).strict();

export const componentSchema = z
  .object({
    id,
    name,
    uom: z.enum(['kg', 'g', 'l', 'ml', 'pcs', 'm']),
    stock: z.array(z.object({ location: id, qty: nonNegative }).strict()).default([]),
    leadTimeHours: nonNegative.default(24),
  })
  .strict();

export const skillSchema = z.object({ id, name }).strict();
/** The roles a plant's people hold: the decision loop's permissions and workflows are written in them. */
export const roles = ['operator', 'lead', 'qa', 'maintenance', 'warehouse', 'planner', 'controller', 'manager'] as const;
export type Role = (typeof roles)[number];

export const personSchema = z.object({ id, name, role: z.enum(roles), skills: z.array(id).default([]) }).strict();
export const crewSchema = z.object({ id, name, members: z.array(personSchema).min(1) }).strict();
export const shiftSchema = z.object({ id, name, start: hhmm, end: hhmm, crew: id }).strict();

export const customerSchema = z
  .object({ id, name, tier: z.enum(['A', 'B', 'C']), serviceLevel: z.number().min(0).max(1) })
  .strict();

/**
 * Opening order book. Times are hours from the moment the twin starts, so an embedded demo plant
 * never goes stale; orders that arrive later come as ERP signals with absolute times.
 */
export const plantOrderSchema = z
  .object({
    id,
    sku: id,
    qty: positive,
    customer: id,
    releaseInHours: nonNegative.default(0),
    dueInHours: positive,
    priority: z.number().int().min(1).max(5).default(3),
    /** Planned line; when absent the scheduler picks the first capable line. */
    line: id.optional(),
  })
  .strict();

/**
 * An external signal source or write-back target (MQTT/UNS, Sparkplug B, OPC UA, REST polling…).
 * The plant file only fixes the envelope; each connector kind validates its own `options` when it
 * starts (main/connectors/registry.ts), naming `connectors[i].options.<field>` in its errors.
 */
export const connectorConfigSchema = z
  .object({
    id,
    kind: z.string().min(1).max(40),
    enabled: z.boolean().default(true),
    /** Also replace the embedded simulator (a plant driven by real systems); default false. */
    replacesSimulator: z.boolean().default(false),
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const plantSchema = z
  .object({
    takt: z.literal(1, { message: 'the plant file format version: `takt: 1`' }),
    site: z.object({ id, name, timezone: z.string().min(1).default('UTC') }).strict(),
    areas: z.array(areaSchema).min(1),
    allergens: z.array(allergenSchema).default([]),
    families: z.array(familySchema).min(1),
    products: z.array(productSchema).min(1),
    /** Sequence-dependent setups between families; `defaultMinutes` covers pairs not listed (never allergen ones). */
    changeovers: z.object({ defaultMinutes: nonNegative.optional(), matrix: z.array(changeoverSchema).default([]) }).strict().default({ matrix: [] }),
    tools: z.array(toolSchema).default([]),
    locations: z.array(locationSchema).default([]),
    components: z.array(componentSchema).default([]),
    skills: z.array(skillSchema).default([]),
    crews: z.array(crewSchema).default([]),
    shifts: z.array(shiftSchema).default([]),
    customers: z.array(customerSchema).min(1),
    orders: z.array(plantOrderSchema).default([]),
    connectors: z.array(connectorConfigSchema).default([]),
  })
  .strict();

export type Plant = z.infer<typeof plantSchema>;
export type PlantInput = z.input<typeof plantSchema>;
export type Area = z.infer<typeof areaSchema>;
export type Line = z.infer<typeof lineSchema>;
export type Machine = z.infer<typeof machineSchema>;
export type Product = z.infer<typeof productSchema>;
export type Family = z.infer<typeof familySchema>;
export type Changeover = z.infer<typeof changeoverSchema>;
export type Component = z.infer<typeof componentSchema>;
export type Crew = z.infer<typeof crewSchema>;
export type Person = z.infer<typeof personSchema>;
export type Shift = z.infer<typeof shiftSchema>;
export type Customer = z.infer<typeof customerSchema>;
export type PlantOrder = z.infer<typeof plantOrderSchema>;
export type ConnectorConfig = z.infer<typeof connectorConfigSchema>;
