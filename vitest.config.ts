// `npx vitest` = the Node 20 run (unit tests against src + conformance suite against dist).
// Every other runtime has its own config under runtimes/; `npm test` runs them all.
export { default } from './runtimes/node20/vitest.config.ts';
