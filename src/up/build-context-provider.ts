import {join, relative} from 'node:path'

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
