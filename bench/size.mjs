#!/usr/bin/env node
// `npm run size`: the bundle sizes against their budgets and what changed since the recorded
// report. `npm run size -- --record "why"` rewrites bench/size-report.json with today's sizes and
// the reason (do it when a change's growth is understood and accepted).
import { readFileSync, writeFileSync } from 'node:fs';
import { BUDGETS, measureBudgets, sizeChanges, sizeSnapshot } from './lib/size.mjs';

const file = new URL('./size-report.json', import.meta.url);
const current = sizeSnapshot(await measureBudgets());
const recorded = JSON.parse(readFileSync(file, 'utf8'));
console.log(
  `client ${current.client.gzip} B gzip (budget ${BUDGETS.client}), middleware +${current.middlewareBeyondClient} B gzip beyond the client (budget ${BUDGETS.middleware})`,
);
for (const [name, a] of Object.entries(current.adapters))
  console.log(
    `./${name} +${a.beyondClient} B gzip beyond the client (budget ${BUDGETS.adapter}), ${a.alone} B alone`,
  );
console.log(`since the recorded report (${recorded.note}):`);
for (const line of sizeChanges(recorded, current)) console.log(line);
const at = process.argv.indexOf('--record');
if (at !== -1) {
  const note = process.argv[at + 1];
  if (!note) throw new Error('--record needs the reason, e.g. --record "resources as typed specs"');
  writeFileSync(file, `${JSON.stringify({ note, ...current }, null, 2)}\n`);
  console.log(`recorded in ${file.pathname}`);
}
