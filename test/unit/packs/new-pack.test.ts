import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DraftError} from '../../../src/core/errors.js'
import {conventionFor} from '../../../src/packs/language-conventions.js'
import {type NewPackInput, checkNewPack, missingFlags, newPackOptions, nextQuestion} from '../../../src/packs/new-pack.js'

const problem = (fn: () => unknown): DraftError => {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof DraftError, String(error))
    return error
  }
  assert.fail('expected a DraftError')
}

/** Answers every question with its suggestion, as Enter does, and returns the questions asked. */
function acceptAll(name: string, input: NewPackInput): string[] {
  const asked: string[] = []
  for (let q = nextQuestion(name, input); q; q = nextQuestion(name, input)) {
    asked.push(`${q.field}=${q.suggestion ?? ''}`)
    if (!q.suggestion) break
    input[q.field] = q.suggestion
  }
  return asked
}

describe('draft pack new: what is missing and what to offer', () => {
  it('names the required flags that are missing, and only those', () => {
    assert.deepEqual(missingFlags({}), ['--language', '--marker', '--image', '--start'])
    assert.deepEqual(missingFlags({language: 'Elixir', marker: 'mix.exs', start: ' '}), ['--image', '--start'])
    assert.deepEqual(missingFlags({language: 'Elixir', marker: 'mix.exs', image: 'elixir', start: 'mix run'}), [])
  })

  it('asks in order, each suggestion inferred from the name and the answers so far', () => {
    assert.deepEqual(acceptAll('elixir', {}), ['language=Elixir', 'marker=mix.exs', 'image=elixir', 'version=1.18', 'start=mix run --no-halt'])
    assert.deepEqual(acceptAll('deno', {}), ['language=TypeScript', 'marker=deno.json', 'image=denoland/deno', 'version=2.9.6', 'start=deno run --allow-net --allow-env main.ts'])
    // A given flag is not asked; a language the name does not match wins over the name.
    assert.deepEqual(acceptAll('deno', {language: 'JavaScript', image: 'node'}), ['marker=package.json', 'version=22', 'start=node server.js'])
    assert.deepEqual(acceptAll('shop', {language: 'haskell'}), ['marker=stack.yaml', 'image=haskell', 'version=9.10', 'start=stack run'])
    // Nothing to infer: the question has no suggestion, and an empty answer is asked again.
    assert.deepEqual(acceptAll('shop', {}), ['language='])
    assert.equal(nextQuestion('shop', {language: ''})?.field, 'language')
    // The version is optional: without a known tag, Enter keeps `latest`.
    assert.deepEqual(nextQuestion('shop', {language: 'Brainfuck', marker: 'a.bf', image: 'bf'}), {field: 'version', prompt: 'Base image tag to pin', suggestion: 'latest'})
    assert.equal(nextQuestion('elixir', {language: 'Elixir', marker: 'mix.exs', image: 'elixir', start: 'mix run', version: '1.17'}), undefined)
  })

  it('without a terminal, names the missing flags with a command to copy, built from what was given', () => {
    const none = problem(() => newPackOptions('elixir', {}))
    assert.equal(none.code, 'PACK_NEW_INCOMPLETE')
    assert.equal(none.message, 'draft pack new needs --language, --marker, --image, --start, e.g. `draft pack new elixir --language Elixir --marker mix.exs --image elixir --start "mix run --no-halt"`')
    assert.ok(!none.message.includes('\n'))
    const some = problem(() => newPackOptions('shop', {language: 'Haskell', start: 'stack exec "shop-$PORT"'}))
    assert.match(some.message, /needs --marker, --image, e\.g\. `draft pack new shop --language Haskell --marker stack\.yaml --image haskell --start 'stack exec "shop-\$PORT"'`/)
    // Nothing known about the language: placeholders where a guess would mislead.
    assert.match(problem(() => newPackOptions('shop', {language: 'Brainfuck'})).message, /--language Brainfuck --marker FILE --image IMAGE --start COMMAND/)
  })

  it('fills the port from the language unless given, and pins nothing it was not told', () => {
    const base = {language: 'Elixir', marker: 'mix.exs', image: 'elixir', start: 'mix run --no-halt'}
    assert.deepEqual(newPackOptions('elixir', base), {language: 'Elixir', marker: 'mix.exs', image: 'elixir', startCommand: 'mix run --no-halt', version: 'latest', port: 4000})
    assert.equal(newPackOptions('elixir', {...base, port: 8080, version: '1.17'}).port, 8080)
    assert.equal(newPackOptions('shop', {...base, language: 'Brainfuck'}).port, 8080)
  })

  it('refuses a bad name or a folder in the way before asking anything', () => {
    const dir = mkdtempSync(join(tmpdir(), 'draft-new-pack-'))
    try {
      assert.equal(problem(() => checkNewPack('My Pack', dir)).code, 'BAD_PACK_NAME')
      mkdirSync(join(dir, 'elixir'))
      assert.equal(checkNewPack('elixir', dir), join(dir, 'elixir'), 'an empty folder is fine')
      writeFileSync(join(dir, 'elixir', 'pack.toml'), '')
      assert.equal(problem(() => checkNewPack('elixir', dir)).code, 'PACK_DIR_EXISTS')
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('offers only plain marker file names (they become a fixture file), never globs', () => {
    for (const name of ['elixir', 'deno', 'bun', 'phoenix']) assert.match(conventionFor(name)!.marker, /^[\w.-]+$/)
    for (const language of ['Dart', 'Crystal', 'Swift', 'R', 'PHP', 'Kotlin']) assert.match(conventionFor('x', language)!.marker, /^[\w.-]+$/)
  })
})
