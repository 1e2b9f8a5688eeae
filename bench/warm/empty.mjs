// An empty module: the baseline of the Node load benchmark (bench/suites/warm.mjs).
export {};
