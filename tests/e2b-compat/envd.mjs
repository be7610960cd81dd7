// Starts Wrenn's envd where E2B's SDK looks for it in debug mode (localhost:49983), acting for a
// throwaway user and started with an access token as the agent starts it, and removes both afterwards.
// Needs root (it creates the user) and builds/envd.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import url from 'node:url';
import { Sandbox } from 'e2b';

const here = path.dirname(url.fileURLToPath(import.meta.url));
const envdBinary = process.env.ENVD_BINARY ?? path.resolve(here, '../../builds/envd');

export async function startEnvd() {
  const user = 'wrenn-e2b-' + randomBytes(4).toString('hex');
  execFileSync('useradd', ['--create-home', '--shell', '/bin/bash', user]);
  const token = randomBytes(32).toString('hex');
  const child = spawn(envdBinary, ['--listen', 'localhost:49983', '--default-user', user], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRENN_ENVD_ACCESS_TOKEN: token },
  });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const deadline = Date.now() + 20_000;
  let version;
  for (;;) {
    try {
      const res = await fetch('http://127.0.0.1:49983/health');
      if (res.status === 204) {
        version = res.headers.get('x-envd-version');
        break;
      }
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`envd did not start (exit ${child.exitCode}):\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    user,
    // The E2B envd version envd claims: the SDK gates features on it exactly as it does when the
    // platform's create answer carries it (a debug sandbox would otherwise assume 99.99.99).
    version,
    // Sandbox.create({ debug: true }) drops the token; the constructor, as create uses it, keeps it.
    sandbox: () => new Sandbox({ sandboxId: 'debug_sandbox_id', envdVersion: version, debug: true, envdAccessToken: token }),
    home: `/home/${user}`,
    log: () => log,
    async stop() {
      // SIGTERM lets envd kill what it started; whatever else runs as the throwaway user was started
      // by these tests too, and must go before the user can be removed.
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
      spawnSync('pkill', ['-KILL', '-u', user]);
      for (let i = 0; i < 50; i++) {
        if (spawnSync('userdel', ['--remove', user], { stdio: 'ignore' }).status === 0) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`could not remove test user ${user}`);
    },
  };
}
