import type {DraftError} from '../core/errors.js'
import {bold, dim, red, symbols} from './style.js'

/**
 * A DraftError as a person reads it: the message, the details, the fix and the code. The message
 * already names the file and line where there is one (the catalogue writes it), so the location is not
 * printed again; it travels as data in --json.
 */
export function renderError(error: DraftError): string {
  const details = (error.context as {details?: string[]}).details ?? []
  const shown = details.length ? `${details.map(d => dim(`  │ ${d}`)).join('\n')}\n` : ''
  return `${red(`${symbols.fail} ${error.message}`)}\n${shown}  ${bold('fix:')} ${error.fix}\n${dim(`  (${error.code})`)}\n`
}
