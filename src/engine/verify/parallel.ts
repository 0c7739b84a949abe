// Compaction for the verifier on worker threads: the engine's compaction jobs (src/engine/
// compactor.ts, the same converter) fed with the bytes the verifier re-read from git. Jobs run
// in order with at most one per worker in flight, so a free worker takes the next job whatever
// the transcript sizes; results are primed into the verifier's CompactCache before the batch is
// checked, so the checks themselves stay synchronous and in the reference's processing order.
import { createCompactor, type CompactJob, type CompactJobResult } from '../compactor.js'
import { compactResult, type CompactOptions, type CompactResult } from './compactor.js'
import type { CompactionJob } from './checkpoint.js'

export interface PrimedResult {
  key: string
  opts: CompactOptions
  res: CompactResult
}

export interface CompactRunner {
  readonly workers: number
  /** Run every job (duplicates once); a job that fails on its worker is left out. */
  runAll(jobs: CompactionJob[]): Promise<PrimedResult[]>
  close(): Promise<void>
}

/** A runner on `workers` threads of `workerScript` (a bundle serving compaction jobs); undefined when none can run. */
export function createCompactRunner(opts: {
  workers: number
  workerScript?: string
}): CompactRunner | undefined {
  if (opts.workers <= 0 || !opts.workerScript) return undefined
  const compactor = createCompactor({ workers: opts.workers, workerScript: opts.workerScript })
  if (compactor.workers === 0) return undefined
  const queue: Array<() => void> = []
  let inFlight = 0
  const limit = compactor.workers
  const release = () => {
    inFlight--
    queue.shift()?.()
  }
  const submit = (job: CompactJob): Promise<CompactJobResult> =>
    new Promise<void>((go) => {
      if (inFlight < limit) go()
      else queue.push(go)
    }).then(() => {
      inFlight++
      return compactor.run(job).finally(release)
    })
  return {
    workers: compactor.workers,
    async runAll(jobs) {
      const seen = new Set<string>()
      const pending: Array<Promise<PrimedResult | undefined>> = []
      for (const j of jobs) {
        const id = `${j.key}\0${j.opts.agent}\0${j.opts.cliVersion}\0${j.offsetStart}`
        if (seen.has(id)) continue
        seen.add(id)
        pending.push(
          submit({
            pieces: j.pieces,
            agent: j.opts.agent,
            cliVersion: j.opts.cliVersion,
            offsetStart: j.offsetStart,
            historyKey: j.historyKey
          }).then(
            (r) => ({ key: j.key, opts: j.opts, res: fromJob(r, j.offsetStart) }),
            () => undefined
          )
        )
      }
      return (await Promise.all(pending)).filter((r): r is PrimedResult => r !== undefined)
    },
    close: () => compactor.close()
  }
}

function fromJob(r: CompactJobResult, offsetStart: number): CompactResult {
  if (r.kind === 'error') return compactResult(undefined, r.message ?? 'compaction error')
  if (r.kind !== 'output' || !r.bytes) return compactResult(undefined)
  const bytes = Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength)
  return compactResult(
    bytes,
    undefined,
    offsetStart > 0 ? new Map([[offsetStart, r.offset ?? 0]]) : undefined
  )
}
