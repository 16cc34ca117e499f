// `arraylens inspect --list`: the stopped frame's arrays, each marked with the others over the same bytes — in this
// process (torch.from_numpy(a) and a), and in another process's listing given with --same-bytes-as (one shared-memory
// segment or mapped file) — and, for that other side, where its shared bytes live.

import * as fs from 'fs';
import { toJson } from '../core/decode';
import { ArrayLensError } from '../core/errors';
import { elementCount } from '../core/view';
import { DebugTarget } from '../engine/target';
import { Backing, BackedArray, backedArrays, crossProcessAliases, readProcessMaps } from '../pairing/processMaps';
import { listingAliases } from '../pairing/sameBytes';
import { ArrayAlias, aliasText } from '../protocol/dap';
import { InspectOptions } from './args';

/** What --list --json prints; `pid` and each row's `backing` let another listing be marked against this one. */
export interface ListingJson {
  pid: number | null;
  arrays: ListingRow[];
}

export interface ListingRow {
  expr: string;
  language: BackedArray['language'];
  type: string;
  /** null for arrays that open on request (nothing computed while listing). */
  dtype: string | null;
  shape: number[] | null;
  size: number | null;
  address: string | null;
  onRequest?: string;
  aliases?: ArrayAlias[];
  /** The shared-memory segments or mapped files behind its bytes (MAP_SHARED only). */
  backing?: Backing[];
}

/** Reads a listing printed by `--list --json` of another process; says what is wrong with it otherwise. */
export function readListing(file: string): { pid: number; arrays: BackedArray[] } {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ArrayLensError('bad-argument', `--same-bytes-as ${file}: ${(e as Error).message}; pass the output of arraylens inspect --list --json`);
  }
  const l = data as Partial<ListingJson>;
  if (typeof l?.pid !== 'number' || !Array.isArray(l.arrays))
    throw new ArrayLensError('bad-argument', `--same-bytes-as ${file}: not a listing with a pid (print one with arraylens inspect --list --json)`);
  return {
    pid: l.pid,
    arrays: l.arrays.map((r) => ({ expr: String(r.expr), language: r.language ?? 'python', backing: Array.isArray(r.backing) ? r.backing : [] })),
  };
}

/** `other`: the listing of --same-bytes-as, read (readListing) before the program starts. */
export async function listFrame(target: DebugTarget, o: InspectOptions, other: { pid: number; arrays: BackedArray[] } | null): Promise<string> {
  const arrays = await target.listArrays();
  const inProcess = listingAliases(arrays);
  // Without a local pid (or off Linux) nothing can be said about shared bytes; with --same-bytes-as that is an error.
  let backed: BackedArray[] | null = null;
  if (target.pid !== undefined && process.platform === 'linux') {
    try {
      backed = backedArrays(arrays, readProcessMaps(target.pid));
    } catch (e) {
      if (other) throw e;
    }
  }
  if (other && !backed) throw new ArrayLensError('unreadable', '--same-bytes-as needs the debuggee\'s memory map (/proc/PID/maps): a local Linux process');
  const across = other && backed ? crossProcessAliases(backed, other.arrays, other.pid) : arrays.map(() => []);
  const rows: ListingRow[] = arrays.map((a, i) => {
    // Computed on request (a Pillow image, a computed __array_interface__): no dtype, shape or bytes until opened.
    if (a.onRequest) return { expr: a.expr, language: a.language, type: a.typeName, dtype: null, shape: null, size: null, address: null, onRequest: a.onRequest };
    const aliases = [...inProcess[i], ...across[i]];
    const backing = backed?.[i].backing ?? [];
    return {
      expr: a.expr,
      language: a.language,
      type: a.typeName,
      dtype: a.view.dtype.name,
      shape: [...a.view.shape],
      size: elementCount(a.view.shape),
      address: `0x${a.view.address.toString(16)}`,
      ...(aliases.length ? { aliases } : {}),
      ...(backing.length ? { backing } : {}),
    };
  });
  if (o.json) return toJson({ pid: target.pid ?? null, arrays: rows } satisfies ListingJson);
  return rows
    .map((r) =>
      r.onRequest !== undefined
        ? `${r.expr}\topens on request (${r.onRequest})\t${r.type}`
        : `${r.expr}\t${r.dtype}[${r.shape!.join(', ')}]\t${r.type}${r.aliases ? `\tsame bytes as ${aliasText(r.aliases, r.language)}` : ''}`,
    )
    .join('\n');
}
