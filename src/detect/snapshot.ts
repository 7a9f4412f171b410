import {closeSync, openSync, readSync, readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {DraftError} from '../core/errors.js'

/** One file of the app, with its path relative to the app root (always `/`-separated). */
export interface FileEntry {
  path: string
  size: number
}

/**
 * What detection sees of an app: the file list and a reader for small text files. Inspectors and
 * scoring take this instead of touching the disk, so tests can hand them an in-memory app.
 */
export interface Snapshot {
  readonly root: string
  readonly files: readonly FileEntry[]
  has(path: string): boolean
  /** Text of a file, or undefined when it is missing, binary or larger than the read limit. */
  read(path: string): string | undefined
  /** Paths directly inside a folder ('' for the root). */
  list(folder: string): readonly string[]
  /** Folders the walk did not descend into, with the reason (for --explain). */
  readonly skipped: readonly {path: string; reason: string}[]
}

/**
 * Trees that never hold the app's own source, or that are far too big to walk (node_modules alone can
 * hold 100k files). They are not even opened: detection of a large app must stay under a second.
 */
const SKIPPED_DIRS = new Set([
  'node_modules', 'bower_components', 'jspm_packages', 'vendor', 'Pods', 'Carthage',
  '__pycache__', 'venv', 'site-packages', '.eggs',
  'target', 'build', 'dist', 'out', 'obj', 'coverage', 'htmlcov', 'tmp', 'log', 'logs',
])
const VIRTUALENV_MARKER = 'pyvenv.cfg'
const READ_LIMIT = 1024 * 1024

export interface WalkOptions {
  /** Stop after this many files; a guard against walking a home folder by mistake. */
  maxFiles?: number
}

export function walkApp(root: string, options: WalkOptions = {}): Snapshot {
  const maxFiles = options.maxFiles ?? 200_000
  const files: FileEntry[] = []
  const skipped: {path: string; reason: string}[] = []
  const children = new Map<string, string[]>()

  const visit = (relDir: string): void => {
    const absDir = relDir === '' ? root : join(root, relDir)
    let entries
    try {
      entries = readdirSync(absDir, {withFileTypes: true})
    } catch (error) {
      if (relDir === '') throw unreadable(root, error)
      skipped.push({path: relDir, reason: `unreadable (${(error as NodeJS.ErrnoException).code ?? 'error'})`})
      return
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    if (relDir !== '' && entries.some(e => e.name === VIRTUALENV_MARKER)) {
      skipped.push({path: relDir, reason: 'virtualenv'})
      return
    }
    const names: string[] = []
    children.set(relDir, names)
    for (const entry of entries) {
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`
      if (entry.isDirectory()) {
        if (entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) {
          skipped.push({path: rel, reason: entry.name.startsWith('.') ? 'hidden' : 'dependencies or build output'})
          continue
        }
        names.push(rel)
        visit(rel)
      } else if (entry.isFile()) {
        if (files.length >= maxFiles) continue
        let size = 0
        try {
          size = statSync(join(root, rel)).size
        } catch {
          // A file that vanished between readdir and stat is simply not part of the app.
          continue
        }
        names.push(rel)
        files.push({path: rel, size})
      }
      // Symlinks are not followed: they can point outside the app or loop.
    }
  }

  visit('')
  const index = new Set(files.map(f => f.path))
  const cache = new Map<string, string | undefined>()

  return {
    root,
    files,
    skipped,
    has: path => index.has(path),
    list: folder => children.get(folder) ?? [],
    read(path) {
      if (cache.has(path)) return cache.get(path)
      const text = index.has(path) ? readText(join(root, path)) : undefined
      cache.set(path, text)
      return text
    },
  }
}

function readText(file: string): string | undefined {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    throw unreadable(file, error)
  }
  try {
    const buffer = Buffer.alloc(Math.min(statSync(file).size, READ_LIMIT))
    const length = readSync(fd, buffer, 0, buffer.length, 0)
    const bytes = buffer.subarray(0, length)
    if (bytes.subarray(0, 8000).includes(0)) return undefined
    return bytes.toString('utf8')
  } finally {
    closeSync(fd)
  }
}

function unreadable(path: string, error: unknown): DraftError {
  const code = (error as NodeJS.ErrnoException).code ?? 'unknown error'
  return new DraftError('UNREADABLE', {path, reason: code === 'EACCES' ? 'permission denied' : code}, {cause: error})
}

/** A snapshot of an in-memory app, for tests and for planning against files that do not exist yet. */
export function memorySnapshot(root: string, contents: Record<string, string>): Snapshot {
  const paths = Object.keys(contents).sort()
  const files = paths.map(path => ({path, size: Buffer.byteLength(contents[path] ?? '')}))
  const children = new Map<string, Set<string>>()
  for (const path of paths) {
    const parts = path.split('/')
    for (let i = 1; i <= parts.length; i++) {
      const parent = parts.slice(0, i - 1).join('/')
      const child = parts.slice(0, i).join('/')
      if (!children.has(parent)) children.set(parent, new Set())
      children.get(parent)!.add(child)
    }
  }
  return {
    root,
    files,
    skipped: [],
    has: path => path in contents,
    read: path => contents[path],
    list: folder => [...(children.get(folder) ?? [])].sort(),
  }
}

/** The part of a snapshot under a folder, seen as an app of its own (for the apps of a monorepo). */
export function subSnapshot(snapshot: Snapshot, folder: string): Snapshot {
  const prefix = `${folder}/`
  const files = snapshot.files.filter(f => f.path.startsWith(prefix)).map(f => ({path: f.path.slice(prefix.length), size: f.size}))
  return {
    root: `${snapshot.root}/${folder}`,
    files,
    skipped: [],
    has: path => snapshot.has(prefix + path),
    read: path => snapshot.read(prefix + path),
    list: sub => snapshot.list(sub === '' ? folder : prefix + sub).map(p => p.slice(prefix.length)),
  }
}
