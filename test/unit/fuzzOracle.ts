// The TypeScript side of the Hypothesis fuzz suite (test/unit/py/fuzz_hypothesis.py): one JSON request per line on
// stdin (parse a .npy header, slice a view), one JSON answer per line on stdout; errors come back as their class and code.

import * as readline from 'readline';
import { DTypeName, dtype } from '../../src/core/dtype';
import { ArrayLensError } from '../../src/core/errors';
import { sliceView } from '../../src/core/indexing';
import { parseNpyHeader } from '../../src/core/npy';

type Request =
  | { op: 'npy'; b64: string }
  | { op: 'slice'; dtype: DTypeName; shape: number[]; strides: number[]; address: string; text: string };

function answer(req: Request): unknown {
  if (req.op === 'npy') {
    const h = parseNpyHeader(new Uint8Array(Buffer.from(req.b64, 'base64')));
    return { dtype: h.dtype.name, byteOrder: h.dtype.byteOrder, itemsize: h.dtype.itemsize, shape: h.shape, fortranOrder: h.fortranOrder, dataOffset: h.dataOffset };
  }
  const v = sliceView({ address: BigInt(req.address), dtype: dtype(req.dtype), shape: req.shape, strides: req.strides }, req.text);
  return { address: v.address.toString(), shape: v.shape, strides: v.strides };
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let out: unknown;
  try {
    out = { ok: answer(JSON.parse(line) as Request) };
  } catch (e) {
    out = { error: (e as Error).name, code: e instanceof ArrayLensError ? e.code : null, message: (e as Error).message };
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
});
