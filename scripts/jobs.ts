// `npm run jobs`: runs every scheduled job once, now, in this process (no period claim: each job is safe to run
// beside the in-process scheduler and beside other copies of itself). For cron-driven deployments with JOBS=off.
import { renderMail } from "../emails/render";
import { disconnectPrisma } from "../lib/db";
import { scheduledJobs } from "../lib/jobs";
import { closeKv } from "../lib/kv";
import { mailTransport } from "../lib/mail";
import { ensureSecrets } from "./runtime-setup";

// the links in mails are signed with the store's secret: the same one `npm start` uses (the environment wins)
ensureSecrets();

let failed = false;
for (const job of scheduledJobs(renderMail)) {
  try {
    const processed = await job.run(new Date());
    console.log(JSON.stringify({ msg: "job ran", job: job.name, processed }));
  } catch (e) {
    failed = true;
    console.error(JSON.stringify({ msg: "job failed", job: job.name, err: e instanceof Error ? e.message : String(e) }));
  }
}
await mailTransport().close();
await closeKv();
await disconnectPrisma();
process.exit(failed ? 1 : 0);
