import assert from 'node:assert/strict'

import {DraftError} from '../../../src/core/errors.js'
import type {HelmRevision} from '../../../src/helm/helm.js'
import {tagOf, workloadImages} from '../../../src/release/manifest.js'
import {chooseRollback, describeRevisions, liveRevision, recordFor, revisionsWithoutRecord} from '../../../src/release/revisions.js'

const FP = 'draft 0123456789abcdef01234567'
const rev = (revision: number, status: string, description: string): HelmRevision => ({revision, status, description, updated: `2025-01-01T10:0${revision}:00Z`, chart: 'app-0.1.0', appVersion: ''})
const drafted = (revision: number, status: string, tag: string, commit?: string) => rev(revision, status, `${FP} tag=${tag} repo=127.0.0.1:45000/app${commit ? ` commit=${commit}` : ''}`)

const throwsCode = (fn: () => unknown, code: string): DraftError => {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof DraftError, String(error))
    assert.equal(error.code, code)
    return error
  }
  assert.fail(`expected ${code}`)
}

describe('revisions', () => {
  const history = [
    drafted(1, 'superseded', 'draft-1', 'c1'),
    drafted(2, 'superseded', 'draft-2', 'c2+dirty'),
    rev(3, 'superseded', 'Rollback to 1'),
    rev(4, 'superseded', 'Upgrade complete'),
    rev(5, 'deployed', 'Rollback to 3'),
    drafted(6, 'failed', 'draft-6'),
  ]

  it('finds the live revision: helm\'s deployed one, not the newest', () => {
    assert.equal(liveRevision(history)?.revision, 5)
    assert.equal(liveRevision([drafted(1, 'failed', 'x')]), undefined)
  })

  it('follows rollbacks (of rollbacks) to the record that says what runs', () => {
    assert.equal(recordFor(history, 5)?.tag, 'draft-1')
    assert.equal(recordFor(history, 4), undefined, 'helm by hand: no record')
    assert.equal(recordFor([rev(7, 'deployed', 'Rollback to 2')], 7), undefined, 'the copied revision was pruned')
    assert.deepEqual(revisionsWithoutRecord(history), [4])
  })

  it('describes each revision: tag, commit, live, rollback, made by draft or not', () => {
    const views = describeRevisions(history, new Map([[4, '1.2.3']]))
    assert.deepEqual(views.map(v => [v.revision, v.tag, v.commit ?? '-', v.live, v.byDraft, v.rollbackOf ?? '-']), [
      [1, 'draft-1', 'c1', false, true, '-'],
      [2, 'draft-2', 'c2+dirty', false, true, '-'],
      [3, 'draft-1', 'c1', false, false, 1],
      [4, '1.2.3', '-', false, false, '-'],
      [5, 'draft-1', 'c1', true, false, 3],
      [6, 'draft-6', '-', false, true, '-'],
    ])
  })

  describe('chooseRollback', () => {
    it('goes back to the revision live before, skipping failed ones', () => {
      const h = [drafted(1, 'superseded', 'a'), drafted(2, 'failed', 'b'), drafted(3, 'deployed', 'c')]
      assert.deepEqual(chooseRollback(h, 'app'), {kind: 'rollback', target: 1, live: 3})
    })

    it('toggles: after a rollback, the previous one is the revision rolled back from', () => {
      const h = [drafted(1, 'superseded', 'a'), drafted(2, 'superseded', 'b'), rev(3, 'deployed', 'Rollback to 1')]
      assert.deepEqual(chooseRollback(h, 'app'), {kind: 'rollback', target: 2, live: 3})
    })

    it('skips older revisions that run what the live one runs', () => {
      const h = [drafted(1, 'superseded', 'a'), rev(2, 'deployed', 'Rollback to 1')]
      const error = throwsCode(() => chooseRollback(h, 'app'), 'NOTHING_TO_ROLL_BACK')
      assert.match(error.fix, /nothing to go back to/)
    })

    it('takes a named revision, even a failed one; the live one (or its copy) is already live', () => {
      const h = [drafted(1, 'superseded', 'a'), drafted(2, 'failed', 'b'), drafted(3, 'superseded', 'c'), rev(4, 'deployed', 'Rollback to 1')]
      assert.deepEqual(chooseRollback(h, 'app', '2'), {kind: 'rollback', target: 2, live: 4})
      assert.deepEqual(chooseRollback(h, 'app', '1'), {kind: 'already-live', target: 1, live: 4})
      assert.deepEqual(chooseRollback(h, 'app', '4'), {kind: 'already-live', target: 4, live: 4})
    })

    it('refuses a revision helm does not keep, or one that is not a number, listing those it keeps', () => {
      const h = [drafted(1, 'superseded', 'a'), drafted(2, 'deployed', 'b')]
      const missing = throwsCode(() => chooseRollback(h, 'app', '9'), 'REVISION_NOT_FOUND')
      assert.equal(missing.message, 'release "app" has no revision 9')
      assert.match(missing.fix, /Choose one of 1, 2 \(`draft history` lists them\)/)
      assert.equal(throwsCode(() => chooseRollback(h, 'app', 'abc'), 'REVISION_NOT_FOUND').message, '"abc" is not a revision number')
    })

    it('with only failed revisions before, says a named one is still possible', () => {
      const error = throwsCode(() => chooseRollback([drafted(1, 'failed', 'a'), drafted(2, 'deployed', 'b')], 'app'), 'NOTHING_TO_ROLL_BACK')
      assert.match(error.fix, /Only failed revisions \(1\) are older: name one/)
    })
  })
})

describe('images in a manifest', () => {
  it('lists the workloads\' container images and reads their tags', () => {
    const manifest = `---
kind: Service
metadata: {name: app}
---
kind: Deployment
metadata: {name: app}
spec:
  template:
    spec:
      containers:
        - {name: app, image: "127.0.0.1:45000/app:draft-0123456789abcdef"}
        - {name: sidecar, image: "busybox@sha256:${'e'.repeat(64)}"}
`
    assert.deepEqual(workloadImages(manifest), ['127.0.0.1:45000/app:draft-0123456789abcdef', `busybox@sha256:${'e'.repeat(64)}`])
    assert.equal(tagOf('127.0.0.1:45000/app:draft-0123456789abcdef'), 'draft-0123456789abcdef')
    assert.equal(tagOf(`busybox@sha256:${'e'.repeat(64)}`), `sha256:${'e'.repeat(64)}`)
    assert.equal(tagOf('nginx'), undefined)
    assert.deepEqual(workloadImages('{{ not yaml'), [])
  })
})
