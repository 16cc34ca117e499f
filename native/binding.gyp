# ArrayLens native stats engine. Per-ISA kernels are static libraries of their own so only they get -mavx2 /
# -mavx512*; the addon itself is built for the baseline CPU and dispatches at run time (src/dispatch.cc).
{
  "variables": {
    "naa_dir": "<!(node -p \"require('node-addon-api').include_dir\")",
  },
  "target_defaults": {
    "include_dirs": ["include", "<(naa_dir)"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions"],
    "cflags": ["-fPIC", "-O3", "-fno-math-errno", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-unused-function", "-Wno-maybe-uninitialized", "-Wno-uninitialized"],
    "cflags_cc": ["-fexceptions"],
  },
  "targets": [
    {
      "target_name": "arraylens_avx2",
      "type": "static_library",
      "sources": ["src/isa_avx2.cc"],
      "conditions": [["target_arch=='x64'", {"cflags": ["-mavx2", "-mf16c", "-mfma"]}]],
    },
    {
      "target_name": "arraylens_avx512",
      "type": "static_library",
      "sources": ["src/isa_avx512.cc"],
      "conditions": [["target_arch=='x64'", {"cflags": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx2", "-mf16c", "-mfma"]}]],
    },
    {
      "target_name": "arraylens_native",
      "sources": ["src/binding.cc", "src/marshal.cc", "src/engine.cc", "src/moments.cc", "src/histogram.cc", "src/percentiles.cc", "src/dispatch.cc", "src/isa_serial.cc", "src/isa_neon.cc", "src/vmread.cc", "src/overview.cc"],
      "dependencies": ["arraylens_avx2", "arraylens_avx512"],
      "ldflags": ["-pthread"],
    },
  ],
}
