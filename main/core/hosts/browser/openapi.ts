/**
 * The OpenAPI 3.1 document of Takt's HTTP API (served at /api/openapi.json). Hand-written as a
 * typed object: the record schemas mirror shared/commit/records.ts and shared/decide/exceptions/
 * (the e2e test validates real responses against them with ajv, so they cannot drift unnoticed);
 * the request body of POST /api/signals comes from the protocol's own zod schema.
 */
import { z } from 'zod';
import { actionKinds, actionStatuses, approvalStatuses, decisionStatuses, outboxStatuses, roles } from '../../../../shared/commit/records';
import { exceptionPriorities, exceptionTypes } from '../../../../shared/decide/rules-schema';
import { exceptionStates } from '../../../../shared/decide/exceptions';
import { signalSchema } from '../../../../shared/signals/schema';

type Schema = Record<string, unknown>;
const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const num: Schema = { type: 'number' };
const bool: Schema = { type: 'boolean' };
const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] });
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({ type: 'object', properties, required });
const arr = (items: Schema): Schema => ({ type: 'array', items });
const enumOf = (xs: readonly string[]): Schema => ({ type: 'string', enum: [...xs] });

const schemas: Record<string, Schema> = {
  Error: obj({ error: obj({ code: str, message: str, path: str }, ['code', 'message']) }),
  Health: obj({ ok: bool, plant: str, time: int, position: int, clients: int, deadLetters: int }),
  FloodRate: obj({ windowMinutes: num, newInWindow: int, operators: int, perOperator: num, threshold: num, flooding: bool }),
  Exception: obj(
    {
      id: str,
      key: str,
      type: enumOf(exceptionTypes),
      priority: enumOf(exceptionPriorities),
      title: str,
      detail: str,
      subject: { type: 'object' },
      state: enumOf(exceptionStates),
      conditionActive: bool,
      raisedAt: int,
      updatedAt: int,
      clearedAt: nullable(int),
      closedAt: nullable(int),
      comments: arr({ type: 'object' }),
      history: arr({ type: 'object' }),
    },
    ['id', 'key', 'type', 'priority', 'title', 'state', 'raisedAt', 'updatedAt', 'subject'],
  ),
  ConsideredOption: obj({ id: str, rank: nullable(int), title: str, kind: str, feasible: bool, score: nullable(num), moves: arr({ type: 'object' }) }),
  Decision: obj(
    {
      id: str,
      seq: int,
      exceptionId: str,
      exceptionTitle: str,
      lineId: str,
      status: enumOf(decisionStatuses),
      journalPosition: int,
      forkAt: int,
      horizonHours: num,
      seed: int,
      ruleSetVersion: str,
      ruleSetHash: str,
      plantVersion: str,
      committedBy: str,
      committedRole: enumOf(roles),
      committedAt: int,
      comment: str,
      options: arr(ref('ConsideredOption')),
      chosenOptionId: str,
      chosen: { type: 'object' },
      approvalIds: arr(str),
      prevHash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      hash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    },
    ['id', 'seq', 'exceptionId', 'status', 'journalPosition', 'ruleSetVersion', 'ruleSetHash', 'plantVersion', 'committedBy', 'committedRole', 'committedAt', 'options', 'chosenOptionId', 'chosen', 'approvalIds', 'prevHash', 'hash'],
  ),
  Approval: obj(
    { id: str, decisionId: str, ruleId: str, reason: str, role: enumOf(roles), status: enumOf(approvalStatuses), requestedAt: int, dueAt: int, escalateTo: enumOf(roles), level: int, decidedBy: str, decidedAt: int, comment: str },
    ['id', 'decisionId', 'ruleId', 'role', 'status', 'requestedAt', 'dueAt', 'escalateTo', 'level'],
  ),
  ActionHistoryEntry: obj({ at: int, from: nullable(enumOf(actionStatuses)), to: enumOf(actionStatuses), by: str, role: enumOf(roles), comment: str }, ['at', 'from', 'to', 'by']),
  Action: obj(
    {
      id: str,
      decisionId: str,
      kind: enumOf(actionKinds),
      title: str,
      detail: str,
      role: enumOf(roles),
      ownerId: str,
      ownerName: str,
      status: enumOf(actionStatuses),
      lineId: str,
      orderId: str,
      createdAt: int,
      dueAt: int,
      updatedAt: int,
      dependsOn: arr(str),
      verification: obj({ by: enumOf(['signal', 'person']), signalType: str, description: str }, ['by', 'description']),
      overdue: bool,
      escalatedTo: enumOf(roles),
      blockedReason: str,
      history: arr(ref('ActionHistoryEntry')),
    },
    ['id', 'decisionId', 'kind', 'title', 'detail', 'role', 'ownerId', 'ownerName', 'status', 'lineId', 'createdAt', 'dueAt', 'updatedAt', 'dependsOn', 'verification', 'overdue', 'history'],
  ),
  OutboxMessage: obj(
    { id: str, target: enumOf(['erp', 'mes']), kind: str, idempotencyKey: str, decisionId: str, status: enumOf(outboxStatuses), attempts: int, nextAttemptAt: int, createdAt: int, ackedAt: int, lastError: str, payload: { type: 'object' } },
    ['id', 'target', 'kind', 'idempotencyKey', 'decisionId', 'status', 'attempts', 'nextAttemptAt', 'createdAt', 'payload'],
  ),
  AuditEntry: obj({ id: str, seq: int, at: int, actor: str, role: enumOf(roles), kind: str, subjectId: str, payload: { type: 'object' }, prevHash: str, hash: str }, ['id', 'seq', 'at', 'actor', 'kind', 'subjectId', 'payload', 'prevHash', 'hash']),
  DecisionDetail: obj({ decision: ref('Decision'), approvals: arr(ref('Approval')), actions: arr(ref('Action')), outbox: arr(ref('OutboxMessage')), audit: arr(ref('AuditEntry')) }),
  IngestResult: obj({ accepted: int, duplicates: int, rejected: arr(obj({ index: int, reason: str, path: str }, ['index', 'reason'])) }),
  Signal: z.toJSONSchema(signalSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Schema,
  TransitionBody: { type: 'object', properties: { by: { type: 'string', minLength: 1, maxLength: 64, description: 'person id from the plant crews' }, comment: { type: 'string', minLength: 1, maxLength: 2000 } }, required: ['by'], additionalProperties: false },
};
delete (schemas['Signal'] as Record<string, unknown>)['$schema'];

const json = (schema: Schema) => ({ 'application/json': { schema } });
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: ({ 400: 'bad request (names what and where)', 401: 'missing or wrong webhook credentials', 403: "sent by a web page of another origin (only the console's own pages, or those allowed with --allow-origin)", 404: 'unknown id', 409: 'conflict (illegal transition, naming the current state)', 413: 'body too large', 415: 'the body is not declared Content-Type: application/json' } as Record<number, string>)[c] ?? 'error', content: json(ref('Error')) }]));
const idParam = (what: string) => ({ name: 'id', in: 'path', required: true, schema: str, description: `${what} id` });
const query = (name: string, schema: Schema, description: string) => ({ name, in: 'query', required: false, schema, description });

export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Takt HTTP API',
      version,
      description:
        'Integrations with the Takt plant core: exceptions, decisions and actions; acknowledging and completing actions; posting ERP/MES signals in batches (the webhook entry). Same validation and errors as the console protocol. Bound to 127.0.0.1 by default; POST /api/signals checks a shared token (Authorization: Bearer) or an HMAC-SHA256 signature of the raw body (X-Takt-Signature: sha256=<hex>) when the core is started with one. Every POST needs Content-Type: application/json; one sent by a web page (with Origin or Sec-Fetch-Site) must come from the console\'s own origin or one allowed with --allow-origin.',
    },
    servers: [{ url: '/' }],
    components: {
      schemas,
      securitySchemes: {
        webhookToken: { type: 'http', scheme: 'bearer', description: 'the --webhook-token / TAKT_WEBHOOK_TOKEN shared token' },
        webhookSignature: { type: 'apiKey', in: 'header', name: 'X-Takt-Signature', description: 'sha256=<hex HMAC-SHA256 of the raw body with --webhook-secret / TAKT_WEBHOOK_SECRET>' },
      },
    },
    paths: {
      '/api/health': { get: { operationId: 'health', summary: 'Core health', responses: { '200': { description: 'health', content: json(ref('Health')) } } } },
      '/api/openapi.json': { get: { operationId: 'openapi', summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1 document', content: json({ type: 'object' }) } } } },
      '/api/exceptions': {
        get: {
          operationId: 'listExceptions',
          summary: 'Open exceptions (closed ones with includeClosed=true)',
          parameters: [query('lineId', str, 'only exceptions about this line'), query('includeClosed', enumOf(['true', 'false']), 'include closed exceptions')],
          responses: { '200': { description: 'exceptions', content: json(obj({ items: arr(ref('Exception')), flood: ref('FloodRate') })) }, ...errors(400) },
        },
      },
      '/api/exceptions/{id}': { get: { operationId: 'getException', parameters: [idParam('exception')], responses: { '200': { description: 'the exception', content: json(ref('Exception')) }, ...errors(404) } } },
      '/api/decisions': {
        get: {
          operationId: 'listDecisions',
          summary: 'Decision receipts, newest first',
          parameters: [query('status', enumOf(decisionStatuses), 'only this status'), query('exceptionId', str, 'only for this exception')],
          responses: { '200': { description: 'receipts', content: json(obj({ items: arr(ref('Decision')) })) }, ...errors(400) },
        },
      },
      '/api/decisions/{id}': { get: { operationId: 'getDecision', parameters: [idParam('decision')], responses: { '200': { description: 'receipt with approvals, actions, outbox and audit timeline', content: json(ref('DecisionDetail')) }, ...errors(404) } } },
      '/api/actions': {
        get: {
          operationId: 'listActions',
          summary: 'Actions by due time (an inbox: filter by owner, role, status)',
          parameters: [query('ownerId', str, 'owner person id'), query('role', enumOf(roles), 'role'), query('status', enumOf(actionStatuses), 'status (repeat or comma-separate for several)'), query('decisionId', str, 'decision'), query('lineId', str, 'line')],
          responses: { '200': { description: 'actions', content: json(obj({ items: arr(ref('Action')) })) }, ...errors(400) },
        },
      },
      '/api/actions/{id}': { get: { operationId: 'getAction', parameters: [idParam('action')], responses: { '200': { description: 'the action', content: json(ref('Action')) }, ...errors(404) } } },
      '/api/actions/{id}/acknowledge': {
        post: { operationId: 'acknowledgeAction', parameters: [idParam('action')], requestBody: { required: true, content: json(ref('TransitionBody')) }, responses: { '200': { description: 'the action, acknowledged', content: json(ref('Action')) }, ...errors(400, 403, 404, 409, 413, 415) } },
      },
      '/api/actions/{id}/complete': {
        post: { operationId: 'completeAction', parameters: [idParam('action')], requestBody: { required: true, content: json(ref('TransitionBody')) }, responses: { '200': { description: 'the action, done', content: json(ref('Action')) }, ...errors(400, 403, 404, 409, 413, 415) } },
      },
      '/api/signals': {
        post: {
          operationId: 'postSignals',
          summary: 'ERP/MES webhook: a batch of canonical signals (idempotent on source + id)',
          security: [{}, { webhookToken: [] }, { webhookSignature: [] }],
          requestBody: { required: true, content: json({ anyOf: [obj({ signals: { type: 'array', items: ref('Signal'), minItems: 1, maxItems: 10000 } }), { type: 'array', items: ref('Signal'), minItems: 1, maxItems: 10000 }] }) },
          responses: { '200': { description: 'what was accepted, duplicated or rejected (with index and reason)', content: json(ref('IngestResult')) }, ...errors(400, 401, 403, 413, 415) },
        },
      },
    },
  };
}
