// A copy of the built app whose config.json a test changes, served by that test's backend:
// a deployment's configuration, not an interception.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A `devserverArgs` fixture serving the built app (`HERALD_DIST`) with its config.json
 * changed by `edit`; the copy is removed after the test.
 */
export function servedWithConfig(edit: (config: Record<string, any>) => void) {
  return async ({}, use: (args: string[]) => Promise<void>) => {
    const dist = mkdtempSync(path.join(tmpdir(), 'herald-dist-'));
    cpSync(process.env.HERALD_DIST as string, dist, { recursive: true });
    const file = path.join(dist, 'config.json');
    const config = JSON.parse(readFileSync(file, 'utf8'));
    edit(config);
    writeFileSync(file, JSON.stringify(config));
    await use(['--serve-app', dist]);
    rmSync(dist, { recursive: true, force: true });
  };
}

/** A tenant channel template this backend refuses for user@acme.test: `private-tenant.91`. */
export function refusedTenantChannel(config: Record<string, any>): void {
  config.channels.tenant = 'private-tenant.9{tenant_id}';
}
