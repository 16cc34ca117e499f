// Which native (C/C++/Rust) expressions may reach lldb or gdb: variable paths only, so that inspecting never runs
// code in the debuggee (no calls, assignments, increments, registers or debugger commands), whatever the debugger.

import { ArrayLensError } from './errors';

type Token = { kind: 'name' | 'int' | 'punct'; text: string; at: number };

const HINT =
  "only variable paths are inspected: names, '.', '->', '[integer]', '*', '&' and casts such as '(float *)p', " +
  "e.g. 'pm->data as float32[pm->rows, pm->cols]'";

/** Why a character or operator is refused, in words a user recognises. */
function refusal(text: string): string {
  if (text === '(') return 'calls are not allowed';
  if (text === '$') return "debugger registers and convenience variables ('$...') are not allowed";
  if (text === '`') return 'debugger commands (backticks) are not allowed';
  if (text === '"' || text === "'") return 'string and character literals are not allowed';
  if (text === '++' || text === '--') return 'increments and decrements are not allowed';
  if (text === ',') return 'commas are not allowed';
  if (/=/.test(text) && !/^(==|!=|<=|>=)$/.test(text)) return 'assignments are not allowed';
  if (text === ';' || text === '{' || text === '}') return 'statements are not allowed';
  return `'${text}' is not allowed`;
}

function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  const re = /\s+|([A-Za-z_][A-Za-z0-9_]*)|(0[xX][0-9a-fA-F]+|\d+)|(->|::|\+\+|--|[<>=!+\-*/%&|^]=|<<=?|>>=?|&&|\|\|)|(.)/gsy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < expr.length && (m = re.exec(expr))) {
    if (m[1]) out.push({ kind: 'name', text: m[1], at: m.index });
    else if (m[2]) out.push({ kind: 'int', text: m[2], at: m.index });
    else if (m[3]) out.push({ kind: 'punct', text: m[3], at: m.index });
    else if (m[4]) out.push({ kind: 'punct', text: m[4], at: m.index });
  }
  return out;
}

/** C's own type words: `(int)(x)` is a cast, while `(f)(x)` with any other single name may be a call of `f`. */
const C_TYPE_WORDS = new Set(['const', 'volatile', 'unsigned', 'signed', 'char', 'short', 'int', 'long', 'float', 'double', 'void', 'bool', '_Bool']);

class PathParser {
  private i = 0;
  constructor(private readonly t: Token[]) {}

  private peek(k = 0): Token | undefined {
    return this.t[this.i + k];
  }
  private is(text: string, k = 0): boolean {
    const p = this.peek(k);
    return p !== undefined && p.kind === 'punct' && p.text === text;
  }
  private fail(at: Token | undefined): never {
    throw new Error(at ? refusal(at.text) : 'the expression ends too early');
  }

  parse(): void {
    this.unary();
    if (this.i < this.t.length) this.fail(this.peek());
  }

  private unary(): void {
    if (this.is('*') || this.is('&')) {
      this.i++;
      return this.unary();
    }
    if (this.is('(')) {
      const end = this.castEnd();
      if (end !== null) {
        this.i = end;
        return this.unary();
      }
    }
    this.postfix();
  }

  /** Index just past `( type )` when a cast starts here and an operand follows it; null otherwise. */
  private castEnd(): number | null {
    let k = this.i + 1;
    let names = 0;
    while (k < this.t.length) {
      const tok = this.t[k];
      if (tok.kind === 'name') names++;
      else if (!(tok.kind === 'punct' && (tok.text === '::' || tok.text === '*' || tok.text === '&'))) break;
      k++;
    }
    if (names === 0 || !(this.t[k]?.kind === 'punct' && this.t[k].text === ')')) return null;
    const next = this.t[k + 1];
    if (!next) return null;
    if (next.kind !== 'punct' || ['*', '&', '::'].includes(next.text)) return k + 1;
    if (next.text !== '(') return null;
    const words = this.t.slice(this.i + 1, k);
    const pointer = words.some((w) => w.text === '*');
    return pointer || words.every((w) => w.kind !== 'name' || C_TYPE_WORDS.has(w.text)) ? k + 1 : null;
  }

  private primary(): void {
    const tok = this.peek();
    if (!tok) this.fail(tok);
    if (tok.kind === 'int') {
      this.i++;
      return;
    }
    if (this.is('(')) {
      this.i++;
      this.unary();
      if (!this.is(')')) this.fail(this.peek());
      this.i++;
      return;
    }
    if (this.is('::')) this.i++;
    if (this.peek()?.kind !== 'name') this.fail(this.peek());
    this.i++;
    while (this.is('::') && this.peek(1)?.kind === 'name') this.i += 2;
  }

  private postfix(): void {
    this.primary();
    for (;;) {
      if (this.is('.') || this.is('->')) {
        this.i++;
        const m = this.peek();
        // A Rust tuple field is a number (`pair.0`).
        if (!m || (m.kind !== 'name' && m.kind !== 'int')) this.fail(m);
        this.i++;
      } else if (this.is('[')) {
        this.i++;
        if (this.is('-')) this.i++;
        if (this.peek()?.kind !== 'int') throw new Error('subscripts must be integer literals');
        this.i++;
        if (!this.is(']')) this.fail(this.peek());
        this.i++;
      } else if (this.is('(')) {
        throw new Error(refusal('('));
      } else return;
    }
  }
}

/** Why `expr` is not a variable path the debugger may evaluate, or null when it is one. */
export function nativeExpressionProblem(expr: string): string | null {
  if (expr.trim() === '') return 'the expression is empty';
  for (const ch of ['$', '`', '"', "'", ';', '{', '}', '\\', '@', '#'])
    if (expr.includes(ch)) return ch === '\\' || ch === '@' || ch === '#' ? `'${ch}' is not allowed` : refusal(ch);
  try {
    new PathParser(tokenize(expr)).parse();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Throws a one-line 'bad-expression' error unless `expr` is a variable path (see nativeExpressionProblem). */
export function checkNativeExpression(expr: string): void {
  const why = nativeExpressionProblem(expr);
  if (why) throw new ArrayLensError('bad-expression', `'${expr}' is not an inspectable native expression: ${why} (${HINT})`);
}
