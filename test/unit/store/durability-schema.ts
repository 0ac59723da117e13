/** Schema of the kill -9 durability test (shared by the test and its child process). */
import type { RxJsonSchema } from 'rxdb';

export interface Item {
  id: string;
  value: string;
  n: number;
}
export const durabilitySchema: RxJsonSchema<Item> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: { id: { type: 'string', maxLength: 32 }, value: { type: 'string' }, n: { type: 'integer', minimum: 0, maximum: 1e9, multipleOf: 1 } },
  required: ['id', 'value', 'n'],
  indexes: ['n'],
};
