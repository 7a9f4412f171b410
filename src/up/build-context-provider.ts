import {isAbsolute, join, relative, sep} from 'node:path'

import type {DeployConfig} from '../config/draft-toml.js'
import {contextTar} from '../build/context.js'
import {contentTag} from '../build/content-tag.js'
import {draftStateDir} from '../util/draft-dir.js'
import type {ContextProvider, PreparedContext} from './context-provider.js'

/**
 * The build context from src/build: listed after .dockerignore, tagged by content with a stat cache in
 * the app's .draft/cache (so an unchanged tree is re-tagged from stats alone), streamed as a tar.
 */
export class BuildContextProvider implements ContextProvider {
  async prepare(config: DeployConfig): Promise<PreparedContext> {
    const tagged = await contentTag(config.context, {
      dockerfile: relative(config.context, config.dockerfile) || config.dockerfile,
      exclude: draftOwnPaths(config),
      buildArgs: config.buildArgs,
      target: config.target,
      cacheFile: join(draftStateDir(config.appDir, 'cache'), 'content-tag.json'),
    })
    return {
      tag: tagged.tag,
      files: tagged.fileCount,
      bytes: tagged.totalBytes,
      dockerfile: tagged.listing.dockerfile,
      open: signal => contextTar(config.context, tagged.listing, signal ? {signal} : {}),
    }
  }
}

/**
 * What is never part of the build context or the content tag, whatever the app's .dockerignore says:
 * draft's own state (.draft: logs, the stat cache, app packs) changes on every `up`, and the deploy
 * settings (draft.toml, the chart, values files) do not go into the image: an edit to them redeploys
 * without a rebuild. Paths are relative to the context; those outside it are not sent anyway. Pure.
 */
export function draftOwnPaths(config: Pick<DeployConfig, 'appDir' | 'context' | 'file' | 'chart' | 'values'>): string[] {
  const inside = (path: string): string | undefined => {
    const rel = relative(config.context, path)
    return rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? undefined : rel.split(sep).join('/')
  }
  return [join(config.appDir, '.draft'), config.file, config.chart, ...config.values].map(inside).filter((p): p is string => p !== undefined)
}
