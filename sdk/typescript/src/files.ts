import { Readable } from 'node:stream';
import { BadRequestError, NotFoundError } from './errors.js';
import type { Transport } from './http.js';

/** One entry of a directory listing. */
export interface EntryInfo {
  name: string;
  path: string;
  type: 'file' | 'dir' | 'symlink' | string;
  size: number;
}

/** What can be written: text, bytes, a web ReadableStream, a Node Readable or any async iterable of bytes (the last three stream). */
export type WriteData = string | Uint8Array | ReadableStream<Uint8Array> | Readable | AsyncIterable<Uint8Array>;

/** `sandbox.files`: files streamed both ways, as `user` unless told otherwise. */
export class Files {
  private readonly base: string;

  /** @internal */
  constructor(private readonly transport: Transport, sandboxId: string) {
    this.base = `/v1/sandboxes/${encodeURIComponent(sandboxId)}/files`;
  }

  /** Writes `data` to `path`, creating parent directories; returns the path and bytes written. */
  async write(path: string, data: WriteData, opts: { user?: string } = {}): Promise<{ path: string; size: number }> {
    let body: BodyInit;
    if (typeof data === 'string' || data instanceof Uint8Array) body = data as BodyInit;
    else if (typeof (data as ReadableStream).getReader === 'function') body = data as ReadableStream;
    else body = Readable.toWeb(Readable.from(data as AsyncIterable<Uint8Array>)) as unknown as ReadableStream;
    const response = await this.transport.request('POST', this.base, {
      query: { path, user: opts.user },
      body,
      headers: { 'Content-Type': 'application/octet-stream' },
      repeatable: false,
    });
    const written = (await response.json()).files[0];
    return { path: written.path, size: written.size };
  }

  /** Writes several files. */
  async writeFiles(files: { path: string; data: WriteData }[], opts: { user?: string } = {}): Promise<void> {
    for (const file of files) await this.write(file.path, file.data, opts);
  }

  /** The file as text (default), bytes (`format: 'bytes'`) or a web ReadableStream (`format: 'stream'`). */
  async read(path: string, opts?: { format?: 'text'; user?: string }): Promise<string>;
  async read(path: string, opts: { format: 'bytes'; user?: string }): Promise<Uint8Array>;
  async read(path: string, opts: { format: 'stream'; user?: string }): Promise<ReadableStream<Uint8Array>>;
  async read(path: string, opts: { format?: 'text' | 'bytes' | 'stream'; user?: string } = {}): Promise<string | Uint8Array | ReadableStream<Uint8Array>> {
    const response = await this.transport.request('GET', this.base, { query: { path, user: opts.user } });
    if (opts.format === 'stream') return response.body!;
    if (opts.format === 'bytes') return new Uint8Array(await response.arrayBuffer());
    return response.text();
  }

  /** Entries under `path`, `depth` levels down. */
  async list(path: string, opts: { depth?: number; user?: string } = {}): Promise<EntryInfo[]> {
    const answer = await this.transport.json('GET', this.base + '/list', undefined, { path, depth: opts.depth ?? 1, user: opts.user });
    return (answer.entries ?? []).map((e: any) => ({ name: e.name, path: e.path, type: e.type, size: e.size ?? 0 }));
  }

  /** True when something is at `path`. */
  async exists(path: string, opts: { user?: string } = {}): Promise<boolean> {
    const clean = path.replace(/\/+$/, '');
    if (clean === '') return true;
    const slash = clean.lastIndexOf('/');
    const parent = slash < 0 ? '.' : slash === 0 ? '/' : clean.slice(0, slash);
    try {
      return (await this.list(parent, { depth: 1, user: opts.user })).some((e) => e.name === clean.slice(slash + 1));
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      if (error instanceof BadRequestError && error.serverMessage.includes('not a directory')) return false;
      throw error;
    }
  }

  /** Creates the directory and its parents; false when it already existed. */
  async makeDir(path: string, opts: { user?: string } = {}): Promise<boolean> {
    const answer = await this.transport.json('POST', this.base + '/mkdir', opts.user ? { path, user: opts.user } : { path });
    return Boolean(answer?.created);
  }

  /** Removes a file or a whole directory; nothing there is not an error. */
  async remove(path: string, opts: { user?: string } = {}): Promise<void> {
    await this.transport.json('DELETE', this.base, undefined, { path, user: opts.user });
  }
}
