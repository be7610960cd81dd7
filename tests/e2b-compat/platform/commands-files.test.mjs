// commands and files through the platform: the SDK reaches envd through Wrenn's traffic proxy
// (E2B_SANDBOX_URL and the E2b-Sandbox-Id/-Port headers) with the envd token the API handed out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Sandbox, CommandExitError } from 'e2b';
import { waitFor } from './platform.mjs';

let sandbox;
before(async () => { sandbox = await Sandbox.create({ timeoutMs: 120_000 }); });
after(async () => { await sandbox?.kill().catch(() => {}); });

test('commands.run: stdout, stderr and exit code', async () => {
  const result = await sandbox.commands.run('echo out; echo err >&2');
  assert.equal(result.stdout, 'out\n');
  assert.equal(result.stderr, 'err\n');
  assert.equal(result.exitCode, 0);
  await assert.rejects(sandbox.commands.run('exit 7'), (err) => err instanceof CommandExitError && err.exitCode === 7);
});

test('commands.run: background commands are listed and killed', async () => {
  const sleeper = await sandbox.commands.run('sleep 600', { background: true });
  assert.ok((await sandbox.commands.list()).some((p) => p.pid === sleeper.pid));
  assert.equal(await sleeper.kill(), true);
  await assert.rejects(sleeper.wait());
  assert.ok(!(await sandbox.commands.list()).some((p) => p.pid === sleeper.pid));
});

test('commands.run: stdin is written and closed', async () => {
  const cat = await sandbox.commands.run('cat', { background: true, stdin: true });
  await sandbox.commands.sendStdin(cat.pid, 'first\n');
  await cat.closeStdin();
  assert.equal((await cat.wait()).stdout, 'first\n');
});

test('files: text, bytes and 5 MiB round-trip; list and remove', async () => {
  await sandbox.files.write('dir/text.txt', 'hällo');
  assert.equal(await sandbox.files.read('dir/text.txt'), 'hällo');

  const bytes = new Uint8Array([0, 1, 2, 255, 254, 10, 13]);
  await sandbox.files.write('dir/bytes.bin', bytes.buffer);
  assert.deepEqual(new Uint8Array(await sandbox.files.read('dir/bytes.bin', { format: 'bytes' })), bytes);

  const big = crypto.randomBytes(5 * 1024 * 1024);
  await sandbox.files.write('dir/big.bin', new Blob([big]));
  const back = Buffer.from(await sandbox.files.read('dir/big.bin', { format: 'bytes' }));
  assert.equal(back.length, big.length);
  assert.ok(back.equals(big), '5 MiB came back different');

  const listed = await sandbox.files.list('dir');
  assert.deepEqual(listed.map((e) => e.name).sort(), ['big.bin', 'bytes.bin', 'text.txt']);
  await sandbox.files.remove('dir/big.bin');
  assert.equal(await sandbox.files.exists('dir/big.bin'), false);
});

test('files: watchDir reports a write', async () => {
  await sandbox.files.makeDir('watched');
  const events = [];
  const handle = await sandbox.files.watchDir('watched', (e) => events.push(e));
  await sandbox.files.write('watched/new.txt', 'x');
  await waitFor(() => events.some((e) => e.name === 'new.txt'), () => JSON.stringify(events), 10_000);
  await handle.stop();
});
