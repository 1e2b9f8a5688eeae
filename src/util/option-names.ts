/**
 * Unknown option names, caught with a suggestion: `baseURL` or `timout` from a JavaScript object
 * would otherwise be ignored in silence (and `baseURL` would send the traffic to production).
 */

/** The known name closest to `name`: the same but for case, else within two edits, else none. */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    if (candidate.toLowerCase() === lower) return candidate;
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** Levenshtein distance (insertions, deletions, substitutions), one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, substitution);
    }
    previous = row;
  }
  return previous[b.length]!;
}

/**
 * The first own key of `options` that is not in `known`, and why it is refused, naming the nearest
 * known one (`is unknown: did you mean baseUrl?`), or `undefined` when every key is known.
 */
export function unknownOption(
  options: object,
  known: readonly string[],
): { name: string; why: string } | undefined {
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const nearest = nearestName(name, known);
    const hint = nearest ? `did you mean ${nearest}?` : `the known ones are ${known.join(', ')}.`;
    return { name, why: `is unknown: ${hint}` };
  }
  return undefined;
}
