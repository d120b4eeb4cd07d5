import type { DiscountStats } from "@/lib/admin/discount-stats";

// The last 30 days of a discount as an SVG bar chart (uses per day), with the totals above it. Server-rendered,
// no script: the bars' <title> gives each day's numbers, and the table-less summary is plain text.

const W = 600;
const H = 120;

export function DiscountStatsChart({ stats, format }: { stats: DiscountStats; format: (minor: number) => string }) {
  const max = Math.max(1, ...stats.byDay.map((d) => d.uses));
  const bar = W / stats.byDay.length;
  return (
    <section className="stack" aria-labelledby="discount-stats-heading">
      <h2 id="discount-stats-heading">Results</h2>
      <p data-testid="discount-stats">
        {stats.uses} uses · {stats.orders} orders · revenue {format(stats.revenue)} · given {format(stats.discountGiven)}
      </p>
      <svg viewBox={`0 0 ${W} ${H + 16}`} width="100%" role="img" aria-label={`Uses per day over the last ${stats.byDay.length} days`}>
        {stats.byDay.map((d, i) => {
          const h = Math.round((d.uses / max) * H);
          return (
            <rect key={d.date} x={i * bar + 1} y={H - h} width={bar - 2} height={h} fill="currentColor" opacity={0.7}>
              <title>{`${d.date}: ${d.uses} uses, ${format(d.discountGiven)} given`}</title>
            </rect>
          );
        })}
        <line x1={0} y1={H} x2={W} y2={H} stroke="currentColor" />
        <text x={0} y={H + 14} fontSize={11}>
          {stats.byDay[0]?.date}
        </text>
        <text x={W} y={H + 14} fontSize={11} textAnchor="end">
          {stats.byDay.at(-1)?.date}
        </text>
      </svg>
    </section>
  );
}
