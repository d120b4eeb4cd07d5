import { z } from "zod";

// The two primitives every response that carries money is built from (the OpenAPI document names them once, as
// #/components/schemas/MoneyAmount and Currency, and every amount refers to them).

/** An amount in minor units of the currency next to it. Never a float. */
export const moneyAmountSchema = z
  .number()
  .int()
  .meta({ id: "MoneyAmount", description: "An amount in minor units of the currency next to it (cents for USD/EUR, whole yen for JPY). Never a float." });

/** An ISO 4217 code as the API answers it (upper case). */
export const currencyCodeSchema = z.string().regex(/^[A-Z]{3}$/).meta({ id: "Currency", description: "ISO 4217 code", examples: ["USD"] });

/** A timestamp as every answer writes it (Date#toISOString). */
export const isoDateTimeSchema = z.iso.datetime();
