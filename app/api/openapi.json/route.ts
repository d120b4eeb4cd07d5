import { env } from "@/lib/env";
import { handle, json } from "@/lib/http/handler";
import { buildOpenApiDocument } from "@/lib/http/openapi";

// Built per request (it is cheap) so the documented quantity limit is the running configuration's.
export const dynamic = "force-dynamic";

/** GET -> the OpenAPI 3.1 document of the HTTP API. */
export const GET = handle(async () => json(buildOpenApiDocument({ maxLineQuantity: env().CART_MAX_LINE_QUANTITY })));
