// Next calls register() once when a server starts (not during `next build`): the environment is validated here,
// so a production server with a missing or example NEXTAUTH_SECRET, or without Stripe keys and without
// PAYMENT_PROVIDER=test, refuses to start with one message naming the variables (lib/startup.ts).
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { assertEnvironmentOrExit } = await import("./lib/startup");
  assertEnvironmentOrExit();
}
