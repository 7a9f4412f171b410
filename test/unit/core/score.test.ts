import assert from 'node:assert/strict'

import type {LanguageRanking, LanguageShare} from '../../../src/detect/languages.js'
import {MIN_SCORE, choosePack, scorePacks} from '../../../src/detect/score.js'
import {fakePack} from '../../support/packs.js'

const share = (language: string, s: number, category: LanguageShare['category'] = 'programming'): LanguageShare => ({language, category, bytes: Math.round(s * 1000), files: 1, share: s})
const ranking = (code: LanguageShare[], other: LanguageShare[] = []): LanguageRanking => ({code, other, sampled: 0, files: 0})

const node = fakePack({name: 'node', languages: ['JavaScript', 'TypeScript'], requires: ['package.json'], rules: [{files: ['package.json'], weight: 30}, {fact: 'node.spa', weight: -60}]})
const site = fakePack({name: 'static', languages: ['HTML', 'CSS'], languageWeight: 40, rules: [{files: ['index.html'], weight: 35}, {fact: 'node.spa', weight: 70}]})
const python = fakePack({name: 'python', languages: ['Python'], rules: [{files: ['requirements.txt', 'pyproject.toml'], weight: 30}]})

describe('scorePacks', () => {
  it('adds the language share and the marker weights, with evidence for each', () => {
    const [first] = scorePacks([node, python], {paths: ['package.json', 'index.js'], languages: ranking([share('JavaScript', 1)]), facts: {}})
    assert.equal(first?.pack, 'node')
    assert.equal(first?.score, 80)
    assert.deepEqual(first?.evidence.map(e => e.detail), ['JavaScript 100% of the code (+50)', 'package.json (+30)'])
  })

  it('does not let markup outvote code: HTML only counts when there is no code at all', () => {
    const languages = ranking([share('JavaScript', 1)], [share('HTML', 0.9, 'markup'), share('CSS', 0.1, 'markup')])
    const scores = scorePacks([node, site], {paths: ['package.json', 'server.js', 'public/index.html'], languages, facts: {}})
    assert.equal(scores[0]?.pack, 'node')
    assert.equal(scores.find(s => s.pack === 'static')?.score, 0)
  })

  it('scores a code-free site on its markup', () => {
    const scores = scorePacks([node, site], {paths: ['index.html', 'about.html'], languages: ranking([], [share('HTML', 1, 'markup')]), facts: {}})
    assert.equal(scores[0]?.pack, 'static')
    assert.equal(scores[0]?.score, 75)
  })

  it('applies negative fact rules (a single-page app is not a Node server)', () => {
    const facts = {'node.spa': {value: true, evidence: [{detail: 'vite build', file: 'package.json', line: 5}]}}
    const scores = scorePacks([node, site], {paths: ['package.json', 'index.html'], languages: ranking([share('JavaScript', 1)]), facts})
    assert.equal(scores[0]?.pack, 'static')
    assert.equal(scores.find(s => s.pack === 'node')?.score, 20)
    assert.equal(scores[0]?.evidence[1]?.file, 'package.json')
  })

  it('rules out a pack whose required file is missing', () => {
    const scores = scorePacks([node], {paths: ['script.js'], languages: ranking([share('JavaScript', 1)]), facts: {}})
    assert.equal(scores[0]?.score, 0)
    assert.match(scores[0]!.evidence[0]!.detail, /needs package\.json/)
  })

  it('matches root-only globs at the root, and **/ globs anywhere', () => {
    const dotnet = fakePack({name: 'dotnet', languages: ['C#'], rules: [{files: ['**/*.csproj'], weight: 30}, {files: ['*.sln'], weight: 10}]})
    const scores = scorePacks([dotnet], {paths: ['src/Api/Api.csproj', 'tools/x.sln'], languages: ranking([]), facts: {}})
    assert.equal(scores[0]?.score, 30)
  })

  it('orders ties by name and refuses to choose below the minimum score', () => {
    const a = fakePack({name: 'a', rules: [{files: ['x'], weight: 10}]})
    const b = fakePack({name: 'b', rules: [{files: ['x'], weight: 10}]})
    const scores = scorePacks([b, a], {paths: ['x'], languages: ranking([]), facts: {}})
    assert.deepEqual(scores.map(s => s.pack), ['a', 'b'])
    assert.ok(10 < MIN_SCORE)
    assert.equal(choosePack(scores), undefined)
  })
})
