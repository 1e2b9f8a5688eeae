#!/usr/bin/env node
/**
 * The guard benchmark alone: `node bench/guard/run.mjs [--quick] [--write]` (also a group of
 * `npm run bench`, `--only guard`). `--write` puts the table in docs/benchmarks.md between the
 * `guard-bench` markers and the figures in bench/results/guard.json.
 */
import { buildBench } from '../lib/build.mjs';
import { guardMarkdown, guardSuite, writeGuardResults } from '../suites/guard.mjs';

const quick = process.argv.includes('--quick');
const built = await buildBench();
const g = await guardSuite({ serveModule: built.serve, quick, log: console.log });
g.date = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
g.node = process.versions.node;
const table = guardMarkdown(g);
console.log(`\n${table}`);
if (process.argv.includes('--write')) writeGuardResults(g, table);
