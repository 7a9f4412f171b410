import type {Readable} from 'node:stream'

import type {DeployConfig} from '../config/draft-toml.js'

/** The build context of one deploy: its content tag, its size, and a way to stream it as a tar. */
export interface PreparedContext {
  /** Content tag: the same inputs always give the same tag. */
  tag: string
  files: number
  bytes: number
  /** Path of the Dockerfile inside the tar. */
  dockerfile: string
  open(signal?: AbortSignal): Readable
}

export interface ContextProvider {
  prepare(config: DeployConfig): Promise<PreparedContext>
}
