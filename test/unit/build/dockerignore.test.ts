import assert from 'node:assert/strict'

import {clean, excluded, mustEnter, parse, prunable} from '../../../src/build/dockerignore.js'
import {DraftError} from '../../../src/core/errors.js'

type Case = [ignoreFile: string, path: string, isExcluded: boolean, why?: string]

const check = (cases: readonly Case[]): void => {
  for (const [text, path, expected, why] of cases) {
    const patterns = parse(text)
    assert.equal(excluded(path, patterns), expected, `${JSON.stringify(text)} on ${path}${why ? ` (${why})` : ''}`)
  }
}

describe('.dockerignore', () => {
  describe("Docker's documented examples", () => {
    it('*/temp* matches names starting with temp one level down only', () => {
      check([
        ['*/temp*', 'somedir/temporary.txt', true],
        ['*/temp*', 'somedir/temp', true],
        ['*/temp*', 'somedir/temp/inner.txt', true, 'a parent matched'],
        ['*/temp*', 'temp.txt', false, 'root level is not one level down'],
        ['*/temp*', 'a/b/temp.txt', false, 'two levels down'],
      ])
    })

    it('*/*/temp* matches two levels down only', () => {
      check([
        ['*/*/temp*', 'a/b/temp.txt', true],
        ['*/*/temp*', 'a/temp.txt', false],
        ['*/*/temp*', 'a/b/c/temp.txt', false],
      ])
    })

    it('temp? matches a one-character extension of temp at the root', () => {
      check([
        ['temp?', 'tempa', true],
        ['temp?', 'tempb/file', true],
        ['temp?', 'temp', false],
        ['temp?', 'tempab', false],
        ['temp?', 'dir/tempa', false],
      ])
    })

    it('**/*.go matches .go files in every folder, the root included', () => {
      check([
        ['**/*.go', 'main.go', true],
        ['**/*.go', 'cmd/server/main.go', true],
        ['**/*.go', 'main.go.txt', false],
        ['**/*.go', 'go.mod', false],
      ])
    })

    it('exceptions: the last matching line wins', () => {
      check([
        ['*.md\n!README.md', 'README.md', false],
        ['*.md\n!README.md', 'CHANGES.md', true],
        ['*.md\n!README*.md\nREADME-secret.md', 'README-secret.md', true],
        ['*.md\n!README*.md\nREADME-secret.md', 'README-public.md', false],
        ['*.md\nREADME-secret.md\n!README*.md', 'README-secret.md', false],
        ['!x\nx', 'x', true, 'an exception before the exclusion loses'],
        ['x\n!x', 'x', false],
      ])
    })
  })

  describe('parent directories', () => {
    it('a pattern that matches a folder excludes everything in it', () => {
      check([
        ['node_modules', 'node_modules/x/y.js', true],
        ['node_modules', 'node_modules', true],
        ['node_modules', 'src/node_modules/x.js', false, 'patterns are anchored at the root'],
        ['**/node_modules', 'src/node_modules/x.js', true],
        ['build/', 'build/out/a.o', true],
      ])
    })

    it('an exception re-includes a file inside an excluded folder', () => {
      check([
        ['node_modules\n!node_modules/keep.js', 'node_modules/keep.js', false],
        ['node_modules\n!node_modules/keep.js', 'node_modules/other.js', true],
        ['**\n!util/docker/web', 'util/docker/web/foo', false, 'the exception matched a parent'],
        ['**\n!util/docker/web\nutil/docker/web/foo', 'util/docker/web/foo', true],
        ['*\n!src\nsrc/*.test.ts', 'src/app.ts', false],
        ['*\n!src\nsrc/*.test.ts', 'src/app.test.ts', true],
      ])
    })

    // Docker's walkers (moby/go-archive and BuildKit's fsutil) hand each folder's per-pattern results to its
    // entries (patternmatcher.MatchesUsingParentResults), and skip patterns that cannot change the outcome
    // without recording them. In these two orderings that differs from reading the file top to bottom.
    it("follows Docker's walker in orderings where parent results are carried", () => {
      check([
        ['a\n!a/c\na', 'a/c', false, 'the second `a` was skipped at folder a, so it is not inherited'],
        ['a\n!a/c\na', 'a/d', true],
        ['x/y\n!x', 'x/y', true, '`!x` was skipped at folder x, so x/y does not inherit it'],
        ['x/y\n!x', 'x/z', false],
      ])
    })
  })

  describe('cleaning', () => {
    it('./a, a/, /a, a/b/.. and //a all mean a', () => {
      for (const text of ['./a', 'a/', '/a', 'a/b/..', '//a', '  a  ', 'a/./']) {
        const [pattern] = parse(text)
        assert.equal(pattern?.text, 'a', text)
        assert.equal(excluded('a/file', parse(text)), true, text)
      }
      assert.equal(parse('!./a/')[0]?.text, 'a')
      assert.equal(parse('! /a')[0]?.exception, true)
      assert.equal(parse('! /a')[0]?.text, 'a')
    })

    it('matches paths given with ./, a trailing slash or a leading slash', () => {
      const patterns = parse('dist')
      for (const path of ['dist', './dist', 'dist/', '/dist/x']) assert.equal(excluded(path, patterns), true, path)
      assert.equal(excluded('.', patterns), false)
    })

    it("implements Go's filepath.Clean", () => {
      assert.equal(clean(''), '.')
      assert.equal(clean('a//b/./c/..'), 'a/b')
      assert.equal(clean('../a'), '../a')
      assert.equal(clean('/../a'), '/a')
      assert.equal(clean('a/../..'), '..')
      assert.equal(clean('/'), '/')
    })

    it('skips comments and blank lines; only a # in the first column starts a comment', () => {
      const patterns = parse('\uFEFF# comment\n\n   \n  # not a comment\r\nsrc/*.log\r\n')
      assert.deepEqual(patterns.map((p) => p.text), ['# not a comment', 'src/*.log'])
      assert.deepEqual(patterns.map((p) => p.line), [4, 5])
      check([['\\#notes', '#notes', true]])
    })

    it('a lone / or .. never matches', () => {
      check([
        ['/', 'a', false],
        ['..', 'a', false],
        ['../a', 'a', false],
      ])
    })
  })

  describe('wildcards', () => {
    it('** spans any number of folders, zero included, at the start, middle or end', () => {
      check([
        ['**', 'file', true],
        ['**', 'dir/file', true],
        ['**/', 'file', true],
        ['**/**', 'dir/file', true],
        ['**/dir', 'dir', true],
        ['**/dir', 'a/b/dir/file', true],
        ['**/dir2/*', 'dir/dir2/file', true],
        ['a/**/b', 'a/b', true],
        ['a/**/b', 'a/x/y/b', true],
        ['a/**/b', 'a/xb', false],
        ['a**/*.txt', 'a/dir/file.txt', true],
        ['**/**/*.txt2', 'dir/dir/file.txt', false],
        ['**/.foo', 'bar.foo', false],
      ])
    })

    it('dir/** matches what is inside dir but not dir itself', () => {
      check([
        ['abc/**', 'abc/def', true],
        ['abc/**', 'abc/def/ghi', true],
        ['abc/**', 'abc', false, 'so an empty abc folder is still sent'],
      ])
    })

    it('** followed by plain text is a suffix test, as in patternmatcher', () => {
      check([
        ['**file', 'file', true],
        ['**file', 'dir/dir/file', true],
        ['**file', 'dir/myfile', true, 'a suffix match, not a segment match'],
        ['**/file', 'dir/myfile', false],
      ])
    })

    it('* and ? stay within one path segment', () => {
      check([
        ['a/*.txt', 'a/file.txt', true],
        ['a/*.txt', 'a/dir/file.txt', false],
        ['*', 'anything/at/all', true, 'every top-level name matches, so everything is excluded'],
        ['abc?def', 'abcZdef', true],
        ['abc?def', 'abc/def', false],
        ['.*', '.foo', true],
        ['.*', 'foo', false],
      ])
    })

    it('character classes follow filepath.Match syntax', () => {
      check([
        ['a[b-d]e', 'ace', true],
        ['a[b-d]e', 'aae', false],
        ['a[^b-d]e', 'aze', true],
        ['a[^b-d]e', 'ace', false],
        ['a[\\]]e', 'a]e', true],
        ['x[^a]y', 'x/y', true, "Docker's regular expression lets a negated class match /"],
      ])
    })

    it('regular expression characters are literal', () => {
      check([
        ['abc.def', 'abcZdef', false],
        ['a(b)c/def', 'a(b)c/def', true],
        ['a.|)$(}+{bc', 'a.|)$(}+{bc', true],
        ['dist/*.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
        ['v1.0-*', 'v1.0-beta', true],
      ])
    })

    it('a backslash escapes the next character', () => {
      check([
        ['a\\*b', 'a*b', true],
        ['a\\*b', 'axb', false],
        ['a\\\\', 'a\\', true],
        ['\\[x]', '[x]', true],
        ['f\\?', 'f?', true],
        ['f\\?', 'fx', false],
      ])
    })
  })

  describe('invalid patterns are typed errors, as docker build rejects them', () => {
    for (const text of ['!', '!/', 'a[', 'a[]', 'a[-z]', 'a[z-a]', 'a\\', 'a[b-]']) {
      it(JSON.stringify(text), () => {
        assert.throws(
          () => parse(`ok\n${text}`, 'app/.dockerignore'),
          (error: unknown) =>
            error instanceof DraftError && error.code === 'DOCKERIGNORE_INVALID' && error.message.startsWith('app/.dockerignore:2:'),
        )
      })
    }
  })

  describe('walking decisions', () => {
    it('never enters an excluded folder that no exception can reach into', () => {
      assert.equal(prunable('node_modules', true, parse('node_modules')), true)
      assert.equal(prunable('node_modules', true, parse('node_modules\n!src/keep.js')), true)
      assert.equal(prunable('node_modules', true, parse('node_modules\n!node_modules/keep.js')), false)
      assert.equal(prunable('node_modules', true, parse('**/node_modules\n!node_modules/*/package.json')), false)
      assert.equal(prunable('node_modules/a', true, parse('node_modules\n!node_modules/b/x')), true)
      assert.equal(prunable('src', true, parse('node_modules')), false)
      assert.equal(prunable('x.log', false, parse('*.log')), true)
    })

    it('enters for wildcard exceptions that the docker CLI would miss', () => {
      assert.equal(prunable('node_modules', true, parse('node_modules\n!**/keep.js')), false)
      assert.equal(prunable('vendor', true, parse('vendor\n!v*/keep.js')), false)
      assert.equal(prunable('vendor', true, parse('vendor\n!x*/keep.js')), true)
      assert.equal(prunable('a', true, parse('a\n!a/[bc]')), false)
    })

    it('enters a folder whose re-inclusion was overridden later, to be safe', () => {
      const patterns = parse('a\n!a\na')
      assert.equal(mustEnter('a', patterns), false)
      assert.equal(prunable('a', true, parse('a\n!a/**')), false)
    })
  })
})
