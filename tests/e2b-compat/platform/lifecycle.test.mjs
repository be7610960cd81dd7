// E2B's SDK lifecycle against a real Wrenn platform, for the newest SDK (/v2/sandboxes, /v2/…/connect)
// and 2.50 (the older POST /sandboxes and /sandboxes/{id}/connect): create with metadata and env
// vars, getInfo, list with a metadata filter and paging, setTimeout, getMetrics, pause (twice),
// connect resuming it with its files and processes intact, kill (twice).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import * as latest from 'e2b';
import * as v250 from 'e2b-250';
import { waitFor } from './platform.mjs';

const created = [];
after(async () => {
  for (const sandbox of created) await sandbox.kill().catch(() => {});
});

for (const [name, sdk] of [['latest', latest], ['2.50', v250]]) {
  const { Sandbox } = sdk;

  test(`${name}: create with metadata and env vars, getInfo, setTimeout, metrics`, async () => {
    const tag = crypto.randomBytes(4).toString('hex');
    const sandbox = await Sandbox.create({ metadata: { suite: 'lifecycle', tag }, envs: { GREETING: `hello-${tag}` }, timeoutMs: 120_000 });
    created.push(sandbox);
    assert.match(sandbox.sandboxId, /^sb-[0-9a-f]{16}$/);

    const echoed = await sandbox.commands.run('echo "$GREETING"');
    assert.equal(echoed.stdout, `hello-${tag}\n`);

    const info = await sandbox.getInfo();
    assert.equal(info.sandboxId, sandbox.sandboxId);
    // As E2B answers: the template's id in templateId, the name it was asked for by in name.
    assert.equal(info.name, 'base');
    assert.ok(info.templateId, JSON.stringify(info));
    assert.equal(info.state, 'running');
    assert.deepEqual(info.metadata, { suite: 'lifecycle', tag });
    assert.ok(info.cpuCount >= 1 && info.memoryMB >= 128, JSON.stringify(info));
    const lifetime = info.endAt.getTime() - Date.now();
    assert.ok(lifetime > 100_000 && lifetime <= 121_000, `endAt ${info.endAt.toISOString()}`);

    await sandbox.setTimeout(30_000);
    const shorter = (await sandbox.getInfo()).endAt.getTime() - Date.now();
    assert.ok(shorter > 20_000 && shorter <= 31_000, `after setTimeout: ${shorter} ms left`);

    const metrics = await sandbox.getMetrics();
    assert.ok(metrics.length >= 1, JSON.stringify(metrics));
    assert.ok(metrics[0].memTotal > 0 && metrics[0].cpuCount >= 1, JSON.stringify(metrics[0]));
    assert.ok(metrics[0].timestamp instanceof Date);
  });

  test(`${name}: list filters by metadata and pages`, async () => {
    const tag = crypto.randomBytes(4).toString('hex');
    const three = await Promise.all([0, 1, 2].map(() => Sandbox.create({ metadata: { suite: 'list', tag: `${tag} & = %` } })));
    created.push(...three);

    const paginator = Sandbox.list({ query: { metadata: { tag: `${tag} & = %` } }, limit: 2 });
    const seen = [];
    let pages = 0;
    while (paginator.hasNext) {
      const items = await paginator.nextItems();
      pages++;
      seen.push(...items.map((s) => s.sandboxId));
      for (const item of items) assert.equal(item.metadata.suite, 'list');
    }
    assert.equal(pages, 2);
    assert.deepEqual([...seen].sort(), three.map((s) => s.sandboxId).sort());

    await three[0].pause();
    const paused = await Sandbox.list({ query: { metadata: { tag: `${tag} & = %` }, state: ['paused'] } }).nextItems();
    assert.deepEqual(paused.map((s) => s.sandboxId), [three[0].sandboxId]);
    assert.equal(paused[0].state, 'paused');
  });

  test(`${name}: pause twice, connect resumes with files and a process intact, kill twice`, async () => {
    const sandbox = await Sandbox.create();
    created.push(sandbox);
    await sandbox.files.write('kept.txt', 'still here');
    const sleeper = await sandbox.commands.run('sleep 600', { background: true });

    assert.equal(await sandbox.pause(), true);
    assert.equal(await sandbox.pause(), false);
    assert.equal((await Sandbox.getInfo(sandbox.sandboxId)).state, 'paused');

    const again = await Sandbox.connect(sandbox.sandboxId, { timeoutMs: 60_000 });
    assert.equal((await again.getInfo()).state, 'running');
    assert.equal(await again.files.read('kept.txt'), 'still here');
    const processes = await again.commands.list();
    assert.ok(processes.some((p) => p.pid === sleeper.pid), JSON.stringify(processes));

    // Connecting to a running sandbox changes nothing but (at most) its end time.
    await Sandbox.connect(sandbox.sandboxId);

    assert.equal(await again.kill(), true);
    assert.equal(await again.kill(), false);
    assert.equal(await Sandbox.kill(sandbox.sandboxId), false);
    await assert.rejects(Sandbox.getInfo(sandbox.sandboxId), (err) => err instanceof sdk.SandboxNotFoundError || err instanceof sdk.NotFoundError);
    await waitFor(async () => !(await again.isRunning().catch(() => false)), () => 'sandbox still answers after kill', 10_000);
  });
}
