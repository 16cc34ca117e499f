// Tiles of the displayed plane, fetched from the host only when visible and kept until the stop or the slice
// changes; a generation string (stop + axes + fixed indices) tells stale answers from current ones.

import type { Tile } from '../src/protocol/dap';
import { received } from './hostConnection';
import { DecodedTile, RgbTile } from './values';

/** One tile, or one per colour channel (RGB/RGBA) of the same region. */
export type TileLoader = (r0: number, r1: number, c0: number, c1: number, step: number) => Promise<Tile | Tile[]>;

/** performance.now() when the newest tile's message arrived, and when it was decoded (first-paint measurements). */
export const tileTimes = { arrived: 0, decoded: 0 };

export class TileStore {
  private readonly tiles = new Map<string, DecodedTile | 'loading' | Error>();
  private generation = '';
  /** Requests sent since the last reset (tests read it through the DOM as data-requests). */
  requests = 0;

  constructor(
    private readonly load: TileLoader,
    private readonly th: number,
    private readonly tw: number,
    private readonly onChange: () => void,
    private readonly onError: (e: Error) => void,
  ) {}

  /** What the tiles are of (stop, axes, fixed indices…): changes when they are dropped. */
  get generationKey(): string {
    return this.generation;
  }

  reset(generation: string): void {
    if (generation === this.generation) return;
    this.generation = generation;
    this.tiles.clear();
    this.requests = 0;
  }

  /** The decoded tile (tr, tc) at `step`, or null while it loads (the load is started here). */
  get(step: number, tr: number, tc: number, rows: number, cols: number): DecodedTile | null {
    const key = `${step}|${tr}|${tc}`;
    const t = this.tiles.get(key);
    if (t instanceof DecodedTile) return t;
    if (t !== undefined) return null;
    const r0 = tr * this.th * step;
    const c0 = tc * this.tw * step;
    const r1 = Math.min(rows, r0 + this.th * step);
    const c1 = Math.min(cols, c0 + this.tw * step);
    if (r0 >= rows || c0 >= cols) return null;
    const gen = this.generation;
    this.tiles.set(key, 'loading');
    this.requests++;
    this.load(r0, r1, c0, c1, step).then(
      (tile) => {
        if (gen !== this.generation) return;
        tileTimes.arrived = received.at;
        try {
          this.tiles.set(key, Array.isArray(tile) ? new RgbTile(tile) : new DecodedTile(tile));
          tileTimes.decoded = performance.now();
        } catch (e) {
          this.tiles.set(key, e as Error);
          this.onError(e as Error);
        }
        this.onChange();
      },
      (e: Error) => {
        if (gen !== this.generation) return;
        this.tiles.set(key, e);
        this.onError(e);
      },
    );
    return null;
  }

  /** A tile already loaded, without requesting it. */
  peek(step: number, tr: number, tc: number): DecodedTile | null {
    const t = this.tiles.get(`${step}|${tr}|${tc}`);
    return t instanceof DecodedTile ? t : null;
  }

  /** Every tile loaded so far. */
  *loaded(): Generator<DecodedTile> {
    for (const t of this.tiles.values()) if (t instanceof DecodedTile) yield t;
  }

  /** Loaded tiles with their place: step and tile row/column. */
  *loadedEntries(): Generator<{ step: number; tr: number; tc: number; tile: DecodedTile }> {
    for (const [k, t] of this.tiles) {
      if (!(t instanceof DecodedTile)) continue;
      const [step, tr, tc] = k.split('|').map(Number);
      yield { step, tr, tc, tile: t };
    }
  }

  get tileRows(): number {
    return this.th;
  }

  get tileCols(): number {
    return this.tw;
  }
}
