// Loaded into the app under test with NODE_OPTIONS="--import <this file>" by tests/bench/cpu-profile.ts (Node does
// not allow --cpu-prof in NODE_OPTIONS). Each SIGUSR2 toggles V8's sampling profiler: the first starts it, the
// next stops it and writes the profile to $CW_CPU_PROFILE_DIR/cpu-<pid>-<n>.cpuprofile, and so on.
import { renameSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import path from "node:path";

const dir = process.env.CW_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: Number(process.env.CW_CPU_PROFILE_INTERVAL_US ?? 500) });
  let running = false;
  let n = 0;
  process.on("SIGUSR2", () => {
    if (!running) {
      running = true;
      session.post("Profiler.start");
      return;
    }
    running = false;
    const file = path.join(dir, `cpu-${process.pid}-${n++}.cpuprofile`);
    session.post("Profiler.stop", (err, result) => {
      if (err || !result?.profile) return;
      writeFileSync(`${file}.tmp`, JSON.stringify(result.profile));
      renameSync(`${file}.tmp`, file); // appears complete or not at all
    });
  });
}
