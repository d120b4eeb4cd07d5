// What a newcomer needs on the first screen of `npm start`: the demo accounts that exist in this database and the
// discount codes they can try right now, read from the database on every start (not only when the seed creates
// them), so a restart still says how to sign in.
import type { Db } from "../lib/db";
import { seedUsers } from "../lib/catalog/seed-data";
import { basisPointsToPercent, formatMoney } from "../lib/money";

type DiscountRow = {
  code: string | null;
  type: string;
  value: number;
  currency: string | null;
  minOrderAmount: number | null;
  maxUses: number | null;
  usesCount: number;
  buyQuantity: number | null;
  getQuantity: number | null;
};

export function describeDiscount(d: DiscountRow): string {
  const cur = d.currency?.trim();
  const min = d.minOrderAmount !== null && cur ? ` on orders from ${formatMoney({ amount: d.minOrderAmount, currency: cur })}` : "";
  const left = d.maxUses !== null ? ` (${Math.max(0, d.maxUses - d.usesCount)} uses left)` : "";
  switch (d.type) {
    case "PERCENTAGE":
      return `${basisPointsToPercent(d.value)}% off${min}${left}`;
    case "FIXED_AMOUNT":
      return `${cur ? formatMoney({ amount: d.value, currency: cur }) : d.value} off${min}${left}`;
    case "FREE_SHIPPING":
      return `free shipping${min}${left}`;
    default:
      return `buy ${d.buyQuantity ?? "?"} get ${d.getQuantity ?? "?"} at ${basisPointsToPercent(d.value)}% off${min}${left}`;
  }
}

export async function demoInfo(db: Db, env: Record<string, string | undefined> = process.env, now = new Date()): Promise<string[]> {
  const users = await db.user.findMany({ where: { email: { in: seedUsers.map((u) => u.email) } }, select: { email: true, role: true } });
  const lines: string[] = [];
  for (const u of seedUsers) {
    if (!users.some((x) => x.email === u.email)) continue;
    // the password the seed set, unless the account's password was changed since (the hash cannot tell us)
    const password = env[u.passwordEnv] ? `$${u.passwordEnv}` : u.defaultPassword;
    lines.push(`demo ${u.role === "ADMIN" ? "admin  " : "shopper"}: ${u.email} / ${password}`);
  }
  const discounts = await db.discount.findMany({
    where: {
      isActive: true,
      // automatic discounts have no code to type
      automatic: false,
      AND: [{ OR: [{ validFrom: null }, { validFrom: { lte: now } }] }, { OR: [{ validUntil: null }, { validUntil: { gt: now } }] }],
    },
    orderBy: { code: "asc" },
    take: 20,
  });
  const usable = discounts.filter((d) => d.maxUses === null || d.usesCount < d.maxUses);
  if (usable.length) lines.push(`discount codes to try: ${usable.map((d) => `${d.code} (${describeDiscount(d)})`).join(", ")}`);
  return lines;
}
