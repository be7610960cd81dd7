import { Commands } from './commands.js';
import { resolveSettings, type ConnectionOptions } from './config.js';
import { NotFoundError } from './errors.js';
import { Files } from './files.js';
import { Transport } from './http.js';

/** A sandbox as the API describes it. */
export interface SandboxInfo {
  id: string;
  state: string;
  template: string;
  vcpus: number;
  memoryMb: number;
  timeoutSec: number;
  metadata: Record<string, string>;
}

/** A template: a sandbox's files frozen under a name. */
export interface TemplateInfo {
  name: string;
  vcpus?: number;
  memoryMb?: number;
}

/** What a new sandbox should be. */
export interface CreateOptions extends ConnectionOptions {
  template?: string;
  vcpus?: number;
  memoryMb?: number;
  /** Inactivity in ms before it is paused (0 or unset = never). */
  timeoutMs?: number;
  metadata?: Record<string, string>;
  envs?: Record<string, string>;
}

function info(data: any): SandboxInfo {
  return { id: data.id, state: data.state, template: data.template ?? '', vcpus: data.vcpus ?? 0, memoryMb: data.memory_mb ?? 0, timeoutSec: data.timeout_sec ?? 0, metadata: data.metadata ?? {} };
}

/** An isolated machine. `await using sandbox = await Sandbox.create()` kills it at the end of the scope (or call `kill()`). */
export class Sandbox {
  /** Run commands in it. */
  readonly commands: Commands;
  /** Its files. */
  readonly files: Files;

  private constructor(private readonly transport: Transport, public readonly sandboxId: string) {
    this.commands = new Commands(transport, sandboxId);
    this.files = new Files(transport, sandboxId);
  }

  /** Creates a sandbox and waits until it runs. */
  static async create(options: CreateOptions = {}): Promise<Sandbox> {
    const transport = new Transport(resolveSettings(options));
    const body: Record<string, unknown> = {};
    if (options.template) body.template = options.template;
    if (options.vcpus) body.vcpus = options.vcpus;
    if (options.memoryMb) body.memory_mb = options.memoryMb;
    if (options.timeoutMs !== undefined) body.timeout_sec = Math.ceil(options.timeoutMs / 1000);
    if (options.metadata) body.metadata = options.metadata;
    if (options.envs) body.env = options.envs;
    const created = await transport.json('POST', '/v1/sandboxes', body);
    return new Sandbox(transport, created.id);
  }

  /** An existing sandbox by id (NotFoundError when your team has none). */
  static async connect(sandboxId: string, options: ConnectionOptions = {}): Promise<Sandbox> {
    const transport = new Transport(resolveSettings(options));
    await transport.json('GET', `/v1/sandboxes/${encodeURIComponent(sandboxId)}`);
    return new Sandbox(transport, sandboxId);
  }

  /** Your team's sandboxes (not stopped ones), every page, filtered by states and metadata pairs. */
  static async list(options: ConnectionOptions & { states?: string[]; metadata?: Record<string, string> } = {}): Promise<SandboxInfo[]> {
    const transport = new Transport(resolveSettings(options));
    const result: SandboxInfo[] = [];
    let cursor: string | undefined;
    do {
      const page = await transport.json('GET', '/v1/sandboxes', undefined, {
        limit: 1000,
        cursor,
        state: options.states?.join(','),
        metadata: Object.entries(options.metadata ?? {}).map(([k, v]) => `${k}=${v}`),
      });
      result.push(...page.sandboxes.map(info));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return result;
  }

  /** The sandbox now. */
  async getInfo(): Promise<SandboxInfo> {
    return info(await this.transport.json('GET', this.path()));
  }

  /** Destroys it; one that is already gone is not an error. */
  async kill(): Promise<void> {
    try {
      await this.transport.json('DELETE', this.path());
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }

  /** Freezes every process where it stands. */
  async pause(): Promise<SandboxInfo> {
    return info(await this.transport.json('POST', this.path('/pause')));
  }

  /** Continues it; `timeoutMs` replaces its inactivity timeout. */
  async resume(timeoutMs?: number): Promise<SandboxInfo> {
    return info(await this.transport.json('POST', this.path('/resume'), timeoutMs === undefined ? undefined : { timeout_sec: Math.ceil(timeoutMs / 1000) }));
  }

  /** Resets its inactivity timer. */
  async ping(): Promise<void> {
    await this.transport.json('POST', this.path('/ping'));
  }

  /** Inactivity in ms before it is paused (0 = never). */
  async setTimeout(timeoutMs: number): Promise<void> {
    await this.transport.json('POST', this.path('/timeout'), { timeout_sec: Math.ceil(timeoutMs / 1000) });
  }

  /** Makes template `name` of its files; it stays as it was. */
  async createTemplate(name: string): Promise<TemplateInfo> {
    const t = await this.transport.json('POST', '/v1/snapshots', { sandbox_id: this.sandboxId, name });
    return { name: t.name, vcpus: t.vcpus, memoryMb: t.memory_mb };
  }

  /** `await using`: kills the sandbox. */
  async [(Symbol as any).asyncDispose ?? Symbol.for('Symbol.asyncDispose')](): Promise<void> {
    await this.kill();
  }

  private path(suffix = ''): string {
    return `/v1/sandboxes/${encodeURIComponent(this.sandboxId)}${suffix}`;
  }
}

/** Templates of your team. */
export const Templates = {
  /** Every template, oldest first. */
  async list(options: ConnectionOptions = {}): Promise<TemplateInfo[]> {
    const answer = await new Transport(resolveSettings(options)).json('GET', '/v1/snapshots');
    return answer.snapshots.map((t: any) => ({ name: t.name, vcpus: t.vcpus, memoryMb: t.memory_mb }));
  },
  /** Removes a template no sandbox uses (ConflictError otherwise). */
  async delete(name: string, options: ConnectionOptions = {}): Promise<void> {
    await new Transport(resolveSettings(options)).json('DELETE', `/v1/snapshots/${encodeURIComponent(name)}`);
  },
};
