import type {ChangeKind, FileWatcher, WatchHandle, WatchOptions} from './file-watcher.js'

/** A watcher whose changes come from the test: `emit('src/a.js')` behaves like a saved file. */
export class FakeWatcher implements FileWatcher {
  private options?: WatchOptions
  closed = false

  async watch(_root: string, options: WatchOptions): Promise<WatchHandle> {
    this.options = options
    return {watchedFolders: () => 1, close: async () => void (this.closed = true)}
  }

  /** Fires a change unless the watcher's own ignore rule would have kept the path unwatched. */
  emit(path: string, kind: ChangeKind = 'change'): boolean {
    if (!this.options || this.options.ignored(path, kind.endsWith('Dir'))) return false
    this.options.onChange({path, kind})
    return true
  }
}
