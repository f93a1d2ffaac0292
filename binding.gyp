{
  "targets": [
    {
      "target_name": "pairbench_native",
      "sources": ["native/addon.cc", "native/gemm.cc", "native/conv.cc", "native/conv_direct.cc", "native/ops.cc", "native/winograd.cc"],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except_all"],
      "defines": ["NAPI_VERSION=8"],
      "cflags!": ["-O2", "-O0", "-fno-exceptions"],
      "cflags_cc!": ["-O2", "-O0", "-fno-exceptions"],
      "cflags": ["-O3", "-fno-math-errno", "-ffp-contract=off"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-math-errno", "-ffp-contract=off"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"]
      }
    }
  ]
}
