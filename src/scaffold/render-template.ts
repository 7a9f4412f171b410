import {Script} from 'node:vm'

import ejs from 'ejs'

import {templateHelpers} from './template-helpers.js'
import type {RenderRequest, RenderResult} from './template-renderer.js'

/**
 * Render the templates of a request from the texts in `files` (absolute path to text): `include()`
 * reads nothing else. This is the code that runs inside the sandbox (src/sandbox/render-main.ts), and
 * in-process in unit tests.
 */
export function renderTemplates(request: RenderRequest, files: ReadonlyMap<string, string>): RenderResult[] {
  const loader = ejs.fileLoader
  ejs.fileLoader = (path: string): string => {
    const text = files.get(path)
    if (text === undefined) throw new Error(`${path} is not a template of the pack (or a symlink leads it outside)`)
    return text
  }
  try {
    const context = {...request.context, ...templateHelpers}
    return request.files.map(file => {
      const text = files.get(file)
      if (text === undefined) return {ok: false, reason: 'the template is missing, or a symlink leads it outside the pack'}
      return renderTemplate(file, text, context, request.views)
    })
  } finally {
    ejs.fileLoader = loader
  }
}

/**
 * Render one ejs template. ejs reports the line of a runtime error but not of a syntax error; for
 * those the generated function is compiled once more with node's vm (compiled, never run), whose
 * error points into the generated source, and ejs's own `__line = N` markers map that back to the
 * template line.
 */
function renderTemplate(file: string, text: string, context: Record<string, unknown>, views: string[]): RenderResult {
  try {
    return {ok: true, output: ejs.render(text, context, {filename: file, views, strict: false})}
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const runtime = /^[^\n]*:(\d+)\n/.exec(message)
    if (runtime) return {ok: false, line: Number(runtime[1]), reason: message.trim().split('\n').pop()!.trim()}
    const line = syntaxErrorLine(text, file)
    return {ok: false, ...(line ? {line} : {}), reason: message.split('\n')[0]!.replace(/ in \S+ while compiling ejs$/, '')}
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
