import assert from 'node:assert/strict'

import {dependenciesOf, deployWaves, findCycle} from '../../../src/project/graph.js'

const node = (name: string, ...deps: string[]) => ({name, dependsOn: deps.map((d, i) => ({name: d, line: 10 + i}))})

describe('the dependency graph', () => {
  it('orders deploys in waves: every service after what it depends on, the listed order kept', () => {
    const nodes = [node('web', 'api'), node('api', 'redis', 'db'), node('worker', 'redis'), node('redis'), node('db')]
    assert.deepEqual(deployWaves(nodes), [['redis', 'db'], ['api', 'worker'], ['web']])
  })

  it('takes a dependency that is not in the run as there', () => {
    assert.deepEqual(deployWaves([node('web', 'api')]), [['web']])
  })

  it('finds a cycle, closed, with the line of the edge that closes it', () => {
    assert.equal(findCycle([node('a', 'b'), node('b')]), undefined)
    assert.deepEqual(findCycle([node('a', 'b'), node('b', 'c'), node('c', 'a')]), {cycle: ['a', 'b', 'c', 'a'], line: 10})
    assert.deepEqual(findCycle([node('x'), node('self', 'self')]), {cycle: ['self', 'self'], line: 10})
    assert.throws(() => deployWaves([node('a', 'b'), node('b', 'a')]), /cycle/)
  })

  it('lists everything a service depends on, directly or not', () => {
    const nodes = [node('web', 'api'), node('api', 'redis'), node('redis'), node('other')]
    assert.deepEqual([...dependenciesOf(nodes, 'web')].sort(), ['api', 'redis'])
  })
})
