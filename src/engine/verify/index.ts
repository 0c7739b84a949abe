// Data-equivalence verification of a v1 → v2 migration (issue 7; migration.md §13, §16 item 4).
//
// API
//   verifyRepository(git, { v1Ref?, v2Prefix?, cliVersion?, rederiveCompact?, against?,
//                           batchSize?, batchBytes?, compactWorkers?, workerScript?,
//                           readerScript?, onProgress? }) → VerifyReport
//     Re-reads the v1 tip tree, /main and every /full ref from git (ls-tree -r per ref, one
//     cat-file --batch for the small blobs, then one cat-file process for the batches of
//     checkpoints, read two batches ahead, on a reader thread given `readerScript`, which also
//     hashes the transcripts) and checks, per checkpoint in the migration's processing order
//     (one CompactHistory per run: a session's later transcript re-parses only its new lines):
//     coverage, slots,
//     raw.location / raw.bytes / raw.hash, tasks, metadata.copied / derived / paths / cli-version,
//     prompt, compact.present / hash / rederive / offset (offset cache replicated, recomputation
//     as fallback), encoding; per /full ref: generation.names / layout / envelope; with
//     `against`: compare. `report.ok` ⇔ no check failed.
//   runVerifyCommand(argv, io) → exit code (0 ok, 1 a check failed, 2 fatal): the CLI verb.
//   engineVerifier(git, settings) → VerifySummary: the hook of runMigration (src/engine/run.ts).
//   renderVerifyMarkdown(report, { maxBytes }) lives in src/report/verify-markdown.ts.
export { verifyRepository, type VerifyInternals } from './verify.js'
export { runVerifyCommand, renderVerifyText, VERIFY_USAGE, type CommandIo } from './cli-command.js'
export type * from './types.js'
export { writerProfile, type WriterProfile } from './writers.js'
export { engineVerifier } from './engine-hook.js'
