/**
 * B2MML (ISA-95 XML) → drafts of canonical signals, for the V0401 namespace
 * (`http://www.mesa.org/xml/B2MML-V0401`) and V07 (`http://www.mesa.org/xml/B2MML`):
 *
 * - `ProductionSchedule` / `ProductionRequest` and (V07) `OperationsSchedule` / `OperationsRequest`
 *   → `order.created` (ID, produced material and quantity, customer parameter, EndTime → due,
 *   StartTime → release, Priority, line from Location / HierarchyScope / EquipmentRequirement);
 * - `MaterialInformation` / `MaterialLot` → `inventory.receipt` (lot ID, MaterialDefinitionID,
 *   storage location, quantity);
 * - `ProductionPerformance` / `ProductionResponse` / `SegmentResponse` → `production.count`
 *   (produced actuals; a Quantity whose Key says scrap/reject counts as scrap) and
 *   `order.completed` when the response state says Completed.
 *
 * The nouns may be the root or sit in a verb message's DataArea (`ProcessProductionSchedule`,
 * `SyncMaterialInformation`…). Where the two versions differ (Location vs HierarchyScope,
 * MaterialProducedRequirement vs MaterialRequirement with MaterialUse, ProductionParameter vs
 * SegmentParameter) both spellings are read. Every problem names the element path and its line and
 * column. Pure: fast-xml-parser, no I/O.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Plant } from '../plant/schema';
import type { SignalType } from '../signals/schema';
import { issueAt, describeFound, type Draft, type ImportIssue, type ParsedImport, type Where } from './types';
import { parseInstant, parseNumber } from './values';

export const B2MML_NAMESPACES = { V0401: 'http://www.mesa.org/xml/B2MML-V0401', V07: 'http://www.mesa.org/xml/B2MML' } as const;
export type B2mmlVersion = keyof typeof B2MML_NAMESPACES;

export interface B2mmlOptions {
  /** For resolving equipment: a line named where a machine is needed means its last machine. */
  plant?: Plant;
  /** Customer for requests that carry no Customer parameter. */
  defaultCustomer?: string;
  /** Storage location for lots that name none. */
  defaultLocation?: string;
  /** Offset from UTC (minutes) for date-times written without a zone. Default 0. */
  utcOffsetMinutes?: number;
}

type El = Record<string, unknown>;
interface XNode {
  el: El;
  name: string;
  path: string;
  /** Character offset where the element starts. */
  at: number | undefined;
}
interface Leaf {
  text: string | undefined;
  where: Where;
}

const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

/** Verbs of B2MML transaction messages: `<ProcessProductionSchedule><ApplicationArea/><DataArea><Process/><ProductionSchedule>…`. */
const VERBS = /^(Process|Sync|Show|Get|Acknowledge|Respond|Change|Cancel|Notify|Confirm)(.+)$/;
const LINE_LEVELS = new Set(['productionline', 'productionunit', 'workcenter', 'processcell', 'storagezone', 'workcell', 'unit', 'line', 'other']);

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function detectNamespace(text: string): { root: string; ns: string | undefined; at: number } | undefined {
  // The first start tag that is not a declaration, comment or processing instruction.
  const re = /<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)([^>]*)>/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const before = text.slice(0, m.index);
    if (before.lastIndexOf('<!--') > before.lastIndexOf('-->')) continue;
    const [qname, attrs] = [m[1]!, m[2]!];
    const colon = qname.indexOf(':');
    const prefix = colon >= 0 ? qname.slice(0, colon) : '';
    const local = colon >= 0 ? qname.slice(colon + 1) : qname;
    const decl = new RegExp(`xmlns${prefix ? `:${prefix}` : ''}\\s*=\\s*(["'])(.*?)\\1`).exec(attrs);
    return { root: local, ns: decl?.[2], at: m.index };
  }
  return undefined;
}

export function parseB2mml(text: string, file: string, opts: B2mmlOptions = {}): ParsedImport {
  const errors: ImportIssue[] = [];
  const warnings: ImportIssue[] = [];
  const drafts: Draft[] = [];
  const starts = lineStarts(text);
  const pos = (offset: number | undefined): { line?: number; column?: number } => {
    if (offset === undefined) return {};
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
  const result = (format: ParsedImport['format'], describe: string, records: number): ParsedImport => ({ file, format, describe, records, drafts, errors, warnings });

  const syntax = XMLValidator.validate(text, { allowBooleanAttributes: true });
  if (syntax !== true) {
    errors.push({ file, path: '', line: syntax.err.line, column: syntax.err.col, message: `XML syntax error: ${syntax.err.msg}` });
    return result('b2mml-V07', 'B2MML (unreadable XML)', 0);
  }
  const root = detectNamespace(text);
  if (!root) {
    errors.push({ file, path: '', line: 1, column: 1, message: 'no XML element found', expected: 'a B2MML document' });
    return result('b2mml-V07', 'B2MML (empty)', 0);
  }
  const version = (Object.keys(B2MML_NAMESPACES) as B2mmlVersion[]).find((v) => B2MML_NAMESPACES[v] === root.ns);
  if (!version) {
    errors.push({
      file,
      path: root.root,
      ...pos(root.at),
      message: root.ns === undefined ? `<${root.root}> declares no namespace, so the B2MML version is unknown` : `unsupported namespace '${root.ns}'`,
      expected: `xmlns="${B2MML_NAMESPACES.V0401}" (V0401) or xmlns="${B2MML_NAMESPACES.V07}" (V07)`,
      found: root.ns === undefined ? 'no xmlns' : `'${root.ns}'`,
    });
    return result('b2mml-V07', 'B2MML (unknown version)', 0);
  }
  const format = `b2mml-${version}` as const;

  const parser = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, parseTagValue: false, trimValues: true, isArray: (_n, _j, _leaf, attr) => !attr, captureMetaData: true, processEntities: true });
  const doc = parser.parse(text) as El;
  const rootList = doc[root.root];
  if (!Array.isArray(rootList) || typeof rootList[0] !== 'object') {
    errors.push({ file, path: root.root, ...pos(root.at), message: `<${root.root}> is empty` });
    return result(format, `B2MML ${version}`, 0);
  }
  const rootNode: XNode = { el: rootList[0] as El, name: root.root, path: root.root, at: root.at };

  const whereOf = (n: XNode): Where => ({ path: n.path, ...pos(n.at) });
  const kids = (n: XNode, name: string): XNode[] => {
    const v = n.el[name];
    if (!Array.isArray(v)) return [];
    const many = v.length > 1;
    return v.map((c, i) => {
      const el: El = typeof c === 'object' && c !== null ? (c as El) : { '#text': c };
      const meta = (el as Record<symbol, { startIndex?: number } | undefined>)[META];
      return { el, name, path: `${n.path}/${name}${many ? `[${i + 1}]` : ''}`, at: meta?.startIndex ?? n.at };
    });
  };
  const kid = (n: XNode, name: string): XNode | undefined => kids(n, name)[0];
  /** The text of the first `name` child; its position is found by looking for the tag after the parent's start. */
  const leaf = (n: XNode | undefined, name: string): Leaf | undefined => {
    if (!n) return undefined;
    const v = n.el[name];
    if (!Array.isArray(v) || v.length === 0) return undefined;
    const first = v[0];
    const raw = typeof first === 'string' ? first : typeof first === 'object' && first !== null ? (first as El)['#text'] : undefined;
    const t = typeof raw === 'string' ? raw : raw === undefined ? '' : String(raw);
    let at = n.at;
    if (n.at !== undefined) {
      const re = new RegExp(`<([\\w.-]+:)?${name}[\\s>/]`, 'g');
      re.lastIndex = n.at + 1;
      const m = re.exec(text);
      if (m) at = m.index;
    }
    return { text: t, where: { path: `${n.path}/${name}`, ...pos(at) } };
  };
  const firstLeaf = (nodes: (XNode | undefined)[], name: string): Leaf | undefined => {
    for (const n of nodes) {
      const l = leaf(n, name);
      if (l && l.text) return l;
    }
    return undefined;
  };
  const problem = (where: Where, message: string, extra: { expected?: string; found?: string; field?: string } = {}) => errors.push(issueAt(file, where, message, extra));

  // --- equipment helpers
  const lineIds = new Set<string>();
  const lastMachineOf = new Map<string, string>();
  const lineOfMachine = new Map<string, string>();
  for (const a of opts.plant?.areas ?? [])
    for (const l of a.lines) {
      lineIds.add(l.id);
      const last = l.machines[l.machines.length - 1];
      if (last) lastMachineOf.set(l.id, last.id);
      for (const m of l.machines) lineOfMachine.set(m.id, l.id);
    }
  /** Location (V0401) or HierarchyScope (V07): `{ EquipmentID, EquipmentElementLevel }`. */
  const scopeOf = (n: XNode): { id: Leaf; level: string | undefined } | undefined => {
    for (const s of [kid(n, 'HierarchyScope'), kid(n, 'Location')]) {
      const id = leaf(s, 'EquipmentID');
      if (id?.text) return { id, level: leaf(s, 'EquipmentElementLevel')?.text };
    }
    return undefined;
  };
  const lineScope = (nodes: XNode[]): Leaf | undefined => {
    for (const n of nodes) {
      const s = scopeOf(n);
      if (!s) continue;
      const level = s.level?.replace(/\s+/g, '').toLowerCase();
      if (level === undefined ? !opts.plant || lineIds.has(s.id.text!) : LINE_LEVELS.has(level)) return s.id;
    }
    return undefined;
  };

  /** All SegmentRequirement / SegmentResponse elements, nested ones included, in document order. */
  const segments = (n: XNode, name: string): XNode[] => kids(n, name).flatMap((s) => [s, ...segments(s, name)]);

  const quantity = (q: XNode | undefined, field: string, fields: Record<string, Where>): number | undefined => {
    const qs = leaf(q, 'QuantityString');
    if (!qs) {
      if (q) problem(whereOf(q), 'Quantity has no QuantityString', { expected: 'a number in <QuantityString>', field });
      return undefined;
    }
    fields[field] = qs.where;
    const n = parseNumber(qs.text ?? '');
    if (!n.ok) {
      problem(qs.where, `${field}: not a number`, { expected: n.expected, found: describeFound(qs.text), field });
      return undefined;
    }
    return n.value;
  };
  const instant = (l: Leaf | undefined, field: string, fields: Record<string, Where>): number | undefined => {
    if (!l || !l.text) return undefined;
    fields[field] = l.where;
    const t = parseInstant(l.text, 'iso', opts.utcOffsetMinutes ?? 0);
    if (!t.ok) {
      problem(l.where, `${field}: not a date-time`, { expected: t.expected, found: describeFound(l.text), field });
      return undefined;
    }
    return t.value;
  };
  /** Produced material of a segment: V0401 MaterialProducedRequirement, V07 MaterialRequirement with MaterialUse Produced. */
  const producedOf = (seg: XNode, req: boolean): XNode[] => {
    const direct = kids(seg, req ? 'MaterialProducedRequirement' : 'MaterialProducedActual');
    const generic = kids(seg, req ? 'MaterialRequirement' : 'MaterialActual').filter((m) => /^produced$|^product/i.test(leaf(m, 'MaterialUse')?.text ?? ''));
    return [...direct, ...generic];
  };
  /** A parameter by ID (V0401 ProductionParameter[/Parameter], V07 SegmentParameter / OperationsParameter). */
  const parameter = (nodes: XNode[], idPattern: RegExp): Leaf | undefined => {
    for (const n of nodes)
      for (const kind of ['ProductionParameter', 'SegmentParameter', 'Parameter', 'OperationsParameter'])
        for (const p of kids(n, kind)) {
          for (const cand of [p, ...kids(p, 'Parameter')]) {
            if (!idPattern.test(leaf(cand, 'ID')?.text ?? '')) continue;
            const value = kid(cand, 'Value');
            const v = leaf(value, 'ValueString') ?? leaf(cand, 'ValueString') ?? (value && typeof value.el['#text'] === 'string' ? { text: value.el['#text'] as string, where: whereOf(value) } : undefined);
            if (v?.text) return v;
          }
        }
    return undefined;
  };

  const push = (type: SignalType, body: Record<string, unknown>, where: Where, fields: Record<string, Where>, key: string) => drafts.push({ type, body, where, fields, key });

  // --- nouns
  let records = 0;
  const described: string[] = [];

  function readRequest(req: XNode, operations: boolean): void {
    records++;
    const fields: Record<string, Where> = {};
    const where = whereOf(req);
    const before = errors.length;
    if (operations) {
      const type = leaf(req, 'OperationsType')?.text;
      if (type && !/^production$/i.test(type)) {
        warnings.push(issueAt(file, where, `skipped: OperationsType is ${type}; only Production requests become orders`));
        return;
      }
    }
    const segs = segments(req, 'SegmentRequirement');
    const id = leaf(req, 'ID');
    if (!id?.text) problem(where, `${req.name} has no ID`, { expected: 'an <ID> with the order number', field: 'order.id' });
    else fields['order.id'] = id.where;

    const produced = segs.flatMap((s) => producedOf(s, true));
    const mat = firstLeaf(produced, 'MaterialDefinitionID') ?? (operations ? undefined : leaf(req, 'ProductProductionRuleID'));
    if (!mat?.text) problem(where, `${req.name} names no product`, { expected: operations ? 'a MaterialRequirement with MaterialUse Produced and a MaterialDefinitionID' : 'a MaterialProducedRequirement with a MaterialDefinitionID (or a ProductProductionRuleID)', field: 'order.sku' });
    else fields['order.sku'] = mat.where;

    let qty: number | undefined;
    const withQty = produced.find((p) => kid(p, 'Quantity'));
    if (!withQty) problem(where, `${req.name} has no produced quantity`, { expected: `a ${operations ? 'MaterialRequirement' : 'MaterialProducedRequirement'} with <Quantity><QuantityString>`, field: 'order.qty' });
    else qty = quantity(kid(withQty, 'Quantity'), 'order.qty', fields);

    const customerLeaf = parameter([req, ...segs], /^customer(id)?$/i);
    let customer = customerLeaf?.text;
    if (customerLeaf) fields['order.customer'] = customerLeaf.where;
    else if (opts.defaultCustomer) customer = opts.defaultCustomer;
    else problem(where, `${req.name} names no customer`, { expected: `a ${version === 'V0401' ? 'ProductionParameter' : 'SegmentParameter'} with ID Customer (or pass a default customer)`, field: 'order.customer' });

    const dueLeaf = leaf(req, 'EndTime') ?? firstLeaf(segs, 'LatestEndTime');
    if (!dueLeaf?.text) problem(where, `${req.name} has no due time`, { expected: 'an <EndTime> (or a SegmentRequirement <LatestEndTime>)', field: 'order.due' });
    const due = instant(dueLeaf, 'order.due', fields);
    const release = instant(leaf(req, 'StartTime') ?? firstLeaf(segs, 'EarliestStartTime'), 'order.release', fields);

    let priority: number | undefined;
    const prio = leaf(req, 'Priority');
    if (prio?.text) {
      fields['order.priority'] = prio.where;
      const n = parseNumber(prio.text);
      if (!n.ok || !Number.isInteger(n.value) || n.value < 1 || n.value > 5) problem(prio.where, 'order.priority: not a priority Takt knows', { expected: 'a whole number from 1 (highest) to 5', found: describeFound(prio.text), field: 'order.priority' });
      else priority = n.value;
    }
    const line = lineScope([req, ...segs.flatMap((s) => kids(s, 'EquipmentRequirement'))]) ?? firstLeaf(segs.flatMap((s) => kids(s, 'EquipmentRequirement')), 'EquipmentID');
    if (line?.text) fields['order.line'] = line.where;

    if (errors.length > before) return;
    const order: Record<string, unknown> = { id: id!.text, sku: mat!.text, qty, customer, due };
    if (release !== undefined) order.release = release;
    if (priority !== undefined) order.priority = priority;
    if (line?.text) order.line = line.text;
    push('order.created', { order }, where, fields, id!.text!);
  }

  function readLot(lot: XNode): void {
    records++;
    const fields: Record<string, Where> = {};
    const where = whereOf(lot);
    const before = errors.length;
    const id = leaf(lot, 'ID');
    if (id?.text) fields.lot = id.where;
    const mat = leaf(lot, 'MaterialDefinitionID');
    if (!mat?.text) problem(where, 'MaterialLot names no material', { expected: 'a <MaterialDefinitionID> (the component id)', field: 'component' });
    else fields.component = mat.where;
    const storage = kid(lot, 'StorageLocation');
    const loc = (storage && (leaf(storage, 'EquipmentID') ?? (typeof storage.el['#text'] === 'string' && storage.el['#text'] ? { text: storage.el['#text'] as string, where: whereOf(storage) } : undefined))) || scopeOf(lot)?.id || leaf(kid(lot, 'Location'), 'EquipmentID');
    let location = loc?.text;
    if (loc) fields.location = loc.where;
    else if (opts.defaultLocation) location = opts.defaultLocation;
    else problem(where, 'MaterialLot names no storage location', { expected: 'a <StorageLocation> (or <Location><EquipmentID>) naming a plant location, or a default location', field: 'location' });
    const q = kid(lot, 'Quantity');
    let qty: number | undefined;
    if (!q) problem(where, 'MaterialLot has no Quantity', { expected: '<Quantity><QuantityString>', field: 'qty' });
    else qty = quantity(q, 'qty', fields);
    if (errors.length > before) return;
    const body: Record<string, unknown> = { component: mat!.text, location, qty };
    if (id?.text) body.lot = id.text;
    push('inventory.receipt', body, where, fields, id?.text || `${mat!.text}@${location}`);
  }

  function readResponse(resp: XNode): void {
    records++;
    const before = errors.length;
    const orderLeaf = leaf(resp, 'ProductionRequestID') ?? leaf(resp, 'OperationsRequestID');
    const orderId = orderLeaf?.text;
    const segs = segments(resp, 'SegmentResponse');
    let machineForLine: { machine: string; line: string } | undefined;
    for (const seg of segs.length ? segs : [resp]) {
      const produced = producedOf(seg, false);
      if (produced.length === 0) continue;
      const fields: Record<string, Where> = {};
      if (orderLeaf) fields.orderId = orderLeaf.where;
      const eq = firstLeaf(kids(seg, 'EquipmentActual'), 'EquipmentID') ?? scopeOf(seg)?.id ?? scopeOf(resp)?.id;
      if (!eq?.text) {
        problem(whereOf(seg), 'SegmentResponse names no equipment for its actuals', { expected: 'an <EquipmentActual><EquipmentID> (a machine, or a line: its last machine counts)', field: 'machine' });
        continue;
      }
      fields.machine = eq.where;
      const machine = lastMachineOf.get(eq.text) ?? eq.text;
      machineForLine = { machine, line: lineOfMachine.get(machine) ?? (lineIds.has(eq.text) ? eq.text : '') };
      let good = 0;
      let scrap = 0;
      for (const p of produced)
        for (const q of kids(p, 'Quantity')) {
          const isScrap = /scrap|reject|waste|bad|defect/i.test(leaf(q, 'Key')?.text ?? '');
          const n = quantity(q, isScrap ? 'scrap' : 'good', fields);
          if (n === undefined) continue;
          if (isScrap) scrap += n;
          else good += n;
        }
      if (errors.length > before) continue;
      const body: Record<string, unknown> = { machine, good, scrap };
      if (orderId) body.orderId = orderId;
      const segId = leaf(seg, 'ID')?.text ?? `${records}`;
      push('production.count', body, whereOf(seg), fields, `${orderId ?? 'no-order'}/${segId}`);
    }
    const state = leaf(resp, 'ResponseState') ?? leaf(resp, 'ProductionResponseState') ?? leaf(resp, 'SegmentState');
    if (state?.text && /^complete(d)?$/i.test(state.text) && errors.length === before) {
      const lineLeaf = lineScope([resp]);
      const line = lineLeaf?.text ?? machineForLine?.line;
      if (!orderId) problem(state.where, 'a Completed ProductionResponse needs a ProductionRequestID', { expected: 'the order id in <ProductionRequestID>', field: 'orderId' });
      else if (!line) problem(whereOf(resp), `order ${orderId} is Completed but its line is unknown`, { expected: 'a Location/HierarchyScope EquipmentID naming the line', field: 'line' });
      else push('order.completed', { orderId, line }, whereOf(resp), { orderId: orderLeaf!.where, ...(lineLeaf ? { line: lineLeaf.where } : {}) }, orderId);
    }
  }

  const nouns = (n: XNode): XNode[] => {
    const verb = VERBS.exec(n.name);
    if (!verb) return [n];
    const area = kid(n, 'DataArea');
    if (!area) {
      problem(whereOf(n), `<${n.name}> has no DataArea`, { expected: `<DataArea> holding the ${verb[2]}` });
      return [];
    }
    const found = kids(area, verb[2]!);
    if (found.length === 0) problem(whereOf(area), `DataArea holds no ${verb[2]}`, { expected: `one or more <${verb[2]}> elements` });
    return found;
  };

  for (const noun of nouns(rootNode)) {
    switch (noun.name) {
      case 'ProductionSchedule': {
        const reqs = kids(noun, 'ProductionRequest');
        if (reqs.length === 0) warnings.push(issueAt(file, whereOf(noun), 'ProductionSchedule holds no ProductionRequest'));
        reqs.forEach((r) => readRequest(r, false));
        described.push('ProductionSchedule');
        break;
      }
      case 'OperationsSchedule': {
        if (version === 'V0401') {
          problem(whereOf(noun), 'OperationsSchedule is not part of B2MML V0401 (it came with V0500)', { expected: `ProductionSchedule, or the V07 namespace ${B2MML_NAMESPACES.V07}`, found: 'OperationsSchedule' });
          break;
        }
        const reqs = kids(noun, 'OperationsRequest');
        if (reqs.length === 0) warnings.push(issueAt(file, whereOf(noun), 'OperationsSchedule holds no OperationsRequest'));
        reqs.forEach((r) => readRequest(r, true));
        described.push('OperationsSchedule');
        break;
      }
      case 'MaterialInformation':
        kids(noun, 'MaterialLot').forEach(readLot);
        if (kids(noun, 'MaterialLot').length === 0) warnings.push(issueAt(file, whereOf(noun), 'MaterialInformation holds no MaterialLot; material classes and definitions are master data and are not imported'));
        described.push('MaterialInformation');
        break;
      case 'MaterialLot':
        readLot(noun);
        described.push('MaterialLot');
        break;
      case 'ProductionPerformance':
        kids(noun, 'ProductionResponse').forEach(readResponse);
        described.push('ProductionPerformance');
        break;
      case 'ProductionResponse':
        readResponse(noun);
        described.push('ProductionResponse');
        break;
      default:
        problem(whereOf(noun), `<${noun.name}> is not a B2MML message Takt imports`, { expected: 'ProductionSchedule, OperationsSchedule, MaterialInformation, MaterialLot or ProductionPerformance', found: noun.name });
    }
  }
  return result(format, `B2MML ${version} ${[...new Set(described)].join(', ') || root.root}`, records);
}
