/**
 * The process environment where the runtime has one, for `Protekt.fromEnv()` called without an
 * env object: Node's and Bun's `process.env` (Deno 2 has it too), else `Deno.env` (it needs
 * `--allow-env`). Workers have no process environment: there the bindings object is passed in.
 * Read on call, never at import.
 */

/** The runtime's environment variables, or `undefined` where there are none to read. */
export function processEnv(): Readonly<Record<string, string | undefined>> | undefined {
  const runtime = globalThis as {
    process?: { env?: Record<string, string | undefined> };
    Deno?: { env?: { toObject(): Record<string, string> } };
  };
  if (runtime.process?.env) return runtime.process.env;
  try {
    return runtime.Deno?.env?.toObject();
  } catch {
    // Deno without --allow-env: as if there were no environment.
    return undefined;
  }
}
