import {readFileSync} from 'node:fs'
import {Script} from 'node:vm'

import ejs from 'ejs'

/** A template that failed, with the 1-based line in the template when it can be found. */
export class TemplateError extends Error {
  constructor(readonly file: string, readonly line: number | undefined, readonly reason: string) {
    super(`${file}${line ? `:${line}` : ''}: ${reason}`)
  }
}

/**
 * Render one ejs template. ejs reports the line of a runtime error but not of a syntax error; for
 * those the generated function is compiled once more with node's vm, whose error points into the
 * generated source, and ejs's own `__line = N` markers map that back to the template line.
 */
export function renderTemplate(file: string, context: Record<string, unknown>, views: string[]): string {
  const text = readFileSync(file, 'utf8')
  try {
    return ejs.render(text, context, {filename: file, views, strict: false})
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const runtime = /^[^\n]*:(\d+)\n/.exec(message)
    if (runtime) throw new TemplateError(file, Number(runtime[1]), message.trim().split('\n').pop()!.trim())
    throw new TemplateError(file, syntaxErrorLine(text, file), message.split('\n')[0]!.replace(/ in \S+ while compiling ejs$/, ''))
  }
}

function syntaxErrorLine(text: string, file: string): number | undefined {
  try {
    const template = new ejs.Template(text, {filename: file}) as unknown as {generateSource(): void; source: string}
    template.generateSource()
    const wrapped = `(function(){${template.source}\n})`
    try {
      new Script(wrapped, {filename: 'ejs-generated'})
    } catch (error) {
      const at = /ejs-generated:(\d+)/.exec((error as Error).stack ?? '')
      if (!at) return undefined
      let line: number | undefined
      for (const generated of wrapped.split('\n').slice(0, Number(at[1]))) {
        for (const marker of generated.matchAll(/__line = (\d+)/g)) line = Number(marker[1])
      }
      return line
    }
  } catch {
    // The template cannot even be turned into source: no line to offer.
  }
  return undefined
}
