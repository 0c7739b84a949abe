// Work items parked in the listing spool until their read window (engine/parked-work.ts): what
// comes back is what was planned, listing included; items with decoded v2 documents stay out.
import { describe, it, expect } from '@jest/globals'
import { defaultSettings } from '../src/engine/run.js'
import { pinV1 } from '../src/engine/v1source.js'
import { PhaseTimer } from '../src/engine/timer.js'
import { V2Target } from '../src/engine/targets/v2/index.js'
import { silentLogger } from '../src/engine/types.js'
import { ParkedWork, encodeWork } from '../src/engine/parked-work.js'
import type { ListingSpool } from '../src/engine/listing-spool.js'
import { listingOf, NO_SLOTS, type CheckpointWork } from '../src/engine/plan.js'
import { buildV1Repo } from './helpers/v1repo.js'
import { v1Fixture } from './helpers/v1fixture.js'

const NOW = new Date('2026-05-01T12:00:00Z')

async function planned(): Promise<{
  work: CheckpointWork[]
  spool: ListingSpool
  close: () => void
}> {
  const { dir, git } = await buildV1Repo(undefined, v1Fixture())
  const settings = defaultSettings(dir, { now: NOW, cliVersion: '0.6.2', redact: true })
  const ctx = { git, settings, logger: silentLogger, timer: new PhaseTimer(silentLogger) }
  const plan = await new V2Target().plan(ctx, await pinV1(git, {}))
  const spool = plan.internal.spool!
  return { work: plan.internal.work, spool, close: () => spool.close() }
}

/** A work item as plain data, its listing opened. */
function plain(w: CheckpointWork): unknown {
  return { ...w, cp: { ...w.cp, listing: w.cp.listing === null ? null : listingOf(w.cp) } }
}

describe('ParkedWork', () => {
  it('gives back each planned item as planned, in any order; peek leaves it parked', async () => {
    const { work, spool, close } = await planned()
    try {
      expect(work.length).toBeGreaterThan(3)
      const parked = new ParkedWork(spool, work.length)
      for (let i = 0; i < work.length; i++) expect(parked.park(i, work[i])).toBe(true)
      expect(parked.parked).toBe(work.length)
      const last = work.length - 1
      expect(plain(parked.peek(last))).toEqual(plain(work[last]))
      expect(parked.has(last)).toBe(true)
      for (const i of [...work.keys()].reverse()) {
        const back = parked.take(i)
        expect(plain(back)).toEqual(plain(work[i]))
        // empty slot lists come back as the one shared list
        if (back.repack.length === 0) expect(back.repack).toBe(NO_SLOTS)
        expect(parked.has(i)).toBe(false)
      }
      expect(parked.parked).toBe(0)
      expect(() => parked.peek(0)).toThrow(/work item 0 is not parked/)
    } finally {
      close()
    }
  })

  it('does not park an item carrying decoded v2 documents (repair) or an in-memory listing', async () => {
    const { work, close } = await planned()
    try {
      const w = work[0]
      expect(encodeWork(w)).not.toBeNull()
      expect(encodeWork({ ...w, action: 'repair', v2Slots: new Map() })).toBeNull()
      expect(encodeWork({ ...w, v2Summary: {} as never })).toBeNull()
      expect(encodeWork({ ...w, cp: { ...w.cp, listing: listingOf(w.cp) } })).toBeNull()
      expect(encodeWork({ ...w, cp: { ...w.cp, listing: null } })).not.toBeNull()
    } finally {
      close()
    }
  })
})
