// Action entry. The bundle doubles as the compaction pool's worker script (worker-pool.ts), so
// when started as a pool worker it serves jobs instead of running the action. The action's runs
// read whole corpora: it runs again in a process with the allocator tuning (launch/tuning.ts)
// unless this one has it (or cannot get it).
import { serveCompactJobsIfWorker } from './engine/compactor.js'
import { runnableScript } from './engine/worker-pool.js'
import { serveObjectReaderIfWorker } from './git/object-thread.js'
import { endLike, runAgain } from './launch/respawn.js'
import { tunedEnvironment } from './launch/tuning.js'
import { run } from './main.js'

if (!serveCompactJobsIfWorker() && !serveObjectReaderIfWorker()) {
  const script = runnableScript(import.meta.url)
  const env = tunedEnvironment(process.env, process.platform)
  if (script !== undefined && env !== null) endLike(await runAgain(script, env))
  else await run()
}
