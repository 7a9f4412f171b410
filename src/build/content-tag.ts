/**
 * The content tag: a digest of everything that decides the image, so that the same sources give the same
 * tag on any machine, and `draft up` can skip a build and a push the registry already has.
 *
 * In the digest: each context entry after .dockerignore (path; for files whether they are executable and
 * the sha256 of their content; for symlinks the target; folders by path), the Dockerfile's content, the
 * ignore file's content, the build args (sorted) and the target. Not in it: mtimes, owners, full modes,
 * inode numbers, the order readdir returns, where the folder is. Only the exec bit of the mode counts,
 * because git and umasks disagree on the rest between machines while the exec bit is what a build uses.
 */

import {createHash, randomBytes} from 'node:crypto'
import {createReadStream, readFileSync} from 'node:fs'
import {mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {DraftError} from '../core/errors.js'
import {type ContextEntry, type ContextListing, type ListOptions, compare, listContext, timeSlicer} from './context.js'
import {type IgnorePattern, clean, prunable} from './dockerignore.js'

export interface ContentTagOptions extends ListOptions {
  buildArgs?: Readonly<Record<string, string>>
  target?: string
  /** The stat cache file (draft keeps it in `.draft/cache/`). Without it every file is read. */
  cacheFile?: string
  /** Reads one file and returns its sha256 in hex. Replaceable so that tests can count reads. */
  hashFile?: (absolutePath: string, size: number) => Promise<string>
  /** A listing of this context made just before, to save a second walk. */
  listing?: ContextListing
}

export interface TaggedEntry {
  path: string
  type: ContextEntry['type']
  size: number
  executable: boolean
  sha256?: string
  linkTarget?: string
}

export interface ContentTag {
  /** `draft-` and 16 hex digits: a valid Docker tag. */
  tag: string
  /** The full sha256 the tag is cut from. */
  digest: string
  /** The context entries the digest covers (what COPY can see), sorted by path. */
  entries: TaggedEntry[]
  /** Files and symlinks among them, and the bytes of the files: "context: 1,234 files, 5.6 MB". */
  fileCount: number
  totalBytes: number
  /** The listing, for contextTar. */
  listing: ContextListing
  /** How many files were read, and how many came from the stat cache. */
  hashed: number
  cached: number
}

/** A change newer than this may not have moved the mtime yet (coarse timestamps): it is not cached. */
const RACY_MS = 2000
const CONCURRENCY = 8
const CACHE_FORMAT = 'draft-stat-cache'

export async function contentTag(root: string, options: ContentTagOptions = {}): Promise<ContentTag> {
  const startedAt = Date.now()
  const listing = options.listing ?? (await listContext(root, options))
  const hashFile = options.hashFile ?? sha256OfFile
  const cache = options.cacheFile ? await loadCache(options.cacheFile) : new Map<string, CacheRecord>()
  const next = new Map<string, CacheRecord>()
  const yielder = timeSlicer()

  const covered = listing.entries.filter((e) => !e.ignored)
  let hashed = 0
  let cached = 0
  const tagged = await mapLimit(covered, CONCURRENCY, async (entry): Promise<TaggedEntry> => {
    const base = {path: entry.path, type: entry.type, size: entry.size, executable: (entry.mode & 0o111) !== 0}
    if (entry.type === 'directory') return {...base, executable: false}
    if (entry.type === 'symlink') return {...base, executable: false, linkTarget: entry.linkTarget ?? ''}

    if (entry.content) return {...base, sha256: sha256(entry.content)}
    const record = cache.get(entry.path)
    let sha: string
    if (record && record[0] === entry.size && record[1] === entry.mtimeMs && record[2] === entry.ino) {
      sha = record[3]
      cached++
    } else {
      await yielder()
      sha = await hashEntry(listing.root, entry, hashFile)
      hashed++
    }
    if (entry.mtimeMs < startedAt - RACY_MS) next.set(entry.path, [entry.size, entry.mtimeMs, entry.ino, sha])
    return {...base, sha256: sha}
  })

  const dockerfile = await readDockerfile(listing.dockerfilePath)
  const hash = createHash('sha256')
  const line = (text: string): void => {
    hash.update(text + '\n')
  }
  line('draft content tag v1')
  line(`dockerfile ${sha256(dockerfile)}`)
  line(`ignore ${listing.ignoreText === undefined ? '-' : sha256(Buffer.from(listing.ignoreText))}`)
  line(`target ${JSON.stringify(options.target ?? '')}`)
  const args = Object.entries(options.buildArgs ?? {}).sort(([a], [b]) => compare(a, b))
  for (const [key, value] of args) line(`arg ${JSON.stringify(key)} ${JSON.stringify(value)}`)
  for (const e of tagged) {
    if (e.type === 'directory') line(`D ${JSON.stringify(e.path)}`)
    else if (e.type === 'symlink') line(`L ${JSON.stringify(e.path)} ${JSON.stringify(e.linkTarget)}`)
    else line(`F ${JSON.stringify(e.path)} ${e.executable ? 'x' : '-'} ${e.sha256}`)
  }
  const digest = hash.digest('hex')

  if (options.cacheFile && cacheChanged(cache, next)) await saveCache(options.cacheFile, next)

  const files = tagged.filter((e) => e.type !== 'directory')
  return {
    tag: `draft-${digest.slice(0, 16)}`,
    digest,
    entries: tagged,
    fileCount: files.length,
    totalBytes: files.reduce((sum, e) => sum + (e.type === 'file' ? e.size : 0), 0),
    listing,
    hashed,
    cached,
  }
}

/**
 * For the watch loop: of the paths that changed (relative to the context root), those that can change
 * the image. The Dockerfile and the ignore file always can; anything else unless .dockerignore excludes it
 * and no exception reaches into it (a changed path may be a folder). `dockerfile` and `ignoreFile` are
 * relative to the root, and may start with `../` when they live outside it.
 */
export function changeNeedsBuild(
  changedPaths: readonly string[],
  patterns: readonly IgnorePattern[],
  files: {dockerfile: string; ignoreFile: string},
): string[] {
  const special = new Set([clean(files.dockerfile), clean(files.ignoreFile)])
  const relevant = new Set<string>()
  for (const changed of changedPaths) {
    const path = clean(changed)
    if (special.has(path)) relevant.add(path)
    else if (path === '.' || path === '..' || path.startsWith('../') || path.startsWith('/')) continue
    else if (!prunable(path, true, patterns)) relevant.add(path)
  }
  return [...relevant]
}

async function hashEntry(root: string, entry: ContextEntry, hashFile: NonNullable<ContentTagOptions['hashFile']>): Promise<string> {
  try {
    return await hashFile(join(root, entry.path), entry.size)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason =
      code === 'EACCES' || code === 'EPERM' ? 'permission denied'
      : code === 'ENOENT' ? 'it was deleted while draft read the context'
      : code ?? String((error as Error).message)
    throw new DraftError('CONTEXT_UNREADABLE', {path: entry.path, reason}, {cause: error})
  }
}

async function readDockerfile(path: string): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (error) {
    throw new DraftError('DOCKERFILE_MISSING', {path}, {cause: error})
  }
}

/** Small files are read in one synchronous call (see timeSlicer in context.ts); large ones are streamed. */
export function sha256OfFile(path: string, size = Infinity): Promise<string> {
  if (size <= 1024 * 1024) {
    try {
      return Promise.resolve(sha256(readFileSync(path)))
    } catch (error) {
      return Promise.reject(error)
    }
  }
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256')
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')))
  })
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/** [size, mtimeMs, ino, sha256]: a file whose first three are unchanged has the same content. */
type CacheRecord = [number, number, number, string]

/** A cache that cannot be read, or that another tool or version wrote, is simply not used. */
async function loadCache(file: string): Promise<Map<string, CacheRecord>> {
  const records = new Map<string, CacheRecord>()
  let data: unknown
  try {
    data = JSON.parse(await readFile(file, 'utf8'))
  } catch {
    return records
  }
  if (!data || typeof data !== 'object') return records
  const {format, version, files} = data as {format?: unknown; version?: unknown; files?: unknown}
  if (format !== CACHE_FORMAT || version !== 1 || !files || typeof files !== 'object' || Array.isArray(files)) return records
  for (const [path, value] of Object.entries(files)) {
    if (
      Array.isArray(value) && value.length === 4 &&
      typeof value[0] === 'number' && typeof value[1] === 'number' && typeof value[2] === 'number' &&
      typeof value[3] === 'string' && /^[0-9a-f]{64}$/.test(value[3])
    ) {
      records.set(path, value as CacheRecord)
    }
  }
  return records
}

function cacheChanged(before: ReadonlyMap<string, CacheRecord>, after: ReadonlyMap<string, CacheRecord>): boolean {
  if (before.size !== after.size) return true
  for (const [path, record] of after) {
    const old = before.get(path)
    if (!old || old.some((v, i) => v !== record[i])) return true
  }
  return false
}

/** Written to a temporary file and renamed, so a reader never sees half a cache. Failing to write is not an error. */
async function saveCache(file: string, records: ReadonlyMap<string, CacheRecord>): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    await mkdir(dirname(file), {recursive: true})
    const files = Object.fromEntries([...records].sort(([a], [b]) => compare(a, b)))
    await writeFile(temp, JSON.stringify({format: CACHE_FORMAT, version: 1, files}))
    await rename(temp, file)
  } catch {
    await rm(temp, {force: true}).catch(() => undefined)
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      try {
        results[index] = await fn(items[index] as T)
      } catch (error) {
        next = items.length // the first failure is the answer: stop reading
        throw error
      }
    }
  }
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker))
  return results
}
