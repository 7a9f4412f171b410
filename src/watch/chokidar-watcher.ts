import {relative, sep} from 'node:path'

import type {FileWatcher, WatchHandle, WatchOptions} from './file-watcher.js'

/**
 * chokidar, told which paths to skip before it opens them: an ignored folder (node_modules) is never
 * watched, so a big tree cannot exhaust inotify.
 */
export class ChokidarWatcher implements FileWatcher {
  async watch(root: string, options: WatchOptions): Promise<WatchHandle> {
    const {watch} = await import('chokidar')
    const toRel = (path: string): string => relative(root, path).split(sep).join('/')
    const watcher = watch(root, {
      ignoreInitial: true,
      persistent: true,
      followSymlinks: false,
      // Editors that save by rename produce unlink+add; chokidar folds them into one change.
      atomic: true,
      ignored: (path, stats) => {
        const rel = toRel(path)
        if (rel === '' || rel.startsWith('..')) return false
        // Without stats chokidar asks again with them; a name-only answer is only safe for folders we prune by name.
        return options.ignored(rel, stats ? stats.isDirectory() : false) && (stats !== undefined || options.ignored(rel, true))
      },
    })
    const forward = (kind: 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir') => (path: string) => options.onChange({path: toRel(path), kind})
    for (const kind of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const) watcher.on(kind, forward(kind))
    watcher.on('error', error => options.onError?.(error as Error))
    await new Promise<void>(resolve => watcher.once('ready', () => resolve()))
    return {
      watchedFolders: () => Object.keys(watcher.getWatched()).length,
      close: () => watcher.close(),
    }
  }
}
