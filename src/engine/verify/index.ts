// Data-equivalence verification of a v1 → v2 migration (issue 7).
export { verifyRepository, type VerifyInternals } from './verify.js'
export { runVerifyCommand, renderVerifyText, VERIFY_USAGE, type CommandIo } from './cli-command.js'
export type * from './types.js'
export { writerProfile, type WriterProfile } from './writers.js'
export { engineVerifier } from './engine-hook.js'
