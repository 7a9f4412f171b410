import assert from 'node:assert/strict'

import {draftOwnPaths} from '../../../src/up/build-context-provider.js'

describe('draftOwnPaths', () => {
  it('names draft\'s state and the deploy settings, relative to the context', () => {
    const config = {appDir: '/app', context: '/app', file: '/app/draft.toml', chart: '/app/charts/web', values: ['/app/deploy/dev.yaml']}
    assert.deepEqual(draftOwnPaths(config), ['.draft', 'draft.toml', 'charts/web', 'deploy/dev.yaml'])
  })

  it('leaves out what is outside a context below the app folder', () => {
    const config = {appDir: '/app', context: '/app/service', file: '/app/draft.toml', chart: '/app/service/chart', values: ['/elsewhere/v.yaml']}
    assert.deepEqual(draftOwnPaths(config), ['chart'])
  })
})
