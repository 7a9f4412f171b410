/**
 * What scaffolding needs from whatever runs pack templates. Templates are code written by whoever wrote
 * the pack, so the real renderer (src/sandbox) runs them where they cannot reach the user's environment,
 * files or programs; planning only sees this interface.
 */
export interface RenderRequest {
  /** The pack the templates belong to, for errors. */
  pack: string
  /** Absolute paths of the templates to render, in order. */
  files: string[]
  /** What every template sees: JSON data only (the helpers are added where the templates run). */
  context: Record<string, unknown>
  /** Folders `include()` searches after the including template's own folder. */
  views: string[]
  /** Folders whose templates may be read at all (the pack's, draft's own): nothing else is. */
  roots: string[]
}

/** One template's output, or where and why it failed. */
export type RenderResult = {ok: true; output: string} | {ok: false; line?: number; reason: string}

export interface TemplateRenderer {
  /** Renders every file of the request; a template that fails is a result, not an exception. */
  render(request: RenderRequest): Promise<RenderResult[]>
  /** Called as early as possible: a renderer that starts a process starts it while detection runs. */
  prepare?(): void
}
