// The entry module of every hub worker (worker-build's CUSTOM_SHIM).
//
// worker-build's default entry wraps a WorkerEntrypoint class in Proxies and an extra async layer on
// every request, to re-instantiate the Wasm module after a trap. That costs about a third of a small
// route's throughput. This entry is a plain module worker: one call into Wasm per request. A trap
// (a Rust panic) poisons the instance instead, and the isolate is then failed loudly so the runtime
// replaces it: hub code does not panic on input (clippy, typed errors), so this path is exceptional.
import * as imports from "./index_bg.js";
export * from "./index_bg.js";
import wasmModule from "./index.wasm";
$SNIPPET_JS_IMPORTS

const instance = new WebAssembly.Instance(wasmModule, {
  "./index_bg.js": imports,
  $SNIPPET_WASM_IMPORTS
});
imports.__wbg_set_wasm(instance.exports);
instance.exports.__wbindgen_start?.();

let poisoned = null;

function guard(error) {
  if (error instanceof WebAssembly.RuntimeError) {
    poisoned = error;
    console.error(JSON.stringify({ level: "ERROR", message: "wasm trap: isolate poisoned", error: String(error) }));
  }
  throw error;
}

export default {
  fetch(request, env, ctx) {
    if (poisoned) throw new Error("isolate poisoned by an earlier wasm trap", { cause: poisoned });
    try {
      // A Response when the handler finished without I/O, else a Promise of one.
      const result = imports.fetch(request, env, ctx);
      return result instanceof Promise ? result.catch(guard) : result;
    } catch (error) {
      guard(error);
    }
  },
};
