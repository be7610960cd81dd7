import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { FileNotFoundError } from 'e2b';
import { startEnvd } from './envd.mjs';

let envd;
let sandbox;

before(async () => {
  envd = await startEnvd();
  sandbox = envd.sandbox();
});

after(async () => {
  await envd?.stop();
});

test('write then read text and bytes; relative paths are in the home directory', async () => {
  const info = await sandbox.files.write('notes/hello.txt', 'hello world');
  assert.equal(info.path, `${envd.home}/notes/hello.txt`);
  assert.equal(info.name, 'hello.txt');
  assert.equal(await sandbox.files.read('notes/hello.txt'), 'hello world');
  const bytes = await sandbox.files.read(`${envd.home}/notes/hello.txt`, { format: 'bytes' });
  assert.deepEqual(Buffer.from(bytes), Buffer.from('hello world'));
  const owner = await sandbox.commands.run(`stat -c %U ${envd.home}/notes/hello.txt ${envd.home}/notes`);
  assert.equal(owner.stdout, `${envd.user}\n${envd.user}\n`);
});

test('binary content and many files in one call survive the round trip', async () => {
  const data = new Uint8Array(256 * 1024).map((_, i) => (i * 7919) % 256);
  await sandbox.files.write([
    { path: 'multi/a.bin', data: data.buffer },
    { path: 'multi/b.txt', data: 'bee' },
  ]);
  const back = await sandbox.files.read('multi/a.bin', { format: 'bytes' });
  assert.deepEqual(Buffer.from(back), Buffer.from(data));
  assert.equal(await sandbox.files.read('multi/b.txt'), 'bee');
});

test('streamed uploads use application/octet-stream', async () => {
  const stream = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('streamed '));
      controller.enqueue(new TextEncoder().encode('content'));
      controller.close();
    },
  });
  await sandbox.files.write('streamed.txt', stream);
  assert.equal(await sandbox.files.read('streamed.txt'), 'streamed content');
});

test('reading a missing file raises FileNotFoundError', async () => {
  await assert.rejects(sandbox.files.read('does/not/exist.txt'), FileNotFoundError);
});

test('list, exists, getInfo, makeDir, rename and remove', async () => {
  assert.equal(await sandbox.files.makeDir('tree/sub'), true);
  assert.equal(await sandbox.files.makeDir('tree/sub'), false);
  await sandbox.files.write('tree/sub/leaf.txt', 'leaf');
  await sandbox.files.write('tree/top.txt', 'top');

  const top = await sandbox.files.list('tree');
  assert.deepEqual(top.map((e) => [e.name, e.type]).sort(), [['sub', 'dir'], ['top.txt', 'file']]);
  const deep = await sandbox.files.list('tree', { depth: 2 });
  assert.ok(deep.some((e) => e.path === `${envd.home}/tree/sub/leaf.txt`), JSON.stringify(deep));

  const info = await sandbox.files.getInfo('tree/top.txt');
  assert.equal(info.type, 'file');
  assert.equal(info.size, 3);
  assert.equal(info.owner, envd.user);
  assert.match(info.permissions, /^-rw/);
  assert.ok(info.modifiedTime instanceof Date);

  assert.equal(await sandbox.files.exists('tree/top.txt'), true);
  assert.equal(await sandbox.files.exists('tree/nope.txt'), false);

  const moved = await sandbox.files.rename('tree/top.txt', 'tree/renamed/top.txt');
  assert.equal(moved.path, `${envd.home}/tree/renamed/top.txt`);
  assert.equal(await sandbox.files.exists('tree/top.txt'), false);

  await sandbox.files.remove('tree');
  assert.equal(await sandbox.files.exists('tree'), false);
  await assert.rejects(sandbox.files.list('tree'), FileNotFoundError);
});

test('a symlink reports its target, and the type of what it points to, as E2B envd does', async () => {
  await sandbox.files.write('link-target.txt', 'x');
  await sandbox.commands.run(`ln -sf ${envd.home}/link-target.txt ${envd.home}/the-link`);
  const info = await sandbox.files.getInfo('the-link');
  assert.equal(info.type, 'file');
  assert.equal(info.path, `${envd.home}/the-link`);
  assert.equal(info.symlinkTarget, `${envd.home}/link-target.txt`);
  assert.match(info.permissions, /^L/);
});

test('watchDir reports creates, writes and removes, recursively', async () => {
  await sandbox.files.makeDir('watched/deeper');
  const events = [];
  const handle = await sandbox.files.watchDir('watched', (e) => events.push(e), { recursive: true });
  await sandbox.files.write('watched/new.txt', 'one');
  await sandbox.files.write('watched/deeper/inner.txt', 'two');
  await sandbox.files.remove('watched/new.txt');
  await waitFor(() => events.some((e) => e.type === 'remove' && e.name === 'new.txt'), () => JSON.stringify(events));
  assert.ok(events.some((e) => e.type === 'create' && e.name === 'new.txt'), JSON.stringify(events));
  assert.ok(events.some((e) => e.name === 'deeper/inner.txt'), JSON.stringify(events));
  await handle.stop();
});

async function waitFor(condition, describe, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out; saw: ' + describe());
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('gzip uploads are stored decompressed', async () => {
  await sandbox.files.write('zipped.txt', 'compressed on the way in', { gzip: true });
  assert.equal(await sandbox.files.read('zipped.txt'), 'compressed on the way in');
  assert.equal(await sandbox.files.read('zipped.txt', { gzip: true }), 'compressed on the way in');
});

test('file metadata written with a file comes back with its info', async () => {
  const written = await sandbox.files.write('tagged.txt', 'x', { metadata: { owner: 'team-a' } });
  assert.equal(written.metadata?.owner, 'team-a', JSON.stringify(written));
  const info = await sandbox.files.getInfo('tagged.txt');
  assert.equal(info.metadata?.owner, 'team-a', JSON.stringify(info));
});

test('envd claims E2B envd 0.6.4, the newest version the SDK gates features on', () => {
  assert.equal(envd.version, '0.6.4');
});

test('watch events carry the entry when asked (0.6.3), and network mounts may be allowed (0.6.4)', async () => {
  await sandbox.files.makeDir('entries');
  const events = [];
  const handle = await sandbox.files.watchDir('entries', (e) => events.push(e), { includeEntry: true, allowNetworkMounts: true });
  await sandbox.files.write('entries/seen.txt', 'twelve bytes');
  await waitFor(() => events.some((e) => e.name === 'seen.txt' && e.entry?.size === 12), () => JSON.stringify(events));
  const event = events.find((e) => e.name === 'seen.txt' && e.entry);
  assert.equal(event.entry.path, `${envd.home}/entries/seen.txt`);
  assert.equal(event.entry.type, 'file');
  await handle.stop();
});

test('an upload replaces the metadata of the file it overwrites', async () => {
  await sandbox.files.write('retagged.txt', 'one', { metadata: { stage: 'draft', owner: 'team-a' } });
  const written = await sandbox.files.write('retagged.txt', 'two', { metadata: { stage: 'final' } });
  assert.deepEqual(written.metadata, { stage: 'final' });
  assert.deepEqual((await sandbox.files.getInfo('retagged.txt')).metadata, { stage: 'final' });
  await sandbox.files.write('retagged.txt', 'three');
  const info = await sandbox.files.getInfo('retagged.txt');
  assert.ok(!info.metadata || Object.keys(info.metadata).length === 0, JSON.stringify(info));
});

test('gzip downloads come compressed and read back as the file', async () => {
  const text = 'line of text\n'.repeat(20_000);
  await sandbox.files.write('big.txt', text);
  const url = await sandbox.downloadUrl('big.txt');
  const res = await fetch(url, { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-encoding'), 'gzip');
  assert.equal(await res.text(), text);
  assert.equal(await sandbox.files.read('big.txt', { gzip: true }), text);
});
