import { describe, expect, it } from '@jest/globals'
import { OutcomeLog } from '../src/engine/outcome-log.js'
import { CHUNK_BYTES, JsonLines } from '../src/engine/json-lines.js'
import { collectGarbage } from '../src/engine/heap.js'
import type { CheckpointOutcome } from '../src/engine/types.js'

const id = (n: number): string => n.toString(16).padStart(12, '0')

describe('OutcomeLog', () => {
  it('gives back every outcome in the order added, equal to what was added', () => {
    const log = new OutcomeLog()
    const added: CheckpointOutcome[] = [
      { id: id(1), status: 'skipped', reason: 'already-in-v2', message: 'complete in v2' },
      {
        id: id(2),
        status: 'failed',
        reason: 'bad-summary',
        message: 'checkpoint 000000000002: 00/0000000002/metadata.json cannot be decoded',
        file: '00/0000000002/metadata.json'
      },
      {
        id: id(3),
        status: 'migrated',
        fullRef: 'refs/entire/checkpoints/v2/full/current',
        sessions: [
          {
            v1Index: 0,
            v2Slot: 0,
            sessionId: 'd1f0c6a2-0000-4000-8000-000000000000',
            agent: 'Claude Code',
            status: 'migrated',
            rawBlobs: ['a'.repeat(40), 'b'.repeat(40)],
            rawBytes: 123,
            contentHashMatchesV1: true,
            compact: 'written',
            offset: 7,
            offsetSource: 'recompute',
            droppedFields: ['transcript_path']
          }
        ]
      }
    ]
    for (const o of added) log.add(o)
    expect(log.length).toBe(3)
    expect(log.toArray()).toEqual(added)
  })

  it('keeps run order when an open outcome is closed after later ones were added', () => {
    const log = new OutcomeLog()
    log.add({ id: id(1), status: 'migrated' }, { open: true })
    log.add({ id: id(2), status: 'skipped', reason: 'already-in-v2' })
    log.add({ id: id(3), status: 'migrated' }, { open: true })
    // Not closed yet: given back as they are, still in order.
    expect(log.toArray().map((o) => [o.id, o.fullRef])).toEqual([
      [id(1), undefined],
      [id(2), undefined],
      [id(3), undefined]
    ])
    log.close(id(3), 'refs/entire/checkpoints/v2/full/0000000000001')
    log.close(id(1), 'refs/entire/checkpoints/v2/full/0000000000001')
    log.close(id(9), 'refs/entire/checkpoints/v2/full/current') // not open: ignored
    log.close(id(1), 'refs/entire/checkpoints/v2/full/current') // already closed: ignored
    expect(log.toArray().map((o) => [o.id, o.fullRef])).toEqual([
      [id(1), 'refs/entire/checkpoints/v2/full/0000000000001'],
      [id(2), undefined],
      [id(3), 'refs/entire/checkpoints/v2/full/0000000000001']
    ])
  })

  it('round-trips messages with newlines, control characters and non-ASCII text', () => {
    const log = new OutcomeLog()
    const message = 'line one\nline two\r\n\ttabbed \u0000 nul, é, 漢字, 🙂, \u2028 separator'
    log.add({ id: id(1), status: 'failed', reason: 'bad-summary', message })
    log.add({ id: id(2), status: 'skipped', reason: 'already-in-v2' })
    const back = log.toArray()
    expect(back[0].message).toBe(message)
    expect(back[1].id).toBe(id(2))
  })

  it('holds thousands of outcomes, and outcomes larger than a chunk, across its buffers', () => {
    const log = new OutcomeLog()
    const big = 'x'.repeat(CHUNK_BYTES + 64 * 1024)
    const n = 40_000
    let bytes = 0
    for (let i = 0; i < n; i++) {
      const o: CheckpointOutcome =
        i === n / 2
          ? { id: id(i), status: 'failed', reason: 'bad-summary', message: big }
          : { id: id(i), status: 'skipped', reason: 'already-in-v2', message: `cp ${i}` }
      bytes += JSON.stringify(o).length + 1
      log.add(o)
    }
    // the small outcomes alone fill more than two chunks
    expect(bytes - big.length).toBeGreaterThan(2 * CHUNK_BYTES)
    const back = log.toArray()
    expect(back).toHaveLength(n)
    expect(back.map((o) => o.id)).toEqual(Array.from({ length: n }, (_, i) => id(i)))
    expect(back[n / 2].message).toBe(big)
    expect(back[n - 1].message).toBe(`cp ${n - 1}`)
  })

  it('does not keep a closed outcome as an object (its memory is the serialised line)', async () => {
    // A WeakRef read in a job keeps its target alive until the job ends: collect after a turn.
    const collectAfterTurn = async (): Promise<void> => {
      await new Promise((resolve) => setImmediate(resolve))
      collectGarbage()
    }
    const log = new OutcomeLog()
    // Added from a function so that no local reference outlives the call.
    const addTwo = (): [WeakRef<CheckpointOutcome>, WeakRef<CheckpointOutcome>] => {
      const open: CheckpointOutcome = { id: id(1), status: 'migrated', sessions: [] }
      const closed: CheckpointOutcome = { id: id(2), status: 'skipped' }
      log.add(open, { open: true })
      log.add(closed)
      return [new WeakRef(open), new WeakRef(closed)]
    }
    const [openRef, closedRef] = addTwo()
    await collectAfterTurn()
    // The open one is still an object (it is completed later); the one after it waits in line.
    expect(openRef.deref()?.id).toBe(id(1))
    expect(closedRef.deref()?.id).toBe(id(2))
    log.close(id(1), 'refs/entire/checkpoints/v2/full/current')
    await collectAfterTurn()
    expect(openRef.deref()).toBeUndefined()
    expect(closedRef.deref()).toBeUndefined()
    expect(log.toArray().map((o) => o.id)).toEqual([id(1), id(2)])
  })
})

describe('JsonLines', () => {
  it('keeps a record as it was when pushed, and gives records back in order', () => {
    const lines = new JsonLines<{ id: number; tags: string[]; note?: string }>()
    const r = { id: 1, tags: ['a'], note: undefined }
    lines.push(r)
    r.tags.push('b')
    lines.push({ id: 2, tags: [] })
    expect(lines.length).toBe(2)
    // Serialised at push: the later change is not kept; an undefined property is absent.
    expect(lines.toArray()).toStrictEqual([
      { id: 1, tags: ['a'] },
      { id: 2, tags: [] }
    ])
    expect(new JsonLines<number>().toArray()).toEqual([])
  })
})
