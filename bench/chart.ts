import type { GoalRow } from "./report.js";

const WIDTH = 760;
const LABEL = 260;
const ROW = 34;
const TOP = 40;
const xmlEscape = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/**
 * chartSVG draws the service's ratio to each baseline as a bar (the median of the rounds) with a whisker from
 * the least to the greatest round and a mark at the goal, green where the goal is met and red where not, on
 * one scale from 0 to the largest of them (at least 1.5×), with 1× marked: an SVG that any browser shows and
 * rsvg-convert turns into the PNG of bench/results.
 *
 * @example
 * writeFileSync("chart.svg", chartSVG(goalRows(rounds), "make bench, 3 rounds"));
 */
export function chartSVG(rows: GoalRow[], title: string): string {
  const top = Math.max(1.5, ...rows.flatMap((r) => [r.ratio.max, r.target]).filter(Number.isFinite));
  // Room on the right for the longest label, written after the whisker.
  const plot = WIDTH - LABEL - 170;
  const x = (ratio: number) => LABEL + (Math.min(ratio, top) / top) * plot;
  const height = TOP + rows.length * ROW + 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    `<text x="10" y="22" font-size="14" font-weight="bold">${xmlEscape(title)}</text>`,
    `<line x1="${x(1)}" y1="${TOP - 6}" x2="${x(1)}" y2="${height - 24}" stroke="#888" stroke-dasharray="4 3"/>`,
    `<text x="${x(1)}" y="${height - 10}" text-anchor="middle">1×</text>`,
    `<text x="${x(top)}" y="${height - 10}" text-anchor="end">${top.toFixed(1)}×</text>`,
  ];
  rows.forEach((row, i) => {
    const y = TOP + i * ROW;
    const goal = row.target;
    const colour = row.met ? "#2e7d32" : "#c62828";
    parts.push(
      `<text x="10" y="${y + 16}">${xmlEscape(row.figure)}</text>`,
      `<rect x="${LABEL}" y="${y + 4}" width="${(x(row.ratio.median) - LABEL).toFixed(1)}" height="16" fill="${colour}" fill-opacity="0.75"/>`,
      `<line x1="${x(row.ratio.min).toFixed(1)}" y1="${y + 12}" x2="${x(row.ratio.max).toFixed(1)}" y2="${y + 12}" stroke="black"/>`,
      `<line x1="${x(row.ratio.min).toFixed(1)}" y1="${y + 7}" x2="${x(row.ratio.min).toFixed(1)}" y2="${y + 17}" stroke="black"/>`,
      `<line x1="${x(row.ratio.max).toFixed(1)}" y1="${y + 7}" x2="${x(row.ratio.max).toFixed(1)}" y2="${y + 17}" stroke="black"/>`,
      `<line x1="${x(goal).toFixed(1)}" y1="${y}" x2="${x(goal).toFixed(1)}" y2="${y + 24}" stroke="#1565c0" stroke-width="2"/>`,
      `<text x="${(Math.max(x(row.ratio.max), x(goal)) + 6).toFixed(1)}" y="${y + 16}">${row.ratio.median.toFixed(2)}× (goal ${xmlEscape(row.goal)})</text>`,
    );
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
