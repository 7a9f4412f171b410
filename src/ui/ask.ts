import {createInterface} from 'node:readline/promises'

import {DraftError} from '../core/errors.js'

/** Ask on the terminal; without one, say that --yes is needed rather than hang or assume. */
export async function askYesNo(question: string, what: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new DraftError('CONFIRMATION_NEEDED', {what})
  const rl = createInterface({input: process.stdin, output: process.stderr})
  try {
    const answer = await rl.question(`${question} [y/N] `)
    return /^y(es)?$/i.test(answer.trim())
  } finally {
    rl.close()
  }
}
