"""Compares engine results with NumPy, using the acceptance checker's own reference functions.

usage: compare.py CASEMODULE RESULTS.json  -> prints {"label": "error or null", ...}
"""
import importlib.util
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "..", "shared", "acceptance"))
import check_inspect  # noqa: E402


def load(path):
    spec = importlib.util.spec_from_file_location("cases", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    mod = load(sys.argv[1])
    arrays = mod.expected_arrays() if hasattr(mod, "expected_arrays") else mod.make()
    results = json.load(open(sys.argv[2]))
    out = {}
    for r in results:
        case = r["case"]
        name = case.get("name", case["expr"])
        if "error" in r:
            out[r["label"]] = "engine error: " + r["error"]
            continue
        out[r["label"]] = check_inspect.check_one(r["result"], arrays[name], case)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
