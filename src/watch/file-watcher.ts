/**
 * Watching the app folder. The loop depends on this interface; `ChokidarWatcher` is the real one and
 * `FakeWatcher` lets tests fire changes by hand.
 */
export type ChangeKind = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir'

export interface FileChange {
  /** Relative to the watched root, `/`-separated. */
  path: string
  kind: ChangeKind
}

export interface WatchOptions {
  /** Called for every path before it is watched: true keeps it (and, for a folder, all below it) unwatched. */
  ignored: (path: string, isDirectory: boolean) => boolean
  onChange: (change: FileChange) => void
  onError?: (error: Error) => void
}

export interface WatchHandle {
  /** Number of folders being watched (inotify watches in use). */
  watchedFolders(): number
  close(): Promise<void>
}

export interface FileWatcher {
  watch(root: string, options: WatchOptions): Promise<WatchHandle>
}
