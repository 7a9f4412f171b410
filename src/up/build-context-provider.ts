import {existsSync} from 'node:fs'
import {isAbsolute, join, relative, sep} from 'node:path'

import type {DeployConfig} from '../config/draft-toml.js'
import {contextTar} from '../build/context.js'
import {contentTag} from '../build/content-tag.js'
import {stateDirFor} from '../util/draft-dir.js'
import type {ContextProvider, PreparedContext} from './context-provider.js'

/**
 * The build context from src/build: listed after .dockerignore (the Dockerfile's own one when there is
 * one), tagged by content with a stat cache in draft's state folder (so an unchanged tree is re-tagged
 * from stats alone), streamed as a tar.
 */
export class BuildContextProvider implements ContextProvider {
  async prepare(config: DeployConfig): Promise<PreparedContext> {
    const tagged = await contentTag(config.context, {
      dockerfile: relative(config.context, config.dockerfile) || config.dockerfile,
      ignoreFile: ignoreFileOf(config),
      exclude: draftOwnPaths(config),
      buildArgs: config.buildArgs,
      target: config.target,
      cacheFile: join(stateDirFor(config, 'cache'), 'content-tag.json'),
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
 * draft's own state (.draft: logs, the stat cache, app packs; for a service of a project, the project's
 * .draft that holds it) changes on every `up`, and the deploy settings (draft.toml, the chart, values
 * files) do not go into the image: an edit to them redeploys without a rebuild. Paths are relative to
 * the context; those outside it are not sent anyway. Pure.
 */
export function draftOwnPaths(config: Pick<DeployConfig, 'appDir' | 'context' | 'file' | 'chart' | 'values' | 'stateDir'>): string[] {
  const inside = (path: string): string | undefined => {
    const rel = relative(config.context, path)
    return rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? undefined : rel.split(sep).join('/')
  }
  // The whole .draft folder a service's state lies in: the folders on the way to its cache count in a tag too.
  const state = config.stateDir ? config.stateDir.slice(0, config.stateDir.lastIndexOf(`${sep}.draft`) + `${sep}.draft`.length) : undefined
  const paths = [join(config.appDir, '.draft'), ...(state ? [state] : []), config.file, config.chart, ...config.values]
  return [...new Set(paths.map(inside).filter((p): p is string => p !== undefined))]
}

/**
 * The ignore file BuildKit reads for this build: `<Dockerfile>.dockerignore` beside the Dockerfile when
 * there is one (so services that share a context each send only what they need), else the context's
 * `.dockerignore`. Absolute.
 */
export function ignoreFileOf(config: Pick<DeployConfig, 'context' | 'dockerfile'>): string {
  const own = `${config.dockerfile}.dockerignore`
  return existsSync(own) ? own : join(config.context, '.dockerignore')
}
