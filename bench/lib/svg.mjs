/**
 * The throughput chart of docs/benchmarks.md: horizontal bars per verifier and algorithm, with the
 * min–max of rounds.
 */

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function throughputSvg(results, { title, subtitle = '' }) {
  const algs = ['RS256', 'ES256', 'EdDSA'];
  const names = [...new Set(results.map((r) => r.name))];
  const max = Math.max(...results.map((r) => r.ops.max));
  const left = 250;
  const width = 960;
  const plot = width - left - 150;
  const row = 18;
  const gap = 14;
  let y = subtitle ? 58 : 44;
  const parts = [];
  for (const alg of algs) {
    const rows = names
      .map((n) => results.find((r) => r.alg === alg && r.name === n))
      .filter(Boolean);
    parts.push(`<text x="10" y="${y + 12}" class="alg">${alg}</text>`);
    y += 20;
    for (const r of rows) {
      const w = (r.ops.median / max) * plot;
      const cls = r.name === 'protekt' ? 'ours' : r.name === 'floor' ? 'floor' : 'peer';
      parts.push(
        `<text x="${left - 8}" y="${y + 13}" text-anchor="end" class="label">${esc(r.name)}</text>`,
      );
      parts.push(
        `<rect x="${left}" y="${y + 2}" width="${w.toFixed(1)}" height="${row - 4}" class="${cls}"/>`,
      );
      const x0 = left + (r.ops.min / max) * plot;
      const x1 = left + (r.ops.max / max) * plot;
      parts.push(
        `<line x1="${x0.toFixed(1)}" x2="${x1.toFixed(1)}" y1="${y + row / 2}" y2="${y + row / 2}" class="whisker"/>`,
      );
      const ratio = r.ratio ? ` (${r.ratio.median.toFixed(2)}×)` : '';
      parts.push(
        `<text x="${(Math.max(w, x1 - left) + left + 6).toFixed(1)}" y="${y + 13}" class="value">${Math.round(r.ops.median).toLocaleString('en-US')}/s${ratio}</text>`,
      );
      y += row;
    }
    y += gap;
  }
  const height = y + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">
<style>
.title{font-size:15px;font-weight:600;fill:#222}.alg{font-size:13px;font-weight:600;fill:#222}.label{font-size:12px;fill:#333}.value{font-size:11px;fill:#444}
.ours{fill:#2f7d4f}.floor{fill:#9a9a9a}.peer{fill:#5b7fb5}.whisker{stroke:#111;stroke-width:1.2}
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="22" class="title">${esc(title)}</text>
${subtitle ? `<text x="10" y="40" class="label">${esc(subtitle)}</text>` : ''}
${parts.join('\n')}
</svg>
`;
}
