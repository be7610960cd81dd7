/**
 * Wrenn's TypeScript SDK: sandboxes, commands, files and templates.
 *
 * ```ts
 * import { Sandbox } from '@wrenn/sdk';
 * const sandbox = await Sandbox.create();
 * console.log((await sandbox.commands.run('echo hello')).stdout);
 * await sandbox.kill();
 * ```
 */
export { Sandbox, Templates } from './sandbox.js';
export type { SandboxInfo, TemplateInfo, CreateOptions } from './sandbox.js';
export { Commands, CommandHandle } from './commands.js';
export type { CommandResult, CommandOutput, RunOptions } from './commands.js';
export { Files } from './files.js';
export type { EntryInfo, WriteData } from './files.js';
export { resolveSettings, configPath } from './config.js';
export type { ConnectionOptions, Settings } from './config.js';
export { Transport } from './http.js';
export * from './errors.js';
