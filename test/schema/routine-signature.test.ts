import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signatureTypeNames } from '../../src/core/routine-signature.js';

test('signatureTypeNames: argument types (named or not, with modes and defaults), SETOF and TABLE results, without schema, quotes or arrays', () => {
  assert.deepEqual(signatureTypeNames({ arguments: 'min_monthly_purchases integer, min_dollar_amount_purchased numeric', returns: 'SETOF customer' }), ['integer', 'numeric', 'customer']);
  assert.deepEqual(signatureTypeNames({ arguments: 'text, text', returns: 'text' }), ['text', 'text', 'text']);
  assert.deepEqual(signatureTypeNames({ arguments: 'IN p public."Film", VARIADIC tags text[] DEFAULT \'{}\'::text[]', returns: 'TABLE(id integer, r "Rental")' }), ['film', 'text', 'integer', 'rental']);
  assert.deepEqual(signatureTypeNames({ arguments: '', returns: null }), []);
  assert.deepEqual(signatureTypeNames({ arguments: 'ORDER BY numeric', returns: 'numeric' }), ['numeric', 'numeric']);
});
