import WebSocket from 'ws';
import { CommandExitError, ConnectionError, errorFor, TimeoutError, WrennError } from './errors.js';
import type { Transport } from './http.js';

/** What a finished command left. A non-zero `exitCode` is a result, not an error. */
export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** How to run a command; every value is optional. */
export interface RunOptions {
  /** With arguments, `cmd` is the program; without, a shell line (bash -l -c). */
  args?: string[];
  envs?: Record<string, string>;
  cwd?: string;
  /** Unix user inside the sandbox (default `user`). */
  user?: string;
  /** Kill the command after this many ms (default 60 s). */
  timeoutMs?: number;
  onStdout?: (data: string) => void;
  onStderr?: (data: string) => void;
  /** Written to stdin, which is then closed. */
  stdin?: string | Uint8Array;
  /** Throw CommandExitError for a non-zero exit. */
  check?: boolean;
}

/** One event of a streamed command. */
export type CommandOutput = { type: 'stdout'; data: string } | { type: 'stderr'; data: string } | { type: 'exit'; exitCode: number };

/** A command running in the background: `wait()`, `kill()`, `sendStdin()`, and async iteration over its output. */
export class CommandHandle implements AsyncIterable<CommandOutput> {
  /** Its process id in the sandbox, once it started. */
  pid?: number;
  private stdout = '';
  private stderr = '';
  private readonly queue: CommandOutput[] = [];
  private wake?: () => void;
  private finished = false;
  private failure?: Error;
  private readonly done: Promise<CommandResult>;

  /** @internal */
  constructor(private readonly socket: WebSocket, private readonly options: RunOptions) {
    this.done = new Promise<CommandResult>((resolve, reject) => {
      socket.on('message', (raw: WebSocket.RawData) => {
        const event = JSON.parse(raw.toString());
        switch (event.type) {
          case 'started':
            this.pid = event.pid;
            break;
          case 'stdout':
          case 'stderr': {
            const data = event.encoding === 'base64' ? Buffer.from(event.data ?? '', 'base64').toString('utf8') : (event.data ?? '');
            if (event.type === 'stdout') {
              this.stdout += data;
              options.onStdout?.(data);
            } else {
              this.stderr += data;
              options.onStderr?.(data);
            }
            this.push({ type: event.type, data });
            break;
          }
          case 'exit':
            if (event.timed_out) {
              this.fail(new TimeoutError(504, 'timeout', `the command ran past its timeout (${event.status})`), reject);
            } else {
              this.push({ type: 'exit', exitCode: event.exit_code });
              this.finish();
              resolve({ stdout: this.stdout, stderr: this.stderr, exitCode: event.exit_code });
            }
            socket.close();
            break;
          case 'error':
            this.fail(errorFor(statusOf(event.code), event.code, event.message), reject);
            socket.close();
            break;
        }
      });
      socket.on('close', () => this.fail(new WrennError("the command's stream ended without an exit"), reject));
      socket.on('error', (error: Error) => this.fail(new ConnectionError(`the command's connection broke: ${error.message}`), reject));
    });
    this.done.catch(() => undefined);
  }

  /** Waits for the command to end. */
  async wait(): Promise<CommandResult> {
    const result = await this.done;
    if (this.options.check && result.exitCode !== 0) throw new CommandExitError(result);
    return result;
  }

  /** Writes to its stdin. */
  sendStdin(data: string | Uint8Array): void {
    this.send({ type: 'stdin', data: Buffer.from(data).toString('base64'), encoding: 'base64' });
  }

  /** End of file on its stdin. */
  closeStdin(): void {
    this.send({ type: 'close_stdin' });
  }

  /** SIGKILL to the command and everything it started; `wait()` then returns. */
  kill(): void {
    this.send({ type: 'signal', signal: 'SIGKILL' });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<CommandOutput> {
    while (true) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.finished) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** @internal */
  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  private push(output: CommandOutput): void {
    this.queue.push(output);
    this.wake?.();
  }

  private finish(): void {
    this.finished = true;
    this.wake?.();
  }

  private fail(error: Error, reject: (e: Error) => void): void {
    if (this.finished || this.failure) return;
    this.failure = error;
    this.wake?.();
    reject(error);
  }
}

/** `sandbox.commands`: run commands in one sandbox. */
export class Commands {
  /** @internal */
  constructor(private readonly transport: Transport, private readonly sandboxId: string) {}

  /** Runs `cmd` to completion and returns stdout, stderr and exitCode. */
  async run(cmd: string, options: RunOptions & { background?: false } = {}): Promise<CommandResult> {
    return (await this.start(cmd, options)).wait();
  }

  /** Starts `cmd` in the background. */
  async start(cmd: string, options: RunOptions = {}): Promise<CommandHandle> {
    const url = this.transport.settings.apiUrl.replace(/^http/, 'ws') + `/v1/sandboxes/${encodeURIComponent(this.sandboxId)}/exec/stream`;
    const socket = new WebSocket(url, { headers: { 'X-API-Key': this.transport.settings.apiKey } });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => {
          // Drop the connection: kept alive, it would hold the process open until the server's idle timeout.
          socket.on('error', () => undefined);
          socket.terminate();
          response.destroy();
          request.destroy();
          let envelope: { code?: string; message?: string } = {};
          try {
            envelope = JSON.parse(body).error ?? {};
          } catch {
            // not an envelope
          }
          reject(errorFor(response.statusCode ?? 0, envelope.code, envelope.message ?? body));
        });
      });
      socket.once('error', (error) => reject(new ConnectionError(`cannot open the command's stream: ${error.message}`)));
    });
    const start: Record<string, unknown> = { cmd };
    if (options.args?.length) start.args = options.args;
    if (options.envs) start.env = options.envs;
    if (options.cwd) start.cwd = options.cwd;
    if (options.user) start.user = options.user;
    if (options.timeoutMs) start.timeout_sec = Math.max(1, Math.ceil(options.timeoutMs / 1000));
    const handle = new CommandHandle(socket, options);
    handle.send(start);
    if (options.stdin !== undefined) {
      handle.sendStdin(options.stdin);
      handle.closeStdin();
    }
    return handle;
  }

  /** Runs `cmd` and yields its output as it comes, then its exit. */
  async *stream(cmd: string, options: RunOptions = {}): AsyncGenerator<CommandOutput> {
    yield* await this.start(cmd, options);
  }
}

function statusOf(code?: string): number {
  return ({ not_found: 404, bad_request: 400, conflict: 409, timeout: 504, forbidden: 403 } as Record<string, number>)[code ?? ''] ?? 502;
}
