// Action entry. The bundle doubles as the compaction pool's worker script (worker-pool.ts), so
// when started as a pool worker it serves jobs instead of running the action. The action's runs
// read whole corpora: it runs again in a process with the allocator tuning (launch/tuning.ts)
// unless this one has it (or cannot get it).
import { serveCompactJobsIfWorker } from './engine/compactor.js'
import { runnableScript } from './engine/worker-pool.js'
import { serveObjectReaderIfWorker } from './git/object-thread.js'
import { runTuned } from './launch/respawn.js'
import { run } from './main.js'

if (!serveCompactJobsIfWorker() && !serveObjectReaderIfWorker()) {
  if ((await runTuned(runnableScript(import.meta.url))) === null) await run()
}
