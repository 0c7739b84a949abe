// Shared set-up of the measuring scripts: find the real v1 corpus bundle (or exit 0 when it is
// absent), and compile one TypeScript entry of src/ with the project's tsc so Node can import it.
import { execFileSync } from 'node:child_process'
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const V1 = 'refs/heads/entire/checkpoints/v1'

/** The corpus bundle (ENTIRE_CORPUS or ../shared/corpus); exits the script when there is none. */
export function corpusBundleOrExit() {
  const bundle =
    process.env.ENTIRE_CORPUS ?? resolve(root, '..', 'shared', 'corpus', 'entireio-cli-v1.bundle')
  if (!existsSync(bundle)) {
    console.log(`corpus bundle not found (${bundle}); nothing measured`)
    process.exit(0)
  }
  return bundle
}

/** Compile `src/<entry>` into node_modules/.cache/<cacheName> (so packages resolve) and import it. */
export async function importCompiled(entry, cacheName) {
  const out = join(root, 'node_modules', '.cache', cacheName)
  rmSync(out, { recursive: true, force: true })
  execFileSync(
    join(root, 'node_modules', '.bin', 'tsc'),
    [
      ...['--outDir', out, '--module', 'NodeNext', '--moduleResolution', 'NodeNext'],
      ...['--target', 'ES2022', '--types', 'node', '--skipLibCheck', '--strict'],
      join(root, 'src', entry)
    ],
    { stdio: 'inherit', cwd: root }
  )
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n')
  const rel = entry.replace(/\.ts$/, '.js')
  // tsc roots the output at the common directory of its inputs: the entry's own folder
  const file = existsSync(join(out, rel)) ? join(out, rel) : join(out, rel.split('/').pop())
  return import(pathToFileURL(file).href)
}
