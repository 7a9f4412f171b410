/**
 * The build context: which files Docker receives, and the tar stream that carries them.
 *
 * The listing is what `docker build` would send: the walk applies .dockerignore (dockerignore.ts), does
 * not enter excluded folders such as node_modules unless an exception reaches into them, sends symlinks
 * as symlinks and empty folders as folders, and always adds the Dockerfile and .dockerignore because the
 * daemon reads them (it drops them again before COPY when they are ignored).
 */

import {createHash} from 'node:crypto'
import {type Dirent, type Stats, lstatSync, readFileSync, readdirSync, readlinkSync} from 'node:fs'
import {lstat, open, readFile, realpath, stat} from 'node:fs/promises'
import {isAbsolute, join, relative, resolve, sep} from 'node:path'
import {Readable, addAbortSignal} from 'node:stream'
import tarStream from 'tar-stream'

import {DraftError} from '../core/errors.js'
import {type IgnorePattern, type MatchState, evaluate, mustEnter, parse} from './dockerignore.js'

export interface ContextEntry {
  /** Relative to the context root, `/`-separated. */
  path: string
  type: 'file' | 'directory' | 'symlink'
  size: number
  /** Permission bits (mode & 0o7777). */
  mode: number
  mtimeMs: number
  ino: number
  /** Where a symlink points, as written: symlinks are sent, never followed. */
  linkTarget?: string
  /**
   * Sent although .dockerignore excludes it: the Dockerfile, the ignore file and the folders holding them.
   * The daemon needs them but COPY never sees them, so they are not part of the image's content.
   */
  ignored?: boolean
  /** Bytes to send instead of the file on disk: a Dockerfile from outside the context, the amended .dockerignore. */
  content?: Buffer
}

export interface ContextListing {
  /** Absolute path of the context folder. */
  root: string
  /** Sorted by path (code-unit order, the same on every machine). */
  entries: ContextEntry[]
  /** The value of the `dockerfile` build option: a path inside the tar. */
  dockerfile: string
  /** Absolute path of the Dockerfile on disk (it may be outside the context). */
  dockerfilePath: string
  /** The ignore file, relative to the root, and its text (undefined when there is none). */
  ignoreFile: string
  ignoreText: string | undefined
  patterns: IgnorePattern[]
  /** Folders the walk read ('' is the root): a watcher needs exactly these. */
  walked: string[]
}

export interface ListOptions {
  /** The Dockerfile, relative to the context root or absolute. Default `Dockerfile`. */
  dockerfile?: string
  /** The ignore file, relative to the context root or absolute. Default `.dockerignore`. */
  ignoreFile?: string
  /**
   * Paths relative to the context root that are never sent, whatever the ignore file says (draft's own
   * state and deploy settings): they are matched after the ignore file's patterns, so no `!` reaches them.
   */
  exclude?: readonly string[]
  signal?: AbortSignal
}

/** Files up to this size are read whole: a bounded buffer, at most one in flight. */
const SMALL_FILE = 256 * 1024

/** Prefix of the name a Dockerfile from outside the context gets in the tar, as the docker CLI does. */
export const OUTSIDE_DOCKERFILE_PREFIX = '.dockerfile.'

export async function listContext(root: string, options: ListOptions = {}): Promise<ContextListing> {
  const absRoot = await realRoot(root)
  const dockerfileOption = options.dockerfile ?? 'Dockerfile'
  const dockerfilePath = await realDockerfile(absRoot, resolve(absRoot, dockerfileOption), dockerfileOption)
  const dockerfileRel = inside(absRoot, dockerfilePath)

  const ignorePath = resolve(absRoot, options.ignoreFile ?? '.dockerignore')
  const ignoreRel = inside(absRoot, ignorePath) ?? relative(absRoot, ignorePath).split(sep).join('/')
  const ignoreText = await readOptional(ignorePath)
  const patterns = [...(ignoreText === undefined ? [] : parse(ignoreText, ignoreRel)), ...excludePatterns(options.exclude ?? [])]

  const found = new Map<string, ContextEntry>()
  const walked: string[] = []
  await walk(absRoot, patterns, found, walked, options.signal)

  // Docker adds `!<dockerfile>` and `!.dockerignore` when they are ignored (TrimBuildFilesFromExcludes).
  for (const rel of [dockerfileRel, inside(absRoot, ignorePath)]) {
    if (rel === undefined || found.has(rel)) continue
    const entry = entryFor(absRoot, rel)
    if (entry) found.set(rel, {...entry, ignored: true})
  }

  let dockerfile = dockerfileRel ?? ''
  if (dockerfileRel === undefined) {
    // The docker CLI sends a Dockerfile from elsewhere under a generated name and ignores that name in
    // .dockerignore, so COPY . never picks it up. The name is derived from the content to stay reproducible.
    const content = await readFile(dockerfilePath)
    dockerfile = OUTSIDE_DOCKERFILE_PREFIX + sha256(content).slice(0, 20)
    const st = await stat(dockerfilePath)
    found.set(dockerfile, {path: dockerfile, type: 'file', size: content.length, mode: 0o600, mtimeMs: st.mtimeMs, ino: st.ino, ignored: true, content})
    const amended = Buffer.from(`${ignoreText ?? '.dockerignore'}\n${dockerfile}\n`)
    const existing = found.get('.dockerignore')
    found.set('.dockerignore', existing && existing.type === 'file'
      ? {...existing, size: amended.length, content: amended}
      : {path: '.dockerignore', type: 'file', size: amended.length, mode: 0o644, mtimeMs: st.mtimeMs, ino: 0, ignored: true, content: amended})
  }

  await addParents(absRoot, found)
  const entries = [...found.values()].sort((a, b) => compare(a.path, b.path))
  return {root: absRoot, entries, dockerfile, dockerfilePath, ignoreFile: ignoreRel, ignoreText, patterns, walked}
}

/** Literal paths as ignore patterns: wildcards and backslashes in a name are escaped. */
function excludePatterns(paths: readonly string[]): IgnorePattern[] {
  const lines = paths
    .map(p => p.split(sep).join('/').replace(/[*?[\\]/g, c => `\\${c}`).replace(/^[!#]/, c => `\\${c}`))
    .filter(p => p !== '' && p !== '.')
  return lines.length ? parse(lines.join('\n'), '(draft)') : []
}

/**
 * A tar of the listing, read from disk file by file as the consumer pulls: memory stays flat whatever
 * the context size. Aborting the signal or destroying the stream closes the open file and stops.
 */
export function contextTar(root: string, listing: ContextListing, options: {signal?: AbortSignal} = {}): Readable {
  const pack = tarStream.pack()
  // Readable.from hands its own error to the pack when it is destroyed; the consumer sees it on `out`.
  pack.on('error', () => undefined)
  const out = Readable.from(pack, {objectMode: false})
  let isStopped = false
  const stopped = new Promise<void>((resolveStopped) => {
    out.once('close', () => {
      isStopped = true
      pack.destroy()
      resolveStopped()
    })
  })
  if (options.signal) addAbortSignal(options.signal, out)

  const absRoot = resolve(root)
  const yielder = timeSlicer()
  const produce = async (): Promise<void> => {
    for (const entry of listing.entries) {
      await yielder()
      if (isStopped) return
      await addEntry(pack, absRoot, entry, stopped, () => isStopped)
    }
    if (!isStopped) pack.finalize()
  }
  produce().catch((error: unknown) => {
    if (!isStopped) out.destroy(error as Error)
  })
  return out
}

async function addEntry(
  pack: tarStream.Pack,
  root: string,
  entry: ContextEntry,
  stopped: Promise<void>,
  isStopped: () => boolean,
): Promise<void> {
  const header = {name: entry.path, mode: entry.mode & 0o7777, mtime: new Date(entry.mtimeMs), uid: 0, gid: 0}
  if (entry.type === 'directory') {
    await untilDone(pack, {...header, name: entry.path + '/', type: 'directory'}, stopped)
    return
  }
  if (entry.type === 'symlink') {
    await untilDone(pack, {...header, type: 'symlink', linkname: entry.linkTarget ?? ''}, stopped)
    return
  }
  if (entry.content) {
    await untilDone(pack, {...header, type: 'file', size: entry.content.length}, stopped, entry.content)
    return
  }

  const abs = join(root, entry.path)
  if (entry.size <= SMALL_FILE) {
    // One call instead of open, stat, read and close; the file's bytes now are what is sent.
    let data: Buffer
    try {
      data = readFileSync(abs)
    } catch (error) {
      throw unreadable(entry.path, error)
    }
    if (data.length <= SMALL_FILE * 4) {
      await untilDone(pack, {...header, type: 'file', size: data.length}, stopped, data)
      return
    }
  }
  let handle
  try {
    handle = await open(abs, 'r')
  } catch (error) {
    throw unreadable(entry.path, error)
  }
  try {
    // The size in the header must be what is sent: take it from the open file, not the older listing.
    const size = (await handle.stat()).size
    let finished!: (error?: Error | null) => void
    const done = new Promise<Error | null | undefined>((resolveDone) => (finished = resolveDone))
    const sink = pack.entry({...header, type: 'file', size}, (error) => finished(error))
    // A destroyed pack destroys its current entry with the same error; the entry callback reports it.
    sink.on('error', () => undefined)
    let written = 0
    if (size > 0) {
      const input = handle.createReadStream({start: 0, end: size - 1, autoClose: false, highWaterMark: 256 * 1024})
      try {
        for await (const chunk of input as AsyncIterable<Buffer>) {
          if (isStopped()) return
          written += chunk.length
          if (!sink.write(chunk)) await Promise.race([new Promise<void>((r) => sink.once('drain', () => r())), stopped])
        }
      } catch (error) {
        throw unreadable(entry.path, error)
      }
    }
    if (isStopped()) return
    if (written !== size) throw new DraftError('CONTEXT_UNREADABLE', {path: entry.path, reason: 'it changed while it was being sent'})
    sink.end(undefined)
    const error = await Promise.race([done, stopped])
    if (error) throw unreadable(entry.path, error)
  } finally {
    await handle.close().catch(() => undefined)
  }
}

async function untilDone(pack: tarStream.Pack, header: Partial<tarStream.Header> & {name: string}, stopped: Promise<void>, content?: Buffer): Promise<void> {
  const error = await Promise.race([
    new Promise<Error | null | undefined>((resolveDone) => {
      const sink = content ? pack.entry(header, content, (e) => resolveDone(e)) : pack.entry(header, (e) => resolveDone(e))
      sink.on('error', () => undefined)
    }),
    stopped,
  ])
  if (error) throw error
}

async function walk(
  root: string,
  patterns: readonly IgnorePattern[],
  found: Map<string, ContextEntry>,
  walked: string[],
  signal: AbortSignal | undefined,
): Promise<void> {
  const yielder = timeSlicer()
  const visit = async (dir: string, state: MatchState | undefined, dirExcluded: boolean): Promise<void> => {
    await yielder()
    signal?.throwIfAborted()
    let dirents: Dirent[]
    try {
      dirents = readdirSync(dir === '' ? root : join(root, dir), {withFileTypes: true})
    } catch (error) {
      if (isCode(error, 'ENOENT')) return
      // Like BuildKit, an unreadable folder only matters if something in it would be sent.
      if (dirExcluded) return
      throw unreadable(dir, error)
    }
    walked.push(dir)
    dirents.sort((a, b) => compare(a.name, b.name))

    const subfolders: Array<{path: string; state: MatchState; excluded: boolean}> = []
    for (const dirent of dirents) {
      const path = dir === '' ? dirent.name : `${dir}/${dirent.name}`
      const {excluded, state: childState} = evaluate(path, patterns, state)
      const knownDir = dirent.isDirectory()
      const known = knownDir || dirent.isFile() || dirent.isSymbolicLink()
      // What is excluded is never stat'ed: only its type matters, to know whether to look inside.
      if (excluded && known) {
        if (knownDir && mustEnter(path, patterns, childState)) subfolders.push({path, state: childState, excluded})
        continue
      }
      const entry = entryFor(root, path)
      if (!entry) continue
      if (entry.type === 'directory') {
        if (!excluded) {
          found.set(path, entry)
          subfolders.push({path, state: childState, excluded})
        } else if (mustEnter(path, patterns, childState)) {
          subfolders.push({path, state: childState, excluded})
        }
      } else if (!excluded) {
        found.set(path, entry)
      }
    }
    for (const sub of subfolders) await visit(sub.path, sub.state, sub.excluded)
  }
  await visit('', undefined, false)
}

/**
 * The walk, the hashing and the tar use synchronous file calls: on a busy machine they are several times
 * faster than the thread-pool round trip per small file. To keep the event loop (signals, the live
 * display, the watch loop) responsive, work is cut into slices of a few milliseconds.
 */
export function timeSlicer(sliceMs = 8): () => Promise<void> {
  let sliceStart = performance.now()
  return async () => {
    if (performance.now() - sliceStart < sliceMs) return
    await new Promise<void>((resolveYield) => setImmediate(resolveYield))
    sliceStart = performance.now()
  }
}

/** A folder that holds a sent entry is sent too (BuildKit does the same for re-included files). */
async function addParents(root: string, found: Map<string, ContextEntry>): Promise<void> {
  for (const entry of [...found.values()]) {
    let slash = entry.path.lastIndexOf('/')
    while (slash > 0) {
      const parent = entry.path.slice(0, slash)
      const existing = found.get(parent)
      if (existing) {
        if (existing.ignored && !entry.ignored) found.set(parent, {...existing, ignored: undefined})
        else break
      } else {
        const st = await lstat(join(root, parent))
        const described = describe(parent, st)
        if (!described) break
        found.set(parent, entry.ignored ? {...described, ignored: true} : described)
      }
      slash = parent.lastIndexOf('/')
    }
  }
}

function entryFor(root: string, path: string): ContextEntry | undefined {
  const abs = join(root, path)
  let st: Stats
  try {
    st = lstatSync(abs)
  } catch (error) {
    // Editors create and delete temp files all the time; one that vanished is simply not there.
    if (isCode(error, 'ENOENT')) return undefined
    throw unreadable(path, error)
  }
  const entry = describe(path, st)
  if (!entry) return undefined
  if (entry.type === 'symlink') {
    try {
      entry.linkTarget = readlinkSync(abs)
    } catch (error) {
      if (isCode(error, 'ENOENT')) return undefined
      throw unreadable(path, error)
    }
  }
  return entry
}

/** Sockets, pipes and devices are skipped: they cannot go into an image through COPY. */
function describe(path: string, st: Stats): ContextEntry | undefined {
  const type = st.isFile() ? 'file' : st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : undefined
  if (!type) return undefined
  return {path, type, size: type === 'file' ? st.size : 0, mode: st.mode & 0o7777, mtimeMs: st.mtimeMs, ino: st.ino}
}

async function realRoot(root: string): Promise<string> {
  const abs = resolve(root)
  let st: Stats
  try {
    st = await stat(abs)
  } catch {
    throw new DraftError('PATH_NOT_FOUND', {path: root})
  }
  if (!st.isDirectory()) throw new DraftError('PATH_NOT_DIRECTORY', {path: root})
  return realpath(abs)
}

/** Like the docker CLI, the Dockerfile's place is decided after resolving symlinks. */
async function realDockerfile(root: string, abs: string, shown: string): Promise<string> {
  try {
    const real = await realpath(abs)
    if ((await stat(real)).isFile()) return real
  } catch {
    // reported below
  }
  throw new DraftError('DOCKERFILE_MISSING', {path: isAbsolute(shown) ? shown : relative(process.cwd(), abs) || abs})
}

/** The `/`-separated path of abs inside root, or undefined when it is outside. */
function inside(root: string, abs: string): string | undefined {
  const rel = relative(root, abs)
  if (rel === '' || rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel)) return undefined
  return rel.split(sep).join('/')
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return undefined
    throw unreadable(path, error)
  }
}

function unreadable(path: string, error: unknown): DraftError {
  if (error instanceof DraftError) return error
  const code = (error as NodeJS.ErrnoException).code
  const reason = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code ?? String((error as Error).message)
  return new DraftError('CONTEXT_UNREADABLE', {path: path || '.', reason}, {cause: error})
}

function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}
