// Setup file: fail the run unless the tests really execute inside workerd.
const ua = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent;
if (
  ua !== 'Cloudflare-Workers' ||
  typeof (globalThis as { WebSocketPair?: unknown }).WebSocketPair !== 'function'
) {
  throw new Error(
    `runtimes/workerd: tests are not running inside workerd (navigator.userAgent = ${String(ua)})`,
  );
}
