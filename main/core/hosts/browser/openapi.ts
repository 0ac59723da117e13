/**
 * The OpenAPI 3.1 document of Takt's HTTP API (served at /api/openapi.json). The record schemas
 * are generated from the records' own zod schemas (shared/commit/records.ts, the
 * exception's (shared/decide/exceptions/record.ts) and the protocol's signal schema); the rest is a
 * typed object. The e2e test validates real responses against the served document with ajv, so
 * the document cannot drift from what the API sends unnoticed.
 */
import { z } from 'zod';
import {
  actionHistoryEntrySchema,
  actionRecordSchema,
  actionStatuses,
  approvalRecordSchema,
  auditEntrySchema,
  consideredOptionSchema,
  decisionReceiptSchema,
  decisionStatuses,
  outboxRecordSchema,
  roles,
} from '../../../../shared/commit/records';
import { exceptionRecordSchema } from '../../../../shared/decide/exceptions';
import { signalSchema } from '../../../../shared/signals/schema';

type Schema = Record<string, unknown>;
const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const num: Schema = { type: 'number' };
const bool: Schema = { type: 'boolean' };
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({ type: 'object', properties, required });
const arr = (items: Schema): Schema => ({ type: 'array', items });
const enumOf = (xs: readonly string[]): Schema => ({ type: 'string', enum: [...xs] });

/** The records the API sends and takes, by component name, generated from their zod schemas. */
function recordSchemas(): Record<string, Schema> {
  const registry = z.registry<{ id: string }>();
  registry.add(consideredOptionSchema, { id: 'ConsideredOption' });
  registry.add(decisionReceiptSchema, { id: 'Decision' });
  registry.add(approvalRecordSchema, { id: 'Approval' });
  registry.add(actionHistoryEntrySchema, { id: 'ActionHistoryEntry' });
  registry.add(actionRecordSchema, { id: 'Action' });
  registry.add(outboxRecordSchema, { id: 'OutboxMessage' });
  registry.add(auditEntrySchema, { id: 'AuditEntry' });
  registry.add(exceptionRecordSchema, { id: 'Exception' });
  registry.add(signalSchema, { id: 'Signal' });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    // The shapes a client sends and receives; `input` also leaves objects open to fields a later
    // version adds, as the hand-written schemas did.
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
    override: ({ jsonSchema }) => {
      // zod writes the safe-integer range on every `z.int()`; JSON numbers imply it.
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
    },
  });
  // Components are named by their key, not by a `$id`, and the document names its dialect once.
  return Object.fromEntries(Object.entries(schemas).map(([name, { $id: _id, $schema: _dialect, ...schema }]) => [name, schema as Schema]));
}

const schemas: Record<string, Schema> = {
  ...recordSchemas(),
  Error: obj({ error: obj({ code: str, message: str, path: str }, ['code', 'message']) }),
  Health: obj({ ok: bool, plant: str, time: int, position: int, clients: int, deadLetters: int }),
  FloodRate: obj({ windowMinutes: num, newInWindow: int, operators: int, perOperator: num, threshold: num, flooding: bool }),
  DecisionDetail: obj({ decision: ref('Decision'), approvals: arr(ref('Approval')), actions: arr(ref('Action')), outbox: arr(ref('OutboxMessage')), audit: arr(ref('AuditEntry')) }),
  IngestResult: obj({ accepted: int, duplicates: int, rejected: arr(obj({ index: int, reason: str, path: str }, ['index', 'reason'])) }),
  TransitionBody: { type: 'object', properties: { by: { type: 'string', minLength: 1, maxLength: 64, description: "person id from the plant crews: ignored when a person is signed in (the core records that person); needed from a token with the 'actions' scope" }, comment: { type: 'string', minLength: 1, maxLength: 2000 } }, required: [], additionalProperties: false },
};

const json = (schema: Schema) => ({ 'application/json': { schema } });
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: ({ 400: 'bad request (names what and where)', 401: 'missing or wrong webhook credentials', 403: "forbidden: sent by a web page of another origin (only the console's own pages, or those allowed with --allow-origin), or the caller lacks the permission the message names", 404: 'unknown id', 409: 'conflict (illegal transition, naming the current state)', 413: 'body too large', 415: 'the body is not declared Content-Type: application/json' } as Record<number, string>)[c] ?? 'error', content: json(ref('Error')) }]));
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
