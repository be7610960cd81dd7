// The dashboard in a real browser against a real platform: Playwright (playwright-core) drives Debian's
// Chromium, headless. Run through scripts/with-platform.sh, which sets WRENN_API_URL and
// WRENN_TEST_PLATFORM_DIR (for the administrator's credentials):
//
//   flock /tmp/wrenn-sandbox-tests.lock scripts/with-platform.sh node dashboard/tests/run.mjs
//
// Screenshots of every page go to $WRENN_DASHBOARD_TEST_OUTPUT (default dashboard/test-output/).
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';

const api = (process.env.WRENN_API_URL ?? '').replace(/\/$/, '');
const platformDir = process.env.WRENN_TEST_PLATFORM_DIR;
if (!api || !platformDir) {
  console.error('run me through scripts/with-platform.sh (WRENN_API_URL and WRENN_TEST_PLATFORM_DIR)');
  process.exit(2);
}
const admin = JSON.parse(readFileSync(join(platformDir, 'admin-credentials.json'), 'utf8'));
const output = process.env.WRENN_DASHBOARD_TEST_OUTPUT ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'test-output');
mkdirSync(output, { recursive: true });
const origin = new URL(api).origin;
const loopback = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

// What the browser must never do: talk to anything but loopback, or log an error we did not cause on purpose.
const offLoopback = [];
const consoleErrors = [];
const expectedErrors = []; // "Failed to load resource" lines of statuses a scenario provokes

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function newPage() {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 900 } });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (!loopback.has(url.hostname)) {
      offLoopback.push(url.href);
      return route.abort();
    }
    return route.continue();
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error' && !expectedErrors.some((e) => message.text().includes(e))) consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  page.on('websocket', (socket) => {
    if (!loopback.has(new URL(socket.url()).hostname)) offLoopback.push(socket.url());
  });
  page.on('dialog', (dialog) => dialog.accept());
  return page;
}

const results = [];
// WRENN_DASHBOARD_TEST_ONLY=regex runs only the scenarios whose names match (for work on one page).
const only = process.env.WRENN_DASHBOARD_TEST_ONLY ? new RegExp(process.env.WRENN_DASHBOARD_TEST_ONLY) : null;
async function scenario(name, body) {
  if (only && !only.test(name)) return;
  const started = performance.now();
  try {
    await body();
    results.push({ name, ok: true, ms: performance.now() - started });
    console.log(`ok   ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    results.push({ name, ok: false, ms: performance.now() - started, error });
    console.log(`FAIL ${name}: ${error.stack ?? error}`);
    await Promise.all(pages.map((p, i) => p.screenshot({ path: join(output, `failure-${results.length}-${i}.png`), fullPage: true }).catch(() => {})));
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

async function shot(page, name) {
  await page.screenshot({ path: join(output, `${name}.png`), fullPage: true });
}

async function call(method, path, { key, token, body, headers = {} } = {}) {
  const h = { ...headers };
  if (key) h['X-API-Key'] = key;
  if (token) h.Authorization = `Bearer ${token}`;
  if (body) h['Content-Type'] = 'application/json';
  const response = await fetch(api + path, { method, headers: h, body: body ? JSON.stringify(body) : undefined });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

/** The status an exec-stream WebSocket upgrade gets (101 when accepted). */
function upgradeStatus(sandboxId, ticket, wsOrigin) {
  return new Promise((resolve, reject) => {
    const request = http.request(`${api}/v1/sandboxes/${sandboxId}/exec/stream?ticket=${encodeURIComponent(ticket)}`, {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64'), Origin: wsOrigin },
    });
    request.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve(response.statusCode);
    });
    request.on('response', (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('error', reject);
    request.end();
  });
}

async function terminalText(page) {
  return (await page.locator('.xterm-rows').innerText()).replace(/\u00a0/g, ' ');
}

async function sttySize(page) {
  await page.locator('.xterm').click();
  const marker = `size-${randomBytes(3).toString('hex')}`;
  await page.keyboard.type(`clear; echo ${marker}; stty size\n`);
  let size = null;
  await waitFor(async () => {
    const lines = (await terminalText(page)).split('\n').map((l) => l.trim());
    const at = lines.lastIndexOf(marker);
    const match = at >= 0 ? lines.slice(at + 1).find((l) => /^\d+ \d+$/.test(l)) : null;
    size = match ?? null;
    return size !== null;
  }, `stty size output after ${marker}`);
  return size;
}

async function waitFor(check, what, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const pages = [];
const page = await newPage();
pages.push(page);
let sandboxId = null;
let firstTeam = null;
const templateName = `dash-${randomBytes(3).toString('hex')}`;

await scenario('wrenn up prints the dashboard URL and the admin login', async () => {
  // scripts/with-platform.sh keeps what `wrenn up` printed beside the platform's directory.
  const banner = readFileSync(join(platformDir, '..', 'up.log'), 'utf8');
  assert(banner.includes(`Dashboard: ${api}/dashboard/`), `no dashboard URL in:\n${banner}`);
  assert(banner.includes(`Admin:     ${admin.email} / ${admin.password}`), 'no admin login in the banner');
});

await scenario('sign in (/ redirects to the dashboard, which asks to sign in)', async () => {
  await page.goto(api + '/');
  await page.waitForURL('**/dashboard/sign-in');
  await page.fill('input[name=email]', admin.email);
  await page.fill('input[name=password]', admin.password);
  await shot(page, '01-sign-in');
  await page.click('button[type=submit]');
  await page.waitForURL('**/dashboard/sandboxes');
  await page.getByRole('heading', { name: 'Sandboxes' }).waitFor();
  const stored = await page.evaluate(() => sessionStorage.getItem('wrenn.session'));
  assert(stored && !page.url().includes(JSON.parse(stored).token), 'the token is in sessionStorage and not in the URL');
  firstTeam = JSON.parse(stored).teamId;
});

await scenario('create a sandbox from the dialog and see it running', async () => {
  await page.click('text=New sandbox');
  await page.fill('dialog textarea[name=metadata]', 'suite=dashboard');
  await shot(page, '02-create-dialog');
  await page.click('dialog button[type=submit]');
  await page.waitForURL(/\/dashboard\/sandboxes\/sb-/, { timeout: 60000 });
  sandboxId = page.url().split('/').pop();
  await page.locator('[data-testid=sandbox-state]', { hasText: 'running' }).waitFor();
});

await scenario('the terminal runs what is typed: echo wrenn-$((40+2)) prints wrenn-42', async () => {
  await page.locator('[data-testid=terminal-status]', { hasText: 'connected' }).waitFor();
  await page.locator('.xterm').click();
  await page.keyboard.type('echo wrenn-$((40+2))\n');
  await waitFor(async () => (await terminalText(page)).includes('wrenn-42'), 'wrenn-42 on screen');
});

await scenario('the terminal resizes with the window: stty size changes', async () => {
  const before = await sttySize(page);
  await page.setViewportSize({ width: 1000, height: 900 });
  let after = before;
  await waitFor(async () => (after = await sttySize(page)) !== before, `stty size other than ${before}`);
  console.log(`     stty size ${before} -> ${after}`);
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.waitForTimeout(2500); // a few metric samples for the charts
  await shot(page, '03-sandbox');
});

await scenario('upload a file, see it listed, download the same bytes', async () => {
  const bytes = randomBytes(70000);
  await page.locator('[data-testid=upload]').setInputFiles({ name: 'upload.bin', mimeType: 'application/octet-stream', buffer: bytes });
  const row = page.locator('tr[data-file="upload.bin"]');
  await row.waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'Download' }).click()]);
  const downloaded = readFileSync(await download.path());
  assert(Buffer.compare(downloaded, bytes) === 0, `downloaded ${downloaded.length} bytes differ from the ${bytes.length} uploaded`);
  await page.locator('[data-testid=upload]').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello from the dashboard\n') });
  await page.locator('tr[data-file="notes.txt"]').getByRole('button', { name: 'View' }).click();
  await page.locator('[data-testid=file-text]', { hasText: 'hello from the dashboard' }).waitFor();
  await page.fill('input[aria-label="New folder name"]', 'made-here');
  await page.click('text=Make folder');
  await page.locator('tr[data-file="made-here"]').waitFor();
  await page.locator('tr[data-file="made-here"]').getByRole('button', { name: 'Delete' }).click();
  await page.locator('tr[data-file="made-here"]').waitFor({ state: 'detached' });
});

await scenario('save as template, launch from it; deleting it while used shows the 409 reason', async () => {
  await page.fill('input[name=template-name]', templateName);
  await page.click('button:has-text("Save as template")');
  await page.locator('.notice', { hasText: `Saved as template ${templateName}` }).waitFor({ timeout: 120000 });
  await page.click('nav >> text=Templates');
  const row = page.locator(`tr[data-template="${templateName}"]`);
  await row.waitFor();
  await shot(page, '04-templates');
  await row.getByRole('button', { name: 'Launch' }).click();
  await page.waitForURL((url) => /\/sandboxes\/sb-/.test(url.pathname) && !url.pathname.endsWith(sandboxId), { timeout: 60000 });
  await page.locator('[data-testid=sandbox-state]', { hasText: 'running' }).waitFor();
  await page.click('nav >> text=Templates');
  expectedErrors.push('status of 409');
  await page.locator(`tr[data-template="${templateName}"]`).getByRole('button', { name: 'Delete' }).click();
  await page.locator('.error', { hasText: `cannot delete ${templateName}` }).waitFor();
  await shot(page, '05-template-in-use');
});

await scenario('pause and resume from the list', async () => {
  await page.click('nav >> text=Sandboxes');
  const row = page.locator(`tr[data-sandbox="${sandboxId}"]`);
  await row.getByRole('button', { name: 'Pause' }).click();
  await row.locator('[data-testid=state]', { hasText: 'paused' }).waitFor({ timeout: 60000 });
  await shot(page, '06-sandboxes-paused');
  await row.getByRole('button', { name: 'Resume' }).click();
  await row.locator('[data-testid=state]', { hasText: 'running' }).waitFor({ timeout: 60000 });
  await page.fill('input[name=metadata]', 'suite=dashboard');
  await page.click('button:has-text("Filter")');
  await waitFor(async () => (await page.locator('tr[data-sandbox]').count()) === 1, 'the metadata filter leaving one sandbox');
  await shot(page, '07-sandboxes');
  await page.fill('input[name=metadata]', '');
  await page.click('button:has-text("Filter")');
});

await scenario('an API key made in the dashboard works with curl until it is revoked, then 401', async () => {
  await page.click('nav >> text=API keys');
  await page.fill('input[name=key-name]', 'from-the-dashboard');
  await page.click('button:has-text("Create key")');
  const key = (await page.locator('[data-testid=new-key]').innerText()).trim();
  assert(key.startsWith('wrn_'), `a key is shown once: ${key}`);
  await shot(page, '08-api-keys');
  const curl = (k) => spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `X-API-Key: ${k}`, `${api}/v1/sandboxes`], { encoding: 'utf8' }).stdout;
  assert(curl(key) === '200', `curl with the new key answers ${curl(key)}`);
  await page.locator('tr[data-key="from-the-dashboard"]').getByRole('button', { name: 'Revoke' }).click();
  await page.locator('tr[data-key="from-the-dashboard"]').waitFor({ state: 'detached' });
  assert(curl(key) === '401', `curl with the revoked key answers ${curl(key)}`);
  assert((await call('GET', '/v1/sandboxes', { key })).status === 401, 'fetch with the revoked key is 401');
});

await scenario('a terminal ticket works once, and never from a foreign Origin', async () => {
  const ticket = async () => (await call('POST', `/v1/sandboxes/${sandboxId}/exec/ticket`, { key: admin.api_key })).json.ticket;
  const once = await ticket();
  assert((await upgradeStatus(sandboxId, once, origin)) === 101, 'a fresh ticket opens the stream');
  const reused = await upgradeStatus(sandboxId, once, origin);
  assert(reused === 401, `a reused ticket is refused (${reused})`);
  const foreign = await upgradeStatus(sandboxId, await ticket(), 'http://evil.example');
  assert(foreign === 403, `a foreign Origin is refused (${foreign})`);
});

await scenario('switch team: only that team\'s sandboxes', async () => {
  await page.click('nav >> text=Team');
  await page.locator(`tr[data-member="${admin.email}"]`).waitFor();
  await page.fill('input[name=team-name]', 'second team');
  await page.click('button:has-text("Create team")');
  await page.getByRole('heading', { name: 'Team second team' }).waitFor();
  await shot(page, '09-team');
  await page.click('nav >> text=Sandboxes');
  await page.locator('td', { hasText: 'No sandboxes yet' }).waitFor();
  assert((await page.locator(`tr[data-sandbox="${sandboxId}"]`).count()) === 0, 'the other team\'s sandbox is not listed');
  await page.selectOption('select[aria-label=Team]', firstTeam);
  await page.locator(`tr[data-sandbox="${sandboxId}"]`).waitFor();
});

await scenario('hosts (administrators): list, capacity, add shows the registration command', async () => {
  await page.click('nav >> text=Hosts');
  await page.locator('table[data-testid=hosts] .state', { hasText: 'ready' }).first().waitFor();
  await page.click('button:has-text("Add host")');
  const command = await page.locator('[data-testid=register-command]').innerText();
  assert(command.includes('wrenn-agent --register ') && command.includes(origin), `registration command: ${command}`);
  await page.waitForTimeout(500);
  await shot(page, '10-hosts');
  await page.locator('tr', { hasText: 'pending' }).getByRole('button', { name: 'Remove' }).click();
  await page.locator('tr', { hasText: 'pending' }).waitFor({ state: 'detached' });
});

await scenario('a non-administrator signs up with an invite and sees no Hosts page; the team adds and removes them', async () => {
  const session = (await call('POST', '/v1/auth/login', { body: { email: admin.email, password: admin.password } })).json;
  const invite = (await call('POST', '/v1/invites', { token: session.token, body: { email: 'member@example.org' } })).json;
  const other = await newPage();
  pages.push(other);
  await other.goto(api + '/dashboard/');
  await other.click('text=No account? Sign up');
  await other.fill('input[name=email]', 'member@example.org');
  await other.fill('input[name=password]', 'member-password');
  await other.fill('input[name=invite]', invite.code);
  await other.click('button[type=submit]');
  await other.locator('.notice', { hasText: 'Account ready' }).waitFor();
  await other.click('button[type=submit]');
  await other.waitForURL('**/dashboard/sandboxes');
  await other.locator('td', { hasText: 'No sandboxes yet' }).waitFor();
  assert((await other.locator('nav >> text=Hosts').count()) === 0, 'no Hosts link for a non-administrator');
  await other.goto(api + '/dashboard/hosts');
  await other.getByRole('heading', { name: 'Not found' }).waitFor();
  await shot(other, '11-member-no-hosts');
  await other.context().close();
  // The administrator's team takes the new user in, then lets them go.
  await page.click('nav >> text=Team');
  await page.fill('input[name=member-email]', 'member@example.org');
  await page.click('button:has-text("Add")');
  const row = page.locator('tr[data-member="member@example.org"]');
  await row.waitFor();
  await row.getByRole('button', { name: 'Remove' }).click();
  await row.waitFor({ state: 'detached' });
});

await scenario('a revoked session returns to sign-in; bulk destroy empties the list', async () => {
  await page.click('nav >> text=Sandboxes');
  await page.locator(`tr[data-sandbox="${sandboxId}"]`).waitFor();
  for (const box of await page.locator('tr[data-sandbox] input[type=checkbox]').all()) await box.check();
  await page.click('button:has-text("Destroy selected")');
  await page.locator('td', { hasText: 'No sandboxes yet' }).waitFor({ timeout: 60000 });
  // Another tab signing out ends this session: the next call is 401 and the page goes to sign-in.
  const token = JSON.parse(await page.evaluate(() => sessionStorage.getItem('wrenn.session'))).token;
  assert((await call('POST', '/v1/auth/logout', { token })).status === 204, 'logout');
  expectedErrors.push('status of 401');
  await page.waitForURL('**/dashboard/sign-in', { timeout: 15000 });
  await page.getByRole('heading', { name: 'Sign in to Wrenn' }).waitFor();
});

await scenario('the browser logged no errors and sent nothing off loopback', async () => {
  assert(offLoopback.length === 0, `requests left loopback: ${offLoopback.join(', ')}`);
  assert(consoleErrors.length === 0, `console errors: ${consoleErrors.join(' | ')}`);
});

await browser.close();
const failed = results.filter((r) => !r.ok);
console.log(`${results.length - failed.length}/${results.length} passed in ${(results.reduce((t, r) => t + r.ms, 0) / 1000).toFixed(1)} s; screenshots in ${output}`);
process.exit(failed.length === 0 ? 0 : 1);
