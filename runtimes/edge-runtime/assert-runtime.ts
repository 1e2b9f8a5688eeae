// Setup file: fail the run unless the tests really execute inside @edge-runtime/vm's context.
if ((globalThis as { EdgeRuntime?: unknown }).EdgeRuntime !== 'edge-runtime') {
  throw new Error(
    'runtimes/edge-runtime: tests are not running inside the Edge runtime VM (no EdgeRuntime global)',
  );
}
