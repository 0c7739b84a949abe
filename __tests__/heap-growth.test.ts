// capHeapGrowth (src/engine/heap.ts) fixes how far V8's old generation grows past what a full
// collection kept, for the whole process, until restored. Seen from a fresh isolate (a worker
// thread) that keeps ~10 MB alive while promoting garbage: its heap stays far smaller capped.
import { describe, it, expect } from '@jest/globals'
import { Worker } from 'node:worker_threads'
import { capHeapGrowth } from '../src/engine/heap.js'

// Objects that live through a few young collections reach the old generation, as a migration's
// parsed transcript lines do; one in 300 stays, the rest is garbage there.
const CHURN = `
const { parentPort } = require('node:worker_threads')
const live = []
for (let i = 0; i < 1000; i++) live.push(new Array(1000).fill(i).map((x) => ({ x })))
let max = 0
for (let round = 0; round < 30; round++) {
  const batch = []
  for (let i = 0; i < 300; i++) batch.push(new Array(1000).fill(round).map((x) => ({ x, i })))
  live[round] = batch[0]
  max = Math.max(max, process.memoryUsage().heapTotal)
}
parentPort.postMessage(max)
`

function churnPeak(): Promise<number> {
  return new Promise((resolve, reject) => {
    const w = new Worker(CHURN, { eval: true })
    w.once('message', (m: number) => resolve(m))
    w.once('error', reject)
  })
}

/** The churn's heap peak with the growth capped at `percent` (restored afterwards). */
async function peakAt(percent: number): Promise<number> {
  const restore = capHeapGrowth(percent)
  try {
    return await churnPeak()
  } finally {
    restore()
  }
}

describe('capHeapGrowth', () => {
  it("fixes how far a churning isolate's heap grows, until restored", async () => {
    // Against a fixed high factor rather than V8's own, which depends on the machine's memory.
    const capped = await peakAt(50)
    const high = await peakAt(300)
    expect(capped).toBeLessThan(high * 0.75)
  }, 30_000)
})
