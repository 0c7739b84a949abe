// The git layer: the only code that starts git (through GitRunner.run over @actions/exec).
//
// Reading (objects.ts, tree.ts) - one process per call, whatever the number of objects:
//   readObjects(git, names, onObject)      cat-file --batch; onObject per name, request order,
//                                          {missing:false, oid, type, size, content} or
//                                          {missing:true, oid, reason}; memory ~ largest object
//   readObjectsAll(git, names)             the same collected into an array
//   streamObjects(git, names, sink)        content as chunks (start/chunk/end/missing)
//   checkObjects / resolveMany             cat-file --batch-check: type+size / resolve expressions
//   new ObjectReader(git) .read(names, onObject) .close()   many reads through ONE long-lived
//                                          cat-file --batch-command process
//   createObjectReader(git, bundleScript)  the same on a thread of its own (object-thread.ts):
//                                          git is drained while the caller computes; content
//                                          moved over, optionally hashed (sha256From) there
//   lsTree / lsTreeLong(git, treeish, {recursive, trees, paths})   ls-tree -z [-l]
//   parseTree(rawTreeContent, format)      entries of a tree object read with readObjects
// Writing (writer.ts):
//   new FastImportBatch(format) .blob() .commit() .run(git)  one fast-import per batch; commits
//                                          on scratch refs deleted in-stream; returns ids+trees
//   FastImportBatch.streaming(git, format) the same, written to git as it is built (.flush())
//   writeTrees(git, trees)                 mktree --batch
// Refs (refs.ts): updateRefs(git, ops) atomic CAS transaction (RefConflictError names refs),
//   updateRef / deleteRef, forEachRef, refMap, resolveRef.
// Repository (repo.ts, format.ts): checkGitVersion, objectFormat, zeroOid, configGet,
//   gitUserIdentity, gitDir, gitCommonDir, gitPath, isShallow, shallowCommits, initRepo.
// Remote (remote.ts): authConfigPairs, authHeaderValue, basicCredential, fetch, lsRemote,
//   push (atomic, one lease per ref, per-ref porcelain results), RemoteError, PushRejectedError.
export * from './runner.js'
export * from './format.js'
export * from './objects.js'
export * from './object-thread.js'
export * from './tree.js'
export * from './refs.js'
export * from './repo.js'
export * from './writer.js'
export * from './remote.js'
