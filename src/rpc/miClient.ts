// gdb's machine interface (MI3): a parser for its output records and a client that sends tokened commands
// and collects each command's result with the console text printed on its behalf.

import { ChildProcess, spawn } from 'child_process';
import { EventEmitter } from 'events';
import { ArrayLensError } from '../core/errors';
import { PendingRequests, RequestOptions } from './pending';

export type MiValue = string | MiTuple | MiValue[];
export interface MiTuple {
  [key: string]: MiValue;
}

export interface MiRecord {
  token?: number;
  /** `^` result, `*` exec-async, `+` status-async, `=` notify-async, `~` console, `@` target, `&` log. */
  kind: '^' | '*' | '+' | '=' | '~' | '@' | '&';
  /** done/running/error/exit for results; stopped/running/thread-group-started... for async; '' for streams. */
  cls: string;
  results: MiTuple;
  /** The text of a stream record. */
  text?: string;
}

class Cursor {
  i = 0;
  constructor(readonly s: string) {}
  peek(): string {
    return this.s[this.i] ?? '';
  }
  eat(ch: string): void {
    if (this.s[this.i] !== ch) throw new Error(`MI: expected '${ch}' at ${this.i} in ${this.s.slice(0, 200)}`);
    this.i++;
  }
}

/** A C string as gdb quotes it; runs of octal escapes are bytes (gdb escapes UTF-8 text that way) decoded as UTF-8. */
function parseCString(c: Cursor): string {
  c.eat('"');
  let out = '';
  let bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length) out += Buffer.from(bytes).toString('utf8');
    bytes = [];
  };
  for (;;) {
    const ch = c.s[c.i++];
    if (ch === undefined) throw new Error('MI: unterminated string');
    if (ch === '"') {
      flush();
      return out;
    }
    if (ch !== '\\') {
      flush();
      out += ch;
      continue;
    }
    const e = c.s[c.i++];
    if (e === undefined) throw new Error('MI: unterminated string');
    if (e >= '0' && e <= '7') {
      let oct = e;
      while (oct.length < 3 && c.peek() >= '0' && c.peek() <= '7') oct += c.s[c.i++];
      bytes.push(parseInt(oct, 8) & 0xff);
      continue;
    }
    flush();
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'e': out += '\x1b'; break;
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      default: out += e;
    }
  }
}

/**
 * Sets a tuple's field as an own property: `t[k] = v` with k = '__proto__' (any debuggee can make gdb print such a
 * name, e.g. a struct member in -var-list-children) would replace the tuple's prototype instead of adding a field.
 */
function setField(t: MiTuple, k: string, v: MiValue): void {
  Object.defineProperty(t, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function parseValue(c: Cursor): MiValue {
  const ch = c.peek();
  if (ch === '"') return parseCString(c);
  if (ch === '{') {
    c.eat('{');
    const t: MiTuple = {};
    if (c.peek() === '}') {
      c.eat('}');
      return t;
    }
    for (;;) {
      const [k, v] = parseResult(c);
      setField(t, k, v);
      if (c.peek() === ',') c.eat(',');
      else break;
    }
    c.eat('}');
    return t;
  }
  if (ch === '[') {
    c.eat('[');
    const list: MiValue[] = [];
    if (c.peek() === ']') {
      c.eat(']');
      return list;
    }
    for (;;) {
      // A list holds values or results (`name=value`); results become one-key tuples.
      if (/[A-Za-z_]/.test(c.peek())) {
        const [k, v] = parseResult(c);
        const one: MiTuple = {};
        setField(one, k, v);
        list.push(one);
      } else list.push(parseValue(c));
      if (c.peek() === ',') c.eat(',');
      else break;
    }
    c.eat(']');
    return list;
  }
  throw new Error(`MI: unexpected '${ch}' at ${c.i} in ${c.s.slice(0, 200)}`);
}

function parseResult(c: Cursor): [string, MiValue] {
  const m = /^[A-Za-z_][\w-]*/.exec(c.s.slice(c.i));
  if (!m) throw new Error(`MI: expected a name at ${c.i} in ${c.s.slice(0, 200)}`);
  c.i += m[0].length;
  c.eat('=');
  return [m[0], parseValue(c)];
}

/** Parses one line of MI output; null for the `(gdb)` prompt and blank lines. */
export function parseMiLine(line: string): MiRecord | null {
  const l = line.replace(/\r$/, '');
  if (l === '' || /^\(gdb\)\s*$/.test(l)) return null;
  const m = /^(\d*)([\^*+=~@&])/.exec(l);
  if (!m) return { kind: '@', cls: '', results: {}, text: l }; // the debuggee's own output when it shares our tty
  const token = m[1] ? Number(m[1]) : undefined;
  const kind = m[2] as MiRecord['kind'];
  const c = new Cursor(l);
  c.i = m[0].length;
  if (kind === '~' || kind === '@' || kind === '&') return { token, kind, cls: '', results: {}, text: parseCString(c) };
  const cm = /^[\w-]+/.exec(l.slice(c.i));
  const cls = cm ? cm[0] : '';
  c.i += cls.length;
  const results: MiTuple = {};
  while (c.peek() === ',') {
    c.eat(',');
    const [k, v] = parseResult(c);
    setField(results, k, v);
  }
  return { token, kind, cls, results };
}

/** Quotes an argument for an MI command line (C string rules). */
export function miQuote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

export interface MiResult {
  cls: string;
  results: MiTuple;
  /** Console output (`~`) printed while the command ran. */
  console: string;
}

/**
 * Splits MI output into records: whole lines only (a line may arrive in pieces); a line that does not parse is reported
 * to `onBadLine` and skipped, so one odd line does not stop the session.
 */
export class MiLineReader {
  private buf = '';
  constructor(
    private readonly onRecord: (r: MiRecord) => void,
    private readonly onBadLine: (line: string, e: Error) => void = () => undefined,
  ) {}

  push(d: string): void {
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      let rec: MiRecord | null;
      try {
        rec = parseMiLine(line);
      } catch (e) {
        this.onBadLine(line, e as Error);
        continue;
      }
      if (rec) this.onRecord(rec);
    }
  }
}

/** A gdb child in MI3 mode: `command()` returns the result record; async records arrive as events. */
export class MiClient extends EventEmitter {
  /** Tokens are the pending table's ids; each request keeps the console text printed on its behalf. */
  private readonly pending = new PendingRequests<{ console: string[] }>('gdb');
  private readonly reader = new MiLineReader((r) => this.dispatch(r));
  private exited = false;
  private current: number | null = null;
  readonly stderrLines: string[] = [];

  private constructor(private readonly proc: ChildProcess) {
    super();
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (d: string) => this.reader.push(d));
    proc.stderr!.on('data', (d: Buffer) => {
      this.stderrLines.push(...d.toString().split('\n').filter(Boolean));
      if (this.stderrLines.length > 100) this.stderrLines.splice(0, this.stderrLines.length - 100);
    });
    proc.on('exit', (code, signal) => {
      this.exited = true;
      this.pending.rejectAll(new ArrayLensError('debugger-failed', `gdb exited (${signal ?? code}) ${this.stderrLines.slice(-2).join(' | ')}`.trim()));
      this.emit('exit', code, signal);
    });
  }

  static spawn(command: string, args: string[]): Promise<MiClient> {
    return new Promise((resolve, reject) => {
      const proc = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      proc.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          e.code === 'ENOENT'
            ? new ArrayLensError('debugger-missing', `gdb not found ('${command}'): install Debian gdb, or pass --gdb PATH / set arraylens.gdb`)
            : new ArrayLensError('debugger-failed', `gdb failed to start: ${e.message}`),
        ),
      );
      proc.once('spawn', () => resolve(new MiClient(proc)));
    });
  }

  get isAlive(): boolean {
    return !this.exited;
  }

  private dispatch(rec: MiRecord): void {
    if (rec.kind === '^') {
      if (rec.token === undefined) return;
      const p = this.pending.get(rec.token);
      if (this.current === rec.token) this.current = null;
      if (!p) return; // timed out or cancelled: its answer is dropped
      if (rec.cls === 'error') {
        const msg = typeof rec.results.msg === 'string' ? rec.results.msg : `${p.command} failed`;
        this.pending.reject(rec.token, new ArrayLensError('debugger-failed', msg));
      } else this.pending.resolve(rec.token, { cls: rec.cls, results: rec.results, console: p.extra.console.join('') } satisfies MiResult);
    } else if (rec.kind === '~') {
      const p = this.current !== null ? this.pending.get(this.current) : undefined;
      if (p) p.extra.console.push(rec.text ?? '');
    } else if (rec.kind === '*' || rec.kind === '=' || rec.kind === '+') {
      this.emit('async', rec);
      this.emit(rec.cls, rec.results);
    }
  }

  /** Sends `-command args` and waits for its result record. MI runs one command at a time. */
  command(text: string, timeoutMs = 30000, opts: Omit<RequestOptions, 'timeoutMs'> = {}): Promise<MiResult> {
    if (this.exited) return Promise.reject(new ArrayLensError('debugger-failed', 'gdb is not running'));
    return this.pending.start<MiResult>(
      text.slice(0, 60),
      (token) => {
        this.current = token;
        this.proc.stdin!.write(`${token}${text}\n`);
      },
      { ...opts, timeoutMs },
      { console: [] },
    );
  }

  /** Waits for an async record of class `cls` (e.g. `stopped`). */
  waitAsync(cls: string, timeoutMs: number): Promise<MiTuple> {
    return new Promise((resolve, reject) => {
      const on = (r: MiTuple): void => {
        cleanup();
        resolve(r);
      };
      const onExit = (): void => {
        cleanup();
        reject(new ArrayLensError('debugger-failed', `gdb exited while waiting for '${cls}'`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new ArrayLensError('timeout', `no '${cls}' from gdb within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off(cls, on);
        this.off('exit', onExit);
      };
      this.on(cls, on);
      this.once('exit', onExit);
    });
  }

  /** Ends gdb: `-gdb-exit` (which kills the inferior), then SIGKILL if it lingers. */
  async close(timeoutMs = 3000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((r) => this.once('exit', () => r()));
    this.command('-gdb-exit', timeoutMs).catch(() => undefined);
    const t = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(t);
  }

  kill(): void {
    if (!this.exited) this.proc.kill('SIGKILL');
  }
}
