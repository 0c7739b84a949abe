// The per-checkpoint refs target format (git-refs-format.md): pure, no I/O.
export * from './ids.js'
export * from './metadata.js'
export * from './objects.js'
export * from './commit.js'
export * from './plan.js'
export * from './push.js'
export * from './settings.js'
export * from './pack.js'
