// The Node-only half of options.test.ts: what `util.inspect` (console.log on Node) shows.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Protekt } from '../../src/index.js';

const loginId = 'lp_7xqm9abc';
const apiKey = 'pk_test_AbCdEfGh12345678';

describe('construction (Node)', () => {
  it('never shows the API key when inspected', () => {
    const client = new Protekt({ loginId, apiKey });
    for (const text of [
      inspect(client, { depth: 10, showHidden: true }),
      inspect(client.auth, { depth: 10 }),
    ]) {
      expect(text).not.toContain(apiKey);
    }
  });
});
