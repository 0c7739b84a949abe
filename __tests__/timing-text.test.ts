// The phase-timing table both CLIs print: exact text, with and without a bytes column.
import { describe, expect, it } from '@jest/globals'
import { formatBytes, formatMs, renderTimings } from '../src/engine/timing-text.js'

describe('renderTimings', () => {
  it('v2 phases with counters: names left, figures right, a bytes column, the total last', () => {
    const text = renderTimings(
      {
        list: { ms: 221.4 },
        readV1: { ms: 5112, objects: 2584, bytes: 675_500_000 },
        writeMain: { ms: 12_345, objects: 6, bytes: 3000 },
        verify: { ms: 4028 }
      },
      10_800
    )
    expect(text).toBe(
      [
        'phase         wall  objects      bytes',
        'list        221 ms',
        'readV1     5112 ms     2584  644.2 MiB',
        'writeMain   12.3 s        6    2.9 KiB',
        'verify     4028 ms',
        'total       10.8 s'
      ].join('\n') + '\n'
    )
  })

  it('without byte counters there is no bytes column (the per-checkpoint refs target)', () => {
    expect(renderTimings({ plan: { ms: 3 }, writeMain: { ms: 40, objects: 7 } }, 50)).toBe(
      [
        'phase       wall  objects',
        'plan        3 ms',
        'writeMain  40 ms        7',
        'total      50 ms'
      ].join('\n') + '\n'
    )
  })

  it('formats milliseconds and bytes as the tables do', () => {
    expect([formatMs(9999.4), formatMs(10_000), formatMs(61_250)]).toEqual([
      '9999 ms',
      '10.0 s',
      '61.3 s'
    ])
    expect([
      formatBytes(0),
      formatBytes(1023),
      formatBytes(1536),
      formatBytes(5 * 1048576)
    ]).toEqual(['0 B', '1023 B', '1.5 KiB', '5.0 MiB'])
  })
})
