import assert from 'node:assert/strict'

import {GitCli} from '../../../src/git/git-cli.js'
import {describeSource, parseStatus} from '../../../src/git/git.js'
import {FakeRunner} from '../../../src/process/fake-runner.js'

const OID = '84914827741818a1b72be8321aceca42b18495ec'

describe('git source state', () => {
  it('reads HEAD and changes from `git status --porcelain=v2 --branch`', () => {
    assert.deepEqual(parseStatus(`# branch.oid ${OID}\n# branch.head main\n`), {commit: OID, dirty: false})
    assert.deepEqual(parseStatus(`# branch.oid ${OID}\n# branch.head main\n1 .M N... 100644 100644 100644 a b src/a.js\n`), {commit: OID, dirty: true})
    assert.deepEqual(parseStatus(`# branch.oid ${OID}\n# branch.head main\n? new-file.js\n`), {commit: OID, dirty: true}, 'an untracked file is a change: it goes into the build')
    assert.equal(parseStatus('# branch.oid (initial)\n# branch.head main\n? a\n'), undefined, 'no commit yet: nothing to record')
    assert.equal(describeSource({commit: OID, dirty: true}), `${OID}+dirty`)
  })

  it('asks about the folder only, leaving out draft\'s own cache and logs, and without taking git\'s lock', async () => {
    const runner = new FakeRunner().on('git', {stdout: `# branch.oid ${OID}\n`})
    assert.deepEqual(await new GitCli(runner).sourceState('/apps/api'), {commit: OID, dirty: false})
    const call = runner.calls[0]!
    assert.deepEqual(call.args, ['-C', '/apps/api', 'status', '--porcelain=v2', '--branch', '--untracked-files=normal', '--', '.', ':(exclude).draft/cache', ':(exclude).draft/logs', ':(exclude).draft/snapshots', ':(exclude).draft/.gitignore'])
    assert.equal(call.options.env?.GIT_OPTIONAL_LOCKS, '0')
  })

  it('has no state outside a work tree or without git', async () => {
    const outside = new FakeRunner().on('git', {exitCode: 128, stderr: 'fatal: not a git repository (or any of the parent directories): .git'})
    assert.equal(await new GitCli(outside).sourceState('/tmp/x'), undefined)
    assert.equal(await new GitCli(new FakeRunner()).sourceState('/tmp/x'), undefined)
  })
})
