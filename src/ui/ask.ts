import {type Interface, createInterface} from 'node:readline/promises'

import {DraftError} from '../core/errors.js'
import {dim} from './style.js'

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

/**
 * Questions on the terminal, one line each, written to stderr so stdout stays the command's result.
 * Enter accepts the suggestion shown in brackets. Ctrl-C leaves at once (nothing has been written
 * yet); end of input (Ctrl-D) answers nothing, and the caller says what is still missing.
 */
export class TerminalPrompt {
  private readonly rl: Interface
  private closed = false

  constructor() {
    this.rl = createInterface({input: process.stdin, output: process.stderr})
    this.rl.on('close', () => (this.closed = true))
    this.rl.on('SIGINT', () => {
      process.stderr.write('\n')
      this.rl.close()
      process.exit(130)
    })
  }

  /** The answer, the suggestion for an empty one, or undefined at the end of input. */
  async ask(prompt: string, suggestion?: string): Promise<string | undefined> {
    if (this.closed) return undefined
    const ended = new Promise<undefined>(resolve => this.rl.once('close', () => resolve(undefined)))
    const answer = await Promise.race([this.rl.question(`${prompt}${suggestion ? ` ${dim(`[${suggestion}]`)}` : ''}: `), ended])
    if (answer === undefined) return undefined
    return answer.trim() || suggestion || ''
  }

  close(): void {
    this.rl.close()
  }
}
