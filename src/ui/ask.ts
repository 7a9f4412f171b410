import {createInterface} from 'node:readline/promises'

import {DraftError} from '../core/errors.js'

/**
 * Ask on the terminal; without one, say that --yes is needed rather than hang or assume. Ctrl-C at
 * the question is a no (the terminal is in raw mode there, so it never reaches the process).
 */
export async function askYesNo(question: string, what: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new DraftError('CONFIRMATION_NEEDED', {what})
  const rl = createInterface({input: process.stdin, output: process.stderr})
  const interrupted = new AbortController()
  rl.on('SIGINT', () => interrupted.abort())
  try {
    const answer = await rl.question(`${question} [y/N] `, {signal: interrupted.signal})
    return /^y(es)?$/i.test(answer.trim())
  } catch (error) {
    if (interrupted.signal.aborted) {
      process.stderr.write('\n')
      return false
    }
    throw error
  } finally {
    rl.close()
  }
}
