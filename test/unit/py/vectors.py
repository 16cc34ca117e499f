"""Test vectors from NumPy itself for the core model: slicing results and whole-array stats.

usage: vectors.py indexing SEED N      -> JSON list of {shape, strides, itemsize, index, out_shape, out_strides, offset}
       vectors.py stats DIR SEED N     -> writes DIR/k.npy and prints JSON list of {file, bins, stats}
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "shared", "acceptance"))
import check_inspect  # noqa: E402


def rand_index(rng, ndim):
    items = []
    used = 0
    ell = rng.random() < 0.3
    k = rng.integers(0, ndim + 1)
    for i in range(k):
        r = rng.random()
        if r < 0.3:
            items.append(str(int(rng.integers(-2, 2))))
        elif r < 0.9:
            parts = []
            for _ in range(3):
                parts.append("" if rng.random() < 0.4 else str(int(rng.integers(-6, 7))))
            if parts[2] == "0":
                parts[2] = "-1"
            items.append(":".join(parts))
        else:
            items.append("None")
    if ell:
        items.insert(int(rng.integers(0, len(items) + 1)), "...")
    return "[" + ", ".join(items) + "]"


def indexing(seed, n):
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        ndim = int(rng.integers(0, 5))
        shape = tuple(int(x) for x in rng.integers(1, 6, size=ndim))
        base = np.arange(int(np.prod(shape)) * 3, dtype=np.int32)
        a = base[::3].reshape(shape) if ndim else np.array(5, dtype=np.int32)
        if ndim and rng.random() < 0.5:
            a = a.transpose(rng.permutation(ndim))
        if ndim and rng.random() < 0.3:
            a = a[::-1]
        idx = rand_index(rng, a.ndim)
        if idx == "[]":
            idx = "[...]"
        try:
            v = a[eval("np.s_" + idx)]
        except IndexError:
            continue
        if not isinstance(v, np.ndarray):
            continue  # an integer for every axis gives a scalar, not a view
        out.append(dict(shape=list(a.shape), strides=list(a.strides), itemsize=4, index=idx,
                        out_shape=list(v.shape), out_strides=list(v.strides),
                        offset=int(v.__array_interface__["data"][0] - a.__array_interface__["data"][0]) if v.size and a.size else None))
    return out


DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128", ">f4", ">i8", ">c16", ">f2", ">u2"]


def rand_array(rng, dt):
    shape = tuple(int(x) for x in rng.integers(0 if rng.random() < 0.05 else 1, 40, size=int(rng.integers(1, 4))))
    dt = np.dtype(dt)
    if dt.kind == "b":
        a = rng.integers(0, 2, size=shape).astype(bool)
    elif dt.kind in "iu":
        info = np.iinfo(dt)
        a = rng.integers(info.min, info.max, size=shape, dtype=dt.newbyteorder("="), endpoint=True).astype(dt)
        if rng.random() < 0.3:
            a = (a % 7).astype(dt)
    elif dt.kind == "f":
        scale = 10.0 ** rng.integers(-3, 4)
        a = (rng.normal(size=shape) * scale + (1e4 if rng.random() < 0.2 else 0)).astype(dt)
        flat = a.reshape(-1)
        for special in (np.nan, np.inf, -np.inf, 0.0):
            if flat.size and rng.random() < 0.4:
                flat[rng.integers(0, flat.size, size=int(rng.integers(1, 4)))] = special
        if flat.size and rng.random() < 0.05:
            flat[:] = np.nan
    else:
        a = (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(dt)
        flat = a.reshape(-1)
        if flat.size and rng.random() < 0.5:
            flat[0] = complex(np.nan, 1.0)
        if flat.size > 1 and rng.random() < 0.5:
            flat[1] = complex(np.inf, 2.0)
        if flat.size > 2:
            flat[2] = 0
    if a.ndim >= 2 and rng.random() < 0.3:
        a = np.asfortranarray(a)
    return a


def stats(d, seed, n):
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        dt = DTYPES[k % len(DTYPES)]
        a = rand_array(rng, dt)
        bins = int(rng.choice([1, 2, 7, 10, 256]))
        f = os.path.join(d, f"{k}.npy")
        np.save(f, a)
        slice_ = None
        view = a
        if a.ndim >= 1 and rng.random() < 0.5:
            slice_ = "[::-2]" if rng.random() < 0.5 else "[..., 1::3]"
            view = eval("a" + slice_)
        st = check_inspect.expected_stats(view, bins)
        for key in ("min", "max"):  # exact integers beyond 2**53 travel as text
            if isinstance(st[key], int) and abs(st[key]) >= 2**53:
                st[key] = str(st[key])
        out.append(dict(file=f, dtype=str(a.dtype), bins=bins, slice=slice_, stats=st))
    return out


if __name__ == "__main__":
    if sys.argv[1] == "indexing":
        print(json.dumps(indexing(int(sys.argv[2]), int(sys.argv[3]))))
    else:
        print(json.dumps(stats(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
