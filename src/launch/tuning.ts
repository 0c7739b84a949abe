// The allocator settings a long run wants. glibc serves an allocation of at least its mmap
// threshold with a mapping of its own, returned to the system when freed; below it, from arenas
// that keep freed memory for reuse. The threshold starts at 128 KiB but rises to the size of
// every such mapping freed (up to 32 MiB), so after the first large transcript every buffer a
// migration holds (blobs of 0.1 to 30 MB, compaction output) came from the arenas, and the holes
// their varied sizes and lifetimes left grew with the corpus: resident size climbed from ~390 to
// ~450 MB through 10,000 synthetic checkpoints while the memory in use stayed flat. A fixed
// threshold keeps large buffers out of the arenas (the climb is gone); transparent huge pages for
// those mappings make mapping them anew cheap (2 MiB pages to fault in, not 4 KiB ones).
// glibc reads these only when a process starts, and V8 its heap sizes: see respawn.ts. Pure.

type Env = Readonly<Record<string, string | undefined>>

/** The environment variable that sets when to tune: `auto` (or unset), `on`, `off`. */
export const TUNING_SWITCH = 'ENTIRE_MIGRATE_MALLOC_TUNING'

/**
 * `auto` tunes runs on repositories whose object store holds at least this much. The tuning
 * costs time where memory does not climb: the real corpus (120 MB of packs, 725 MB of blobs)
 * migrated 11% slower tuned (9.19 s against 8.09, peak 264 MB against 338), while a synthetic
 * one of 2 GB (2,500 checkpoints) ran at about the same speed.
 */
export const TUNE_FROM_STORE_BYTES = 1024 * 1024 * 1024

/** TUNING_SWITCH as set: `auto` (also when unset or empty), `on`, `off`; null for anything else. */
export function tuningMode(env: Env): 'auto' | 'on' | 'off' | null {
  const mode = env[TUNING_SWITCH] ?? ''
  if (mode === '' || mode === 'auto') return 'auto'
  return mode === 'on' || mode === 'off' ? mode : null
}

/** Whether a run that reads the whole corpus is tuned, for an object store of `storeBytes`. */
export function wantsTuning(env: Env, storeBytes: number): boolean {
  const mode = tuningMode(env)
  return mode === 'on' || (mode === 'auto' && storeBytes >= TUNE_FROM_STORE_BYTES)
}

/** A TUNING_SWITCH value that is not one of the three (an error, named). */
export function badTuningSwitch(env: Env): string | null {
  if (tuningMode(env) !== null) return null
  return `${TUNING_SWITCH}: expected auto, on or off, got ${JSON.stringify(env[TUNING_SWITCH])}`
}

/** Allocations of at least this many bytes get a mapping of their own. */
export const MMAP_THRESHOLD_BYTES = 1024 * 1024

/** The tunables (glibc ≥ 2.26 reads GLIBC_TUNABLES; hugetlb needs ≥ 2.35, older ones ignore it). */
export const MALLOC_TUNABLES: ReadonlyArray<readonly [string, string]> = [
  ['glibc.malloc.mmap_threshold', String(MMAP_THRESHOLD_BYTES)],
  ['glibc.malloc.hugetlb', '1']
]

/**
 * V8's young generation for the tuned process, capped: it grew toward its 16 MiB semi-spaces
 * over a long run (more resident memory the more checkpoints a run had processed: a 10,000
 * checkpoint migration peaked 24 MB higher without the cap, a 2,500 one 0–20 MB), for garbage
 * that dies young either way.
 */
export const SEMI_SPACE_MB = 4

/** Node options for the tuned process: `execArgv` plus the semi-space cap, unless one is given. */
export function tunedNodeArgs(execArgv: readonly string[], nodeOptions = ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].some((a) =>
    /^--max-semi-space-size(=|$)/.test(a)
  )
  return given ? [...execArgv] : [...execArgv, `--max-semi-space-size=${SEMI_SPACE_MB}`]
}

/**
 * The environment a tuned process gets: `env` with the tunables it lacks added to
 * GLIBC_TUNABLES; null when there is nothing to add (not Linux, switched off with
 * `ENTIRE_MIGRATE_MALLOC_TUNING=off`, or every tunable already set). A tunable the caller set
 * is left as set (theirs wins), and so is a threshold set the older way (MALLOC_MMAP_THRESHOLD_).
 */
export function tunedEnvironment(
  env: Env,
  platform: string
): Record<string, string | undefined> | null {
  if (platform !== 'linux' || tuningMode(env) === 'off') return null
  const given = (env.GLIBC_TUNABLES ?? '').split(':').filter((t) => t !== '')
  const names = new Set(given.map((t) => t.split('=')[0]))
  if (env.MALLOC_MMAP_THRESHOLD_ !== undefined) names.add('glibc.malloc.mmap_threshold')
  const added = MALLOC_TUNABLES.filter(([name]) => !names.has(name)).map(([n, v]) => `${n}=${v}`)
  if (added.length === 0) return null
  return { ...env, GLIBC_TUNABLES: [...given, ...added].join(':') }
}
