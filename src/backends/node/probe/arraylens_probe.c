/* The one thing JavaScript cannot tell the debugger: where a TypedArray's bytes are. Loaded into a paused Node
 * debuggee with process.dlopen; `dataAddress(u8)` returns the address of a Uint8Array's first byte as a BigInt,
 * so the engine can read tiles straight from /proc/PID/mem. Only N-API (ABI-stable): the few declarations used
 * are written out here, so building needs a C compiler and no Node headers. */

#include <stddef.h>
#include <stdint.h>

typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
typedef struct napi_callback_info__ *napi_callback_info;
typedef int napi_status; /* napi_ok == 0 */
typedef int napi_typedarray_type;
typedef napi_value (*napi_callback)(napi_env env, napi_callback_info info);

extern napi_status napi_get_cb_info(napi_env env, napi_callback_info cbinfo, size_t *argc, napi_value *argv,
                                    napi_value *this_arg, void **data);
extern napi_status napi_is_typedarray(napi_env env, napi_value value, _Bool *result);
extern napi_status napi_get_typedarray_info(napi_env env, napi_value typedarray, napi_typedarray_type *type,
                                            size_t *length, void **data, napi_value *arraybuffer, size_t *byte_offset);
extern napi_status napi_create_bigint_uint64(napi_env env, uint64_t value, napi_value *result);
extern napi_status napi_create_function(napi_env env, const char *utf8name, size_t length, napi_callback cb,
                                        void *data, napi_value *result);
extern napi_status napi_set_named_property(napi_env env, napi_value object, const char *utf8name, napi_value value);
extern napi_status napi_throw_type_error(napi_env env, const char *code, const char *msg);

static napi_value fail(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ARRAYLENS_PROBE", msg);
  return NULL;
}

static napi_value data_address(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  _Bool is_ta = 0;
  void *data = NULL;
  size_t length = 0;
  napi_typedarray_type type;
  napi_value result;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != 0 || argc < 1) return fail(env, "dataAddress(typedArray) needs an argument");
  if (napi_is_typedarray(env, argv[0], &is_ta) != 0 || !is_ta) return fail(env, "dataAddress: not a TypedArray");
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != 0) return fail(env, "dataAddress: napi_get_typedarray_info failed");
  if (napi_create_bigint_uint64(env, (uint64_t)(uintptr_t)data, &result) != 0) return fail(env, "dataAddress: cannot make a BigInt");
  return result;
}

napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "dataAddress", (size_t)-1, data_address, NULL, &fn) != 0) return fail(env, "probe: napi_create_function failed");
  if (napi_set_named_property(env, exports, "dataAddress", fn) != 0) return fail(env, "probe: napi_set_named_property failed");
  return exports;
}

/* Node checks the N-API version an addon was built for; 6 covers BigInt (Node >= 10.20). */
int32_t node_api_module_get_api_version_v1(void) { return 6; }
