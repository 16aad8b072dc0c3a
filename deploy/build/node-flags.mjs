// Node flags of the apps, by app name: deploy/build/run.mjs starts them with these (npm start), and the
// benchmarks of deploy/bench/ start the gateway and their controls with the same ones, so that they
// measure the apps as they run.
//
// The gateway allocates a few short-lived objects per SDK event, and ingestion a parsed envelope and a
// row per event held until its insert; a larger young generation lets them die in fewer scavenges (GC
// was a tenth of the gateway's CPU at saturation, a quarter of ingestion's).
export const NODE_FLAGS = {
  gateway: ['--max-semi-space-size=64'],
  ingestion: ['--max-semi-space-size=64'],
};

/** The flags of one app (none for most). */
export function nodeFlagsOf(app) {
  return NODE_FLAGS[app] ?? [];
}
