import {homedir} from 'node:os'
import {join} from 'node:path'

/** $DRAFT_HOME, ~/.draft by default: user packs, trust answers, running connect sessions. */
export const draftHome = (env: NodeJS.ProcessEnv = process.env): string => env.DRAFT_HOME || join(homedir(), '.draft')
