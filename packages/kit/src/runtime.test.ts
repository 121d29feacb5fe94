import { describe, expect, it } from 'vitest';

describe('runtime', () => {
  // `npm test` must run on the Node 24 that the `node` package brings, not the machine's own Node.
  it('is Node 24', () => {
    expect(process.version).toMatch(/^v24\./);
  });
});
