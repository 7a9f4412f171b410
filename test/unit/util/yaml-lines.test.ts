import assert from 'node:assert/strict'

import {yamlLineOf} from '../../../src/util/yaml-lines.js'

const COMPOSE = `# comment
services:
  api:
    build: ./api
    depends_on:
      - redis
      - "db"
    ports:
    - "8080:8080"
    - target: 9090
      published: 9091

  'redis':
    image: redis:7 # trailing comment
    environment: {A: 1}
x-extra: &anchor
  a: 1
`

describe('yamlLineOf', () => {
  it('follows block mappings key by key', () => {
    assert.equal(yamlLineOf(COMPOSE, ['services']), 2)
    assert.equal(yamlLineOf(COMPOSE, ['services', 'api']), 3)
    assert.equal(yamlLineOf(COMPOSE, ['services', 'api', 'build']), 4)
    assert.equal(yamlLineOf(COMPOSE, ['services', 'redis', 'image']), 14)
    assert.equal(yamlLineOf(COMPOSE, ['x-extra', 'a']), 17)
  })

  it('counts sequence items, also at their key\'s own column, and keys inside an item', () => {
    assert.equal(yamlLineOf(COMPOSE, ['services', 'api', 'depends_on', 0]), 6)
    assert.equal(yamlLineOf(COMPOSE, ['services', 'api', 'depends_on', 1]), 7)
    assert.equal(yamlLineOf(COMPOSE, ['services', 'api', 'ports', 0]), 9)
    assert.equal(yamlLineOf(COMPOSE, ['services', 'api', 'ports', 1]), 10)
    assert.equal(yamlLineOf(COMPOSE, ['services', 'api', 'ports', 1, 'published']), 11)
  })

  it('does not take a key of another service or a deeper level for the one asked', () => {
    const text = 'services:\n  web:\n    image: nginx\n  api:\n    build: .\n    image: api\n'
    assert.equal(yamlLineOf(text, ['services', 'api', 'image']), 6)
    assert.equal(yamlLineOf(text, ['services', 'web', 'build']), 2, 'the deepest part found: the service')
  })

  it('answers the deepest line it could follow inside flow style, and nothing for an absent first key', () => {
    assert.equal(yamlLineOf(COMPOSE, ['services', 'redis', 'environment', 'A']), 15)
    assert.equal(yamlLineOf(COMPOSE, ['volumes']), undefined)
  })
})
