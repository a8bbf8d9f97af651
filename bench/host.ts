// A static host in front of a stack's devserver, for the figures measured on a throttled
// network. The devserver sends every body uncompressed; a deployment's host (a CDN, or nginx
// serving precompressed files) sends them compressed, and on a slow network the bytes on the
// wire are what a person waits for. So this passes every request on to the devserver and every
// response back with its status and headers, its body compressed as figure 1 counts it: brotli
// quality 11 when the request accepts `br`, else gzip level 9 when it accepts `gzip`.
//
// Brotli 11 takes seconds for a large wasm: the app's files are compressed before any page
// asks for them (`precompress`), and every compressed body is kept by its content (`compress`,
// which figure 1's sizes use too), so nothing measured waits for a compressor. It also logs
// what it sent: a response served from the browser's cache never reaches it.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

/** One response this host sent. */
export interface Served {
  method: string;
  path: string;
  status: number;
  /** `br`, `gzip` or `identity`. */
  encoding: string;
  /** The body as sent (compressed, when it was). */
  bytes: number;
}

export type Encoding = 'br' | 'gzip';

/** Compressed bodies by encoding and content hash: each body is compressed once per bench. */
const compressed = new Map<string, Buffer>();

/** `body` compressed as a static host would precompress it: brotli quality 11, or gzip -9. */
export function compress(body: Buffer, encoding: Encoding): Buffer {
  const key = `${encoding}:${createHash('sha256').update(body).digest('hex')}`;
  let result = compressed.get(key);
  if (!result) {
    result =
      encoding === 'br'
        ? brotliCompressSync(body, {
            params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length },
          })
        : gzipSync(body, { level: 9 });
    compressed.set(key, result);
  }
  return result;
}

/** Bodies worth compressing, by content type: text, scripts, JSON, wasm, SVG. */
const COMPRESSIBLE = /^(text\/|application\/(javascript|json|wasm|xml|manifest\+json)|image\/svg\+xml)/;

/** Hop-by-hop headers, which belong to one connection and are not passed on. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection'];

export class CompressingHost {
  /** Every response sent, in order. */
  readonly served: Served[] = [];
  private readonly agent = new http.Agent({ keepAlive: true });
  private server: http.Server | undefined;
  private origin = '';

  constructor(private readonly upstream: URL) {}

  /** This host's origin, `http://127.0.0.1:PORT`. */
  get url(): string {
    return this.origin;
  }

  async start(): Promise<void> {
    const server = http.createServer((request, response) => this.forward(request, response));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the compressing host has no TCP address');
    this.server = server;
    this.origin = `http://127.0.0.1:${address.port}`;
  }

  /** Compresses every file under `dir` both ways ahead of time (see the top of this file). */
  precompress(dir: string): void {
    for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      const body = readFileSync(path.join(entry.parentPath, entry.name));
      compress(body, 'br');
      compress(body, 'gzip');
    }
  }

  /** The responses sent since `from` (an index into `served`), for the bench's details. */
  since(from: number): { requests: number; bytes: number; files: Served[] } {
    const files = this.served.slice(from);
    return { requests: files.length, bytes: files.reduce((sum, file) => sum + file.bytes, 0), files };
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  private forward(request: http.IncomingMessage, response: http.ServerResponse): void {
    const headers = { ...request.headers };
    // The devserver's bodies are to arrive whole, to be compressed here.
    delete headers['accept-encoding'];
    const upstream = http.request(
      {
        host: this.upstream.hostname,
        port: this.upstream.port,
        method: request.method,
        path: request.url,
        headers,
        agent: this.agent,
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => this.reply(request, response, answer, Buffer.concat(chunks)));
        answer.on('error', () => response.destroy());
      },
    );
    upstream.on('error', () => {
      response.writeHead(502).end();
    });
    request.pipe(upstream);
  }

  private reply(request: http.IncomingMessage, response: http.ServerResponse, answer: http.IncomingMessage, body: Buffer): void {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (!HOP_BY_HOP.includes(name) && value !== undefined) headers[name] = value;
    }
    const encoding = body.length > 0 && !answer.headers['content-encoding'] && COMPRESSIBLE.test(answer.headers['content-type'] ?? '')
      ? accepted(request.headers['accept-encoding'])
      : undefined;
    const sent = encoding ? compress(body, encoding) : body;
    if (encoding) {
      headers['content-encoding'] = encoding;
      headers.vary = 'Accept-Encoding';
    }
    if (request.method !== 'HEAD') headers['content-length'] = sent.length;
    response.writeHead(answer.statusCode ?? 502, headers);
    response.end(request.method === 'HEAD' ? undefined : sent);
    this.served.push({
      method: request.method ?? 'GET',
      path: new URL(request.url ?? '/', 'http://host').pathname,
      status: answer.statusCode ?? 0,
      encoding: encoding ?? 'identity',
      bytes: sent.length,
    });
  }
}

/** Brotli when the request's Accept-Encoding lists it, else gzip, else none. */
function accepted(header: string | undefined): Encoding | undefined {
  const codings = (header ?? '')
    .split(',')
    .map((part) => part.trim().split(';'))
    .filter(([, q]) => !q || !/^q=0(\.0*)?$/.test(q.trim()))
    .map(([name]) => name.toLowerCase());
  if (codings.includes('br')) return 'br';
  if (codings.includes('gzip')) return 'gzip';
  return undefined;
}
