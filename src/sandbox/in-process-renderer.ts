import {renderTemplates} from '../scaffold/render-template.js'
import type {RenderRequest, RenderResult, TemplateRenderer} from '../scaffold/template-renderer.js'
import {readTemplateFiles} from './template-files.js'

/**
 * The same rendering as the sandbox, in this process and with all of its power: for unit tests and for
 * the benchmark that measures what the sandbox costs. Never for packs a user did not write.
 */
export class InProcessRenderer implements TemplateRenderer {
  calls = 0

  async render(request: RenderRequest): Promise<RenderResult[]> {
    this.calls++
    return renderTemplates(request, readTemplateFiles(request))
  }
}
