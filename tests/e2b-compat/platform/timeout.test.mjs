// E2B's timeout is a lifetime: when it runs out the sandbox is killed, or paused when created with
// onTimeout: 'pause'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sandbox, SandboxNotFoundError, NotFoundError } from 'e2b';
import { waitFor } from './platform.mjs';

test('an expired timeout kills the sandbox; with onTimeout pause it pauses it', async () => {
  const [killed, paused] = await Promise.all([
    Sandbox.create({ timeoutMs: 3_000 }),
    Sandbox.create({ timeoutMs: 3_000, lifecycle: { onTimeout: 'pause' } }),
  ]);
  try {
    await waitFor(async () => {
      try {
        await Sandbox.getInfo(killed.sandboxId);
        return false;
      } catch (err) {
        if (err instanceof SandboxNotFoundError || err instanceof NotFoundError) return true;
        throw err;
      }
    }, () => `${killed.sandboxId} still exists`, 30_000, 250);
    assert.equal(await Sandbox.kill(killed.sandboxId), false);

    const info = await waitFor(async () => {
      const current = await Sandbox.getInfo(paused.sandboxId);
      return current.state === 'paused' ? current : false;
    }, () => `${paused.sandboxId} not paused`, 30_000, 250);
    assert.equal(info.state, 'paused');
    assert.equal((await Sandbox.connect(paused.sandboxId)).sandboxId, paused.sandboxId);
    assert.equal((await Sandbox.getInfo(paused.sandboxId)).state, 'running');
  } finally {
    await Sandbox.kill(killed.sandboxId).catch(() => {});
    await Sandbox.kill(paused.sandboxId).catch(() => {});
  }
});
