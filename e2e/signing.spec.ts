import { readFileSync } from 'node:fs';
import path from 'node:path';

import { expect, test } from '@playwright/test';

import { signedQuery } from '../bench/publisher';

// The bench publishes to Sockudo with a TypeScript signer; the devserver and the Rust tests sign
// with herald_contract::signing. Both are held to the same vectors, so they cannot drift apart:
// crates/contract/tests/signing_vectors.rs checks the Rust signer against this file.
interface Vector {
  about: string;
  app: { id: string; key: string; secret: string };
  method: string;
  path: string;
  body: string;
  timestamp: number;
  query: Record<string, string>;
}

const vectors: Vector[] = JSON.parse(
  readFileSync(path.join(__dirname, '../crates/contract/tests/signing_vectors.json'), 'utf8'),
);

test('the bench publisher signs as the Rust signer does', () => {
  expect(vectors.length).toBeGreaterThanOrEqual(2);
  for (const vector of vectors) {
    const query = signedQuery(vector.app, vector.method, vector.path, vector.body, vector.timestamp);
    const signed = Object.fromEntries(new URLSearchParams(query));
    expect(signed, vector.about).toEqual(vector.query);
  }
});
