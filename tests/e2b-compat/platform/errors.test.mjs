// Bad input through the SDK and straight to the REST API: unknown sandboxes, another team's
// sandbox (404 in E2B's shape, as if it did not exist), malformed bodies, missing keys.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Sandbox, SandboxNotFoundError, NotFoundError, AuthenticationError } from 'e2b';
import { api, foreignTeamKey } from './platform.mjs';

const unknown = 'sb-0123456789abcdef';
let sandbox;
let foreignKey;

before(async () => {
  sandbox = await Sandbox.create({ timeoutMs: 120_000 });
  foreignKey = 'e2b_' + (await foreignTeamKey()).replace(/^wrn_/, '');
});
after(async () => { await sandbox?.kill().catch(() => {}); });

const notFound = (err) => err instanceof SandboxNotFoundError || err instanceof NotFoundError;

function assertE2bError(res, status) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.code, status);
  assert.equal(typeof res.body.message, 'string');
}

test('an unknown sandbox: getInfo and connect throw not-found, kill and pause answer false/throw', async () => {
  await assert.rejects(Sandbox.getInfo(unknown), notFound);
  await assert.rejects(Sandbox.connect(unknown), notFound);
  await assert.rejects(Sandbox.setTimeout(unknown, 10_000), notFound);
  await assert.rejects(Sandbox.pause(unknown), notFound);
  assert.equal(await Sandbox.kill(unknown), false);
  assertE2bError(await api('GET', `/sandboxes/${unknown}`), 404);
});

test('another team\'s sandbox is 404 in E2B\'s shape and stays untouched', async () => {
  const opts = { apiKey: foreignKey };
  await assert.rejects(Sandbox.getInfo(sandbox.sandboxId, opts), notFound);
  await assert.rejects(Sandbox.connect(sandbox.sandboxId, opts), notFound);
  assert.equal(await Sandbox.kill(sandbox.sandboxId, opts), false);
  for (const [method, path, body] of [
    ['GET', `/sandboxes/${sandbox.sandboxId}`],
    ['DELETE', `/sandboxes/${sandbox.sandboxId}`],
    ['POST', `/sandboxes/${sandbox.sandboxId}/pause`, {}],
    ['POST', `/v2/sandboxes/${sandbox.sandboxId}/connect`, { timeout: 10 }],
    ['POST', `/sandboxes/${sandbox.sandboxId}/timeout`, { timeout: 1 }],
    ['GET', `/sandboxes/${sandbox.sandboxId}/metrics`],
  ]) {
    assertE2bError(await api(method, path, body, { key: foreignKey }), 404);
  }
  const theirs = await Sandbox.list({ apiKey: foreignKey }).nextItems();
  assert.ok(!theirs.some((s) => s.sandboxId === sandbox.sandboxId));
  assert.equal((await sandbox.getInfo()).state, 'running');
  assert.equal((await sandbox.commands.run('echo alive')).stdout, 'alive\n');
});

test('malformed bodies are 400 in E2B\'s shape; fields E2B added later are ignored', async () => {
  assertE2bError(await api('POST', '/v2/sandboxes', '{"templateID": ', { raw: true }), 400);
  assertE2bError(await api('POST', '/v2/sandboxes', { templateID: 'base', timeout: 'soon' }), 400);
  assertE2bError(await api('POST', '/sandboxes', '[1,2,3]', { raw: true }), 400);
  assertE2bError(await api('POST', `/sandboxes/${sandbox.sandboxId}/timeout`, '{"timeout": [1]}', { raw: true }), 400);
  assertE2bError(await api('POST', `/v2/sandboxes/${sandbox.sandboxId}/connect`, '{oops', { raw: true }), 400);
  const list = await api('GET', '/v2/sandboxes?metadata=broken');
  assertE2bError(list, 400);
  const created = await api('POST', '/v2/sandboxes', { templateID: 'base', timeout: 30, aFieldFromTheFuture: { x: 1 } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal((await api('DELETE', `/sandboxes/${created.body.sandboxID}`)).status, 204);
});

test('a wrong key is 401 in E2B\'s shape', async () => {
  assertE2bError(await api('GET', '/v2/sandboxes', undefined, { key: 'e2b_00000000000000000000000000000000' }), 401);
  await assert.rejects(Sandbox.list({ apiKey: 'e2b_00000000000000000000000000000000' }).nextItems(), (err) => err instanceof AuthenticationError);
});
