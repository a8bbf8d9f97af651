// A real Herald stack for one test file (or one test): Sockudo, and the demo backend serving
// the built app; with the `channels` transport, the Django Channels server (Daphne) too, which
// the backend then publishes to and points the app's config.json at. Nothing is mocked; the
// browser talks to these processes exactly as it would in a deployment, and `cargo xtask test`
// provides the binaries and the virtualenv.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';

/** Which WebSocket server the app uses. */
export type Transport = 'pusher' | 'channels';

export interface StackOptions {
  /** Extra herald-devserver flags, for example `['--token-ttl', '5']`. Default: none. */
  devserverArgs?: string[];
  /**
   * `'pusher'`: the app connects to Sockudo. `'channels'`: it connects to the Django Channels
   * server (`channels_server/`, served by Daphne), which the devserver also publishes to
   * (`--channels-url`); Sockudo still runs and still gets every event.
   * Default: [defaultTransport].
   */
  transport?: Transport;
}

/** `HERALD_E2E_TRANSPORT` (`pusher` or `channels`), else `pusher`: run every spec on either. */
export function defaultTransport(): Transport {
  const value = process.env.HERALD_E2E_TRANSPORT ?? 'pusher';
  if (value !== 'pusher' && value !== 'channels') {
    throw new Error(`HERALD_E2E_TRANSPORT is ${JSON.stringify(value)}: use pusher or channels`);
  }
  return value;
}

/** The secrets Daphne is started with: the devserver's own defaults (development values). */
const JWT_SECRET = 'herald-dev-jwt-secret';
const CHANNELS_SECRET = 'herald-channels-secret';

/** How long Sockudo and the devserver get to start answering. */
const READY_TIMEOUT_MS = 30_000;
/** How long a process gets to exit after SIGTERM before it is killed. */
const STOP_GRACE_MS = 5_000;

export class Stack {
  /** The devserver's origin, where the app, `/api` and `/broadcasting` are served. */
  readonly baseURL: string;
  /** Sockudo's origin; with the `pusher` transport, the app's `/config.json` points the WebSocket here. */
  readonly sockudoURL: string;
  /** Sockudo's metrics listener (`GET /metrics`, Prometheus's text format). */
  readonly sockudoMetricsURL: string;
  /** The transport the app uses: `/config.json`'s `transport`. */
  readonly transport: Transport;
  /**
   * The Django Channels server's origin (`http://127.0.0.1:PORT`) with the `channels`
   * transport, else undefined. The app's WebSocket is `ws://127.0.0.1:PORT/ws/notifications/`.
   */
  readonly djangoURL: string | undefined;

  private constructor(
    private readonly sockudo: Sockudo,
    private readonly django: Django | undefined,
    private devserver: Process,
    baseURL: string,
    private readonly devserverArgs: string[],
  ) {
    this.baseURL = baseURL;
    this.sockudoURL = sockudo.url;
    this.sockudoMetricsURL = sockudo.metricsURL;
    this.transport = django ? 'channels' : 'pusher';
    this.djangoURL = django?.url;
  }

  static async start(options: StackOptions = {}): Promise<Stack> {
    const sockudo = new Sockudo(await freePort(), await freePort());
    const transport = options.transport ?? defaultTransport();
    let devserver: Process | undefined;
    let django: Django | undefined;
    let djangoReservation: { port: number; release: () => Promise<void> } | undefined;
    try {
      await sockudo.start();
      // Daphne's port is chosen first: the devserver is told where to publish before Daphne
      // runs (it only posts when events happen), and Daphne then learns the devserver's address.
      // The port stays held until the devserver has its own, so that the system cannot give
      // the devserver the same one.
      djangoReservation = transport === 'channels' ? await reservePort() : undefined;
      const djangoPort = djangoReservation?.port;
      const args = [
        '--pusher-url', sockudo.url,
        '--serve-app', requiredPath('HERALD_DIST'),
        // A database of its own for each stack, gone with it: tests do not see each other's data.
        '--data-dir', ':memory:',
        ...(djangoPort === undefined
          ? []
          : ['--channels-url', `http://127.0.0.1:${djangoPort}`, '--channels-secret', CHANNELS_SECRET]),
        ...(options.devserverArgs ?? []),
      ];
      devserver = spawnDevserver('127.0.0.1:0', args);
      const baseURL = await devserver.firstMatch(/herald-devserver listening on (http:\/\/\S+)/, READY_TIMEOUT_MS);
      if (djangoPort !== undefined) {
        await djangoReservation?.release();
        djangoReservation = undefined;
        django = new Django(djangoPort, baseURL);
        await django.start();
      }
      return new Stack(sockudo, django, devserver, baseURL, args);
    } catch (error) {
      await djangoReservation?.release();
      await django?.stop();
      await devserver?.stop();
      await sockudo.stop();
      sockudo.removeWorkingDir();
      throw error;
    }
  }

  /**
   * Stops Sockudo; the devserver and the page stay. `'graceful'` (the default) is a deploy:
   * Sockudo closes its connections itself. `'crash'` kills it, so connections just drop.
   */
  async stopSockudo(how: 'graceful' | 'crash' = 'graceful'): Promise<void> {
    await this.sockudo.stop(how === 'crash' ? 'SIGKILL' : 'SIGTERM');
  }

  /** Starts Sockudo again on the same ports, and waits until it is ready. */
  async startSockudo(): Promise<void> {
    await this.sockudo.start();
  }

  /**
   * Stops the Django Channels server (only with the `channels` transport); the devserver, Sockudo
   * and the page stay. `'graceful'` (the default) is SIGTERM, Daphne's own shutdown;
   * `'crash'` kills it, so connections just drop.
   */
  async stopDjango(how: 'graceful' | 'crash' = 'graceful'): Promise<void> {
    await this.requireDjango().stop(how === 'crash' ? 'SIGKILL' : 'SIGTERM');
  }

  /** Starts the Django Channels server again on the same port, and waits until it is ready. */
  async startDjango(): Promise<void> {
    await this.requireDjango().start();
  }

  /** Stops whichever realtime server the app is connected to: Sockudo or Django. */
  async stopRealtime(how: 'graceful' | 'crash' = 'graceful'): Promise<void> {
    if (this.transport === 'channels') await this.stopDjango(how);
    else await this.stopSockudo(how);
  }

  /** Starts the realtime server the app uses again, where it was. */
  async startRealtime(): Promise<void> {
    if (this.transport === 'channels') await this.startDjango();
    else await this.startSockudo();
  }

  /** Stops the demo backend, as a crash or a deploy would; the page and Sockudo stay. */
  async stopDevserver(): Promise<void> {
    await this.devserver.stop();
  }

  /**
   * Starts the demo backend again where it was. Its data is in memory, so it starts from the
   * seed; tokens it issued before still verify (same secret, same seeded users).
   */
  async startDevserver(): Promise<void> {
    this.devserver = spawnDevserver(new URL(this.baseURL).host, this.devserverArgs);
    await this.devserver.firstMatch(/herald-devserver listening on (http:\/\/\S+)/, READY_TIMEOUT_MS);
  }

  /** Stops every process this stack started. Safe to call more than once. */
  async stop(): Promise<void> {
    await this.devserver.stop();
    await this.django?.stop();
    await this.sockudo.stop();
    this.sockudo.removeWorkingDir();
  }

  /** The last lines each process printed, for the report of a failed test. */
  recentOutput(): string {
    return [this.sockudo.recentOutput(), this.django?.recentOutput() ?? '', this.devserver.recentOutput()]
      .filter((output) => output !== '')
      .join('\n\n');
  }

  private requireDjango(): Django {
    if (!this.django) throw new Error('this stack runs no Django Channels server: start it with `transport: \'channels\'`');
    return this.django;
  }
}

function spawnDevserver(addr: string, args: string[]): Process {
  return Process.spawn('herald-devserver', requiredPath('HERALD_DEVSERVER_BIN'), ['--addr', addr, ...args], {
    env: withoutHeraldVariables(process.env),
  });
}

/** Sockudo on fixed ports, so that it can be restarted where the page expects it. */
class Sockudo {
  readonly url: string;
  readonly metricsURL: string;
  private process: Process | undefined;
  // Sockudo reads ./config/config.toml or .json when there is one: run it where there is none.
  private readonly workingDir = mkdtempSync(path.join(tmpdir(), 'herald-sockudo-'));

  constructor(
    private readonly port: number,
    private readonly metricsPort: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.metricsURL = `http://127.0.0.1:${metricsPort}`;
  }

  async start(): Promise<void> {
    if (this.process?.running) throw new Error('Sockudo is already running');
    this.process = Process.spawn('sockudo', requiredPath('HERALD_SOCKUDO_BIN'), [], {
      cwd: this.workingDir,
      env: {
        ...withoutHeraldVariables(process.env),
        HOST: '127.0.0.1',
        PORT: String(this.port),
        METRICS_HOST: '127.0.0.1',
        METRICS_PORT: String(this.metricsPort),
        SOCKUDO_DEFAULT_APP_ID: 'herald',
        SOCKUDO_DEFAULT_APP_KEY: 'herald-key',
        SOCKUDO_DEFAULT_APP_SECRET: 'herald-secret',
        QUEUE_DRIVER: 'memory',
        RATE_LIMITER_ENABLED: 'false',
        // By default Sockudo keeps its listener open for 10 s after SIGTERM, for load
        // balancers to notice; here nothing is in front of it and a stop should be prompt.
        SHUTDOWN_GRACE_PERIOD: '0',
        // Plain text in the failure reports.
        NO_COLOR: '1',
      },
    });
    await this.process.untilAnswers(`${this.url}/up`, READY_TIMEOUT_MS);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.process?.stop(signal);
  }

  removeWorkingDir(): void {
    rmSync(this.workingDir, { recursive: true, force: true });
  }

  recentOutput(): string {
    return this.process?.recentOutput() ?? '';
  }
}

/**
 * The Django Channels server (`channels_server/`) served by Daphne from the virtualenv
 * `cargo xtask test` makes, on a fixed port so that it can be restarted where the page expects
 * it. It asks the devserver `GET /api/me` for each connection.
 */
class Django {
  readonly url: string;
  private process: Process | undefined;

  constructor(
    private readonly port: number,
    private readonly devserverURL: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    if (this.process?.running) throw new Error('the Django Channels server is already running');
    const args = ['-b', '127.0.0.1', '-p', String(this.port), 'herald_channels.asgi:application'];
    this.process = Process.spawn('daphne', requiredPath('HERALD_DAPHNE_BIN'), args, {
      // Daphne imports `herald_channels` from the folder it runs in.
      cwd: requiredPath('HERALD_CHANNELS_SERVER_DIR'),
      env: {
        ...withoutHeraldVariables(process.env),
        HERALD_API_URL: this.devserverURL,
        HERALD_JWT_SECRET: JWT_SECRET,
        HERALD_CHANNELS_SECRET: CHANNELS_SECRET,
        // No __pycache__ folders in the checkout; output as it comes, for failure reports.
        PYTHONDONTWRITEBYTECODE: '1',
        PYTHONUNBUFFERED: '1',
      },
    });
    await this.process.untilAnswers(`${this.url}/up`, READY_TIMEOUT_MS);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.process?.stop(signal);
  }

  recentOutput(): string {
    return this.process?.recentOutput() ?? '';
  }
}

/** Every process started and not yet reaped, killed when the worker exits in any way. */
const live = new Set<Process>();
process.on('exit', () => {
  for (const child of live) child.killGroup('SIGKILL');
});

/**
 * A child process in a process group of its own, so that stopping it stops anything it
 * started, with its output kept for failure reports rather than printed (set
 * HERALD_E2E_VERBOSE=1 to print it as it comes).
 */
class Process {
  private readonly output: string[] = [];
  private readonly lineListeners = new Set<(line: string) => void>();
  private readonly exited: Promise<void>;
  private exitDescription: string | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    live.add(this);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitDescription = signal ? `signal ${signal}` : `exit code ${code}`;
        live.delete(this);
        resolve();
      });
      child.once('error', (error) => {
        this.exitDescription = `could not start: ${error.message}`;
        live.delete(this);
        resolve();
      });
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => this.record(line));
    }
  }

  static spawn(name: string, command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv }): Process {
    const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    return new Process(name, child);
  }

  get running(): boolean {
    return this.exitDescription === undefined;
  }

  /** Resolves with the first capture group of the first output line matching `pattern`. */
  async firstMatch(pattern: RegExp, timeoutMs: number): Promise<string> {
    const earlier = this.output.map((line) => pattern.exec(line)).find((match) => match);
    if (earlier) return earlier[1];
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(`printed no line matching ${pattern} within ${timeoutMs} ms`), timeoutMs);
      const onLine = (line: string) => {
        const match = pattern.exec(line);
        if (match) finish(() => resolve(match[1]));
      };
      const fail = (why: string) => finish(() => reject(this.failure(why)));
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.lineListeners.delete(onLine);
        settle();
      };
      this.lineListeners.add(onLine);
      void this.exited.then(() => fail(`exited (${this.exitDescription}) before printing a line matching ${pattern}`));
    });
  }

  /** Polls `url` until it answers 2xx; fails early if the process exits. */
  async untilAnswers(url: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw this.failure(`exited (${this.exitDescription}) before ${url} answered`);
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw this.failure(`did not answer ${url} within ${timeoutMs} ms`);
      await delay(50);
    }
  }

  /** `signal`, then SIGKILL for whatever of the group is left after a grace period. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.running) {
      this.killGroup(signal);
      await Promise.race([this.exited, delay(STOP_GRACE_MS)]);
    }
    // Also reaches processes of the group that outlived its leader.
    this.killGroup('SIGKILL');
    await this.exited;
  }

  killGroup(signal: NodeJS.Signals): void {
    try {
      if (this.child.pid !== undefined) process.kill(-this.child.pid, signal);
    } catch {
      // The group is gone already.
    }
  }

  recentOutput(): string {
    return `--- ${this.name} (last ${this.output.length} lines) ---\n${this.output.join('\n')}`;
  }

  private record(line: string): void {
    if (process.env.HERALD_E2E_VERBOSE) console.log(`[${this.name}] ${line}`);
    this.output.push(line);
    if (this.output.length > 200) this.output.shift();
    for (const listener of this.lineListeners) listener(line);
  }

  private failure(why: string): Error {
    return new Error(`${this.name} ${why}\n${this.recentOutput()}`);
  }
}

/** A port nothing listens on right now, picked by the kernel. */
async function freePort(): Promise<number> {
  const reservation = await reservePort();
  await reservation.release();
  return reservation.port;
}

/** A free port held by a listening socket until `release`. */
async function reservePort(): Promise<{ port: number; release: () => Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const release = () => new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    await release();
    throw new Error('no TCP address for a free port');
  }
  return { port: address.port, release };
}

function requiredPath(variable: string): string {
  const value = process.env[variable];
  if (!value) {
    throw new Error(`${variable} is not set: run the end-to-end tests through \`cargo xtask test\`, which builds and passes it`);
  }
  return path.resolve(value);
}

/**
 * The environment without HERALD_* variables: herald-devserver reads its settings from them
 * too, and a developer's own must not change what a test runs against.
 */
function withoutHeraldVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('HERALD_')));
}
