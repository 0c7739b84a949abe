// Action entry. The bundle doubles as the compaction pool's worker script (worker-pool.ts), so
// when started as a pool worker it serves jobs instead of running the action.
import { serveCompactJobsIfWorker } from './engine/compactor.js'
import { serveObjectReaderIfWorker } from './git/object-thread.js'
import { run } from './main.js'

if (!serveCompactJobsIfWorker() && !serveObjectReaderIfWorker()) await run()
