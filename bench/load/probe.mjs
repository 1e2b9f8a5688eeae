// Preloaded into the server under load (`node --expose-gc --import ./probe.mjs server.mjs`): on
// the IPC message 'memory' it collects garbage (when --expose-gc is on) and answers with
// process.memoryUsage(), so the load test can sample the server from outside without changing
// the example. The IPC channel is unref'd: it never keeps the server alive.
if (typeof process.send === 'function') {
  process.on('message', (message) => {
    if (message !== 'memory') return;
    globalThis.gc?.();
    process.send({ type: 'memory', ...process.memoryUsage() });
  });
  process.channel?.unref();
}
