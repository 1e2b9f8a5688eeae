// Starts the Express example.
//   PROTEKT_LOGIN_ID=lp_... PROTEKT_API_KEY=pk_... node server.mjs
import { createApp } from './app.mjs';

const host = process.env.HOST ?? '127.0.0.1';
const server = createApp().listen(Number(process.env.PORT ?? 3000), host, () => {
  console.log(`node-express example listening on http://${host}:${server.address().port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections?.();
  });
}
