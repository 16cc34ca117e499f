# The Python side of the fuzz suite (Hypothesis): .npy files written by NumPy itself and NumPy's own basic indexing,
# compared with what the TypeScript core makes of them (through test/unit/fuzzOracle.ts, one JSON line per question).
# Usage: python fuzz_hypothesis.py ORACLE_JS NPY_CASES SLICE_CASES  (run by test/unit/fuzzPython.test.ts)

import io
import json
import os
import subprocess
import sys
import time

import numpy as np
from hypothesis import HealthCheck, given, seed as hypothesis_seed, settings, strategies as st
from hypothesis.extra import numpy as hnp

oracle_js, npy_cases, slice_cases = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
oracle = subprocess.Popen(["node", oracle_js], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def ask(req):
    oracle.stdin.write(json.dumps(req) + "\n")
    oracle.stdin.flush()
    return json.loads(oracle.stdout.readline())


seed = os.environ.get("ARRAYLENS_FUZZ_SEED")


def run_settings(n):
    # derandomize: npm test is reproducible; ARRAYLENS_FUZZ_SEED (npm run fuzz) picks the examples; no example
    # database (nothing written into the checkout).
    s = settings(max_examples=n, deadline=None, database=None, derandomize=seed is None,
                 suppress_health_check=list(HealthCheck), print_blob=True)
    return (lambda f: hypothesis_seed(int(seed))(s(f))) if seed is not None else s


DTYPES = ["|b1", "|i1", "|u1", "<i2", ">i2", "<u2", "<i4", ">u4", "<i8", ">u8", "<f2", ">f2", "<f4", ">f4", "<f8", ">f8",
          "<c8", ">c16"]


@run_settings(npy_cases)
@given(descr=st.sampled_from(DTYPES), shape=hnp.array_shapes(min_dims=0, max_dims=5, min_side=0, max_side=6),
       fortran=st.booleans(), version=st.sampled_from([(1, 0), (2, 0), (3, 0), None]), cut=st.integers(0, 200))
def npy_header_matches_numpy(descr, shape, fortran, version, cut):
    a = np.zeros(shape, dtype=np.dtype(descr), order="F" if fortran else "C")
    f = io.BytesIO()
    np.lib.format.write_array(f, a, version=version)
    data = f.getvalue()
    got = ask({"op": "npy", "b64": __import__("base64").b64encode(data).decode()})
    assert "ok" in got, (descr, shape, got)
    h = got["ok"]
    dt = np.dtype(descr)
    assert h["dtype"] == dt.name, (descr, h)
    if dt.itemsize > 1:
        assert h["byteOrder"] == ("big" if dt.byteorder == ">" else "little"), (descr, h)
    assert tuple(h["shape"]) == a.shape, (shape, h)
    # NumPy writes a 1-d or 0-d array as C order whatever was asked: compare with what the header says.
    assert h["fortranOrder"] == (a.flags.f_contiguous and not a.flags.c_contiguous), (shape, fortran, h)
    assert h["dataOffset"] == len(data) - a.nbytes, (h, len(data), a.nbytes)
    # A truncated file: refused with an ArrayLensError, never another error.
    short = ask({"op": "npy", "b64": __import__("base64").b64encode(data[: min(cut, h["dataOffset"] - 1)]).decode()})
    assert "error" in short and short["code"] is not None, short


def index_text(idx):
    def one(i):
        if i is Ellipsis:
            return "..."
        if i is None:
            return "None"
        if isinstance(i, slice):
            f = lambda x: "" if x is None else str(x)
            return f"{f(i.start)}:{f(i.stop)}" + ("" if i.step is None else f":{i.step}")
        return str(int(i))
    return "[" + ", ".join(one(i) for i in idx) + "]"


@st.composite
def base_and_index(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6))
    descr = draw(st.sampled_from(["<f4", "<f8", "|u1", "<i2", "<c16"]))
    a = np.zeros(shape, dtype=np.dtype(descr))
    # Views NumPy makes: a transpose, a reversed axis, a stepped axis.
    if a.ndim >= 2 and draw(st.booleans()):
        a = a.T
    if a.ndim >= 1 and draw(st.booleans()):
        a = a[::-1]
    if a.ndim >= 1 and draw(st.booleans()):
        a = a[:: draw(st.integers(2, 3))]
    idx = draw(hnp.basic_indices(a.shape, min_dims=0, allow_newaxis=True, allow_ellipsis=True))
    if not isinstance(idx, tuple):
        idx = (idx,)
    return a, idx


@run_settings(slice_cases)
@given(case=base_and_index())
def slice_matches_numpy(case):
    a, idx = case
    text = index_text(idx)
    # With an Ellipsis NumPy returns a (0-d) view even when every axis takes an integer.
    full = idx if any(i is Ellipsis for i in idx) else idx + (Ellipsis,)
    v = a[full]
    base = a.__array_interface__["data"][0]
    got = ask({"op": "slice", "dtype": a.dtype.name, "shape": list(a.shape), "strides": list(a.strides),
               "address": str(base), "text": text})
    assert "ok" in got, (a.shape, a.strides, text, got)
    r = got["ok"]
    assert tuple(r["shape"]) == v.shape, (a.shape, text, r, v.shape)
    for d, s_got, s_np in zip(v.shape, r["strides"], v.strides):
        if d > 1:
            assert s_got == s_np, (a.shape, a.strides, text, r, v.strides)
    if v.size > 0:
        assert int(r["address"]) == v.__array_interface__["data"][0], (a.shape, a.strides, text, r)


results = []
status = 0
for name, prop, n in [("hypothesis: npy headers", npy_header_matches_numpy, npy_cases),
                      ("hypothesis: slices vs NumPy", slice_matches_numpy, slice_cases)]:
    t0 = time.perf_counter()
    failures = 0
    try:
        prop()
    except Exception as e:  # noqa: BLE001 - report every failure with its example, then fail the run
        failures = 1
        status = 1
        print(f"FAILED {name}: {type(e).__name__}: {e}", file=sys.stderr)
    results.append({"name": name, "cases": n, "ms": round((time.perf_counter() - t0) * 1000), "failures": failures})
oracle.stdin.close()
oracle.wait()
print(json.dumps(results))
sys.exit(status)
