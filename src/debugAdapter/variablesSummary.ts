// The Variables view of `arraylens` sessions: an array variable's value becomes `float32[384, 512] ∈[-1, 1] NaN×100`
// (from the frame's array listing and the engine's streamed stats), its original repr one expand away as a child "repr".

import type { DapMessage } from '../rpc/dapFraming';
import type { ArraySummary, InspectArgs, InspectBody, JsonStats } from '../protocol/dap';

/** What the summaries need of the session's engine: the same answers as arraylens/listArrays and arraylens/inspect. */
export interface SummarySource {
  listArrays(frameId: number): Promise<ArraySummary[]>;
  inspect(args: InspectArgs): Promise<InspectBody>;
}

/** Above either bound the value says dtype and shape only: stats would read the whole array on every stop. */
export const SUMMARY_MAX_ELEMENTS = 16 << 20;
export const SUMMARY_MAX_BYTES = 64 << 20;

/**
 * References we answer ourselves (the "repr" child of an array the debugger gave no children): far above what
 * debugpy (counting from 1) and lldb-dap (small numbers; 2^32 and up for permanent ones) hand out.
 */
const SYNTHETIC_BASE = 0x7f000000;

/** Scope and group rows that are never arrays themselves: no listing is needed for a response holding only these. */
const GROUP_ROWS = new Set(['special variables', 'function variables', 'class variables', 'protected variables']);

interface DapVariable {
  name: string;
  value: string;
  evaluateName?: string;
  variablesReference: number;
  namedVariables?: number;
  indexedVariables?: number;
  [k: string]: unknown;
}

/** An array row we rewrote: its original value, and how its children are to be answered. */
interface ReprChild {
  repr: string;
  /** The debugger paged its children (indexedVariables) and named none: "named" requests are answered here. */
  namedHere: boolean;
  synthetic: boolean;
}

type Request = { command: 'scopes'; frameId: number } | { command: 'variables'; ref: number; filter?: string };

/** Shortest text of a stats extreme that reads back within 1e-6 (integers and exact strings as they are). */
export function formatExtreme(x: number | string | null): string {
  if (x === null) return '?';
  if (typeof x === 'string') return x === 'inf' ? 'Inf' : x === '-inf' ? '-Inf' : x === 'nan' ? 'NaN' : x;
  if (Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(7)));
}

/** `float32[384, 512] ∈[-1, 1] NaN×100`; `stats` absent: dtype and shape, `…` for the range. */
export function summaryText(a: ArraySummary, stats: JsonStats | undefined): string {
  const head = `${a.dtype}[${a.shape.join(', ')}]`;
  if (a.size === 0) return head;
  if (!stats) return `${head} ∈[…]`;
  const parts = [head];
  const abs = a.dtype.startsWith('complex') ? '|z|' : '';
  if (stats.min !== null && stats.max !== null) parts.push(`${abs}∈[${formatExtreme(stats.min)}, ${formatExtreme(stats.max)}]`);
  if (stats.nan > 0) parts.push(`NaN×${stats.nan}`);
  if (stats.posinf > 0) parts.push(`${abs ? 'Inf' : '+Inf'}×${stats.posinf}`);
  if (stats.neginf > 0) parts.push(`-Inf×${stats.neginf}`);
  return parts.join(' ');
}

export class VariablesSummary {
  /** arraylens.variablesSummary, as the launch or attach configuration carries it ("variablesSummary": false). */
  enabled = true;
  private listings = new Map<number, Promise<ArraySummary[]>>();
  private texts = new Map<string, Promise<string>>();
  /** variablesReference -> the frame it belongs to, learnt from scopes and variables answers of this stop. */
  private refFrames = new Map<number, number>();
  private reprs = new Map<number, ReprChild>();
  private requests = new Map<number, Request>();
  private nextSynthetic = SYNTHETIC_BASE;

  constructor(private readonly source: () => SummarySource | null) {}

  /** The frame's listing, once per stop: shared by arraylens/listArrays and the Variables view. */
  listArrays(frameId: number): Promise<ArraySummary[]> {
    const src = this.source();
    if (!src) return Promise.reject(new Error('no program is running in this session yet'));
    let p = this.listings.get(frameId);
    if (!p) {
      p = src.listArrays(frameId);
      const mine = p;
      this.listings.set(frameId, p);
      // A failed listing is asked again next time rather than remembered.
      p.catch(() => this.listings.get(frameId) === mine && this.listings.delete(frameId));
    }
    return p;
  }

  /** The debuggee moved: listings, stats and variable references of the last stop no longer hold. */
  invalidate(): void {
    this.listings = new Map();
    this.texts = new Map();
    this.refFrames.clear();
    this.reprs.clear();
    this.nextSynthetic = SYNTHETIC_BASE;
  }

  /**
   * A client request on its way to the debugger: remembers scopes/variables to rewrite their answers, and answers
   * the children of a rewritten row that the debugger does not know of. Returns the answer's body when it is ours.
   */
  fromClient(m: DapMessage): DapMessage['body'] | undefined {
    const args = (m.arguments ?? {}) as Record<string, unknown>;
    if (m.command === 'launch' || m.command === 'attach') this.enabled = args.variablesSummary !== false;
    if (!this.enabled) return undefined;
    if (m.command === 'scopes' && typeof args.frameId === 'number') this.requests.set(m.seq, { command: 'scopes', frameId: args.frameId });
    if (m.command !== 'variables' || typeof args.variablesReference !== 'number') return undefined;
    const ref = args.variablesReference;
    const filter = typeof args.filter === 'string' ? args.filter : undefined;
    const own = this.reprs.get(ref);
    if (own && (own.synthetic || (own.namedHere && filter === 'named'))) {
      const start = typeof args.start === 'number' ? args.start : 0;
      return { variables: start === 0 && filter !== 'indexed' ? [{ name: 'repr', value: own.repr, variablesReference: 0, presentationHint: { attributes: ['readOnly'] } }] : [] };
    }
    this.requests.set(m.seq, { command: 'variables', ref, filter });
    return undefined;
  }

  /** True for the answer of a request remembered by fromClient: pass it through rewrite() before the client sees it. */
  wants(m: Omit<DapMessage, 'seq'>): boolean {
    return m.type === 'response' && this.requests.has(m.request_seq ?? -1);
  }

  async rewrite<M extends Omit<DapMessage, 'seq'>>(m: M): Promise<M> {
    const req = this.requests.get(m.request_seq ?? -1);
    this.requests.delete(m.request_seq ?? -1);
    if (!req || !m.success || !m.body) return m;
    try {
      if (req.command === 'scopes') {
        for (const s of (m.body.scopes ?? []) as { variablesReference?: number }[])
          if (typeof s.variablesReference === 'number' && s.variablesReference > 0) this.refFrames.set(s.variablesReference, req.frameId);
        return m;
      }
      const variables = m.body.variables as DapVariable[] | undefined;
      const frameId = this.refFrames.get(req.ref);
      if (!Array.isArray(variables) || frameId === undefined) return m;
      const generation = this.listings;
      for (const v of variables) if (v.variablesReference > 0) this.refFrames.set(v.variablesReference, frameId);
      const rows = await this.summarise(frameId, variables);
      if (this.listings !== generation) return m; // the program moved on while the stats were read
      const own = this.reprs.get(req.ref);
      const withRepr = own && req.filter !== 'indexed' ? [{ name: 'repr', value: own.repr, variablesReference: 0, presentationHint: { attributes: ['readOnly'] } }] : [];
      return { ...m, body: { ...m.body, variables: [...withRepr, ...rows] } };
    } catch {
      return m; // a failure to summarise leaves the debugger's answer as it was
    }
  }

  private async summarise(frameId: number, variables: DapVariable[]): Promise<DapVariable[]> {
    // Arrays always have children (elements, attributes): a frame of plain scalars never waits for a listing.
    if (!variables.some((v) => v.variablesReference > 0 && !GROUP_ROWS.has(v.name))) return variables;
    const byExpr = new Map((await this.listArrays(frameId)).map((a) => [a.expr, a]));
    return Promise.all(
      variables.map(async (v) => {
        const a = byExpr.get(v.evaluateName ?? v.name);
        if (!a || a.onRequest || GROUP_ROWS.has(v.name)) return v;
        let text: string;
        try {
          text = await this.text(frameId, a);
        } catch {
          return v;
        }
        return this.withSummary(v, text);
      }),
    );
  }

  private text(frameId: number, a: ArraySummary): Promise<string> {
    const key = `${frameId}\u0000${a.expr}`;
    let p = this.texts.get(key);
    if (!p) {
      const src = this.source();
      if (!src) return Promise.reject(new Error('no session'));
      const big = a.size > SUMMARY_MAX_ELEMENTS || a.nbytes > SUMMARY_MAX_BYTES;
      p = big || a.size === 0 ? Promise.resolve(summaryText(a, undefined)) : src.inspect({ frameId, expr: a.expr, stats: { bins: 1 } }).then((b) => summaryText(a, b.stats));
      const mine = p;
      this.texts.set(key, p);
      p.catch(() => this.texts.get(key) === mine && this.texts.delete(key));
    }
    return p;
  }

  private withSummary(v: DapVariable, text: string): DapVariable {
    const paged = (v.indexedVariables ?? 0) > 0;
    if (v.variablesReference > 0) {
      const namedHere = paged && !v.namedVariables;
      this.reprs.set(v.variablesReference, { repr: v.value, namedHere, synthetic: false });
      const named = paged ? { namedVariables: (v.namedVariables ?? 0) + 1 } : {};
      return { ...v, value: text, ...named };
    }
    const ref = this.nextSynthetic++;
    this.reprs.set(ref, { repr: v.value, namedHere: false, synthetic: true });
    return { ...v, value: text, variablesReference: ref };
  }
}
