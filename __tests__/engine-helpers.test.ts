import { describe, it, expect } from '@jest/globals'
import { mapConcurrently } from '../src/engine/concurrency.js'
import {
  buildV1Repo,
  claudeTranscript,
  listFiles,
  readFileAt,
  sessionMeta,
  V1_REF
} from './helpers/v1repo.js'

describe('buildV1Repo', () => {
  it('lays out checkpoints, sessions, chunks, missing directories and tasks as v1 does', async () => {
    const id = 'a1b2c3d4e5f6'
    const repo = await buildV1Repo(undefined, [
      {
        id,
        sessions: [
          {
            transcript: claudeTranscript(1),
            prompt: 'hi',
            metadata: sessionMeta(id, { is_task: true })
          },
          null,
          { transcript: [Buffer.from('{"a":1}'), Buffer.from('{"b":2}')] }
        ],
        files: { 'tasks/toolu_1/checkpoint.json': '{}' }
      }
    ])
    const files = await listFiles(repo.git, V1_REF)
    expect(files).toEqual([
      'a1/b2c3d4e5f6/0/full.jsonl',
      'a1/b2c3d4e5f6/0/metadata.json',
      'a1/b2c3d4e5f6/0/prompt.txt',
      'a1/b2c3d4e5f6/2/full.jsonl',
      'a1/b2c3d4e5f6/2/full.jsonl.001',
      'a1/b2c3d4e5f6/2/metadata.json',
      'a1/b2c3d4e5f6/metadata.json',
      'a1/b2c3d4e5f6/tasks/toolu_1/checkpoint.json'
    ])
    const summary = JSON.parse((await readFileAt(repo.git, V1_REF, 'a1/b2c3d4e5f6/metadata.json'))!)
    expect(summary.sessions).toHaveLength(3)
    expect(summary.sessions[1].metadata).toBe('/a1/b2c3d4e5f6/1/metadata.json')
  })
})

describe('mapConcurrently', () => {
  it('keeps item order and never has more than the limit in flight', async () => {
    let inFlight = 0
    let most = 0
    const out = await mapConcurrently([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
      inFlight++
      most = Math.max(most, inFlight)
      await new Promise((r) => setTimeout(r, n))
      inFlight--
      return n * 10
    })
    expect(out).toEqual([50, 10, 40, 20, 30, 0, 60])
    expect(most).toBe(3)
    expect(await mapConcurrently([], 4, async () => 1)).toEqual([])
  })
})
