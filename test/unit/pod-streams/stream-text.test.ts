import assert from 'node:assert/strict'

import {LineSplitter, execResultOf, failureOf, handshakeStatus, parseLogLine, resumeTime, timeKey} from '../../../src/pod-streams/stream-text.js'

describe('pod stream text', () => {
  it('splits lines across chunks, multi-byte characters and CRLF included, and flushes an unterminated last line', () => {
    const splitter = new LineSplitter()
    const bytes = Buffer.from('one\r\ntwo é\nthr')
    const cut = bytes.indexOf(0xc3) + 1 // in the middle of é
    assert.deepEqual(splitter.push(bytes.subarray(0, cut)), ['one'])
    assert.deepEqual(splitter.push(bytes.subarray(cut)), ['two é'])
    assert.deepEqual(splitter.push('ee\n'), ['three'])
    splitter.push('tail')
    assert.deepEqual(splitter.flush(), ['tail'])
    assert.deepEqual(splitter.flush(), [])
  })

  it('reads the runtime timestamp of a line, and keeps a line without one whole', () => {
    assert.deepEqual(parseLogLine('2025-01-02T03:04:05.123456789Z listening on 3000'), {time: '2025-01-02T03:04:05.123456789Z', text: 'listening on 3000'})
    assert.deepEqual(parseLogLine('2025-01-02T03:04:05Z '), {time: '2025-01-02T03:04:05Z', text: ''})
    assert.deepEqual(parseLogLine('no time here'), {time: '', text: 'no time here'})
  })

  it('makes RFC 3339 times sortable: nine fraction digits, UTC', () => {
    assert.equal(timeKey('2025-01-02T03:04:05.1Z'), '2025-01-02T03:04:05.100000000Z')
    assert.equal(timeKey('2025-01-02T03:04:05Z'), '2025-01-02T03:04:05.000000000Z')
    assert.equal(timeKey('2025-01-02T05:04:05.5+02:00'), '2025-01-02T03:04:05.500000000Z')
    assert.ok(timeKey('2025-01-02T03:04:05.1234Z') < timeKey('2025-01-02T03:04:05.12345Z'))
    assert.equal(timeKey('yesterday'), '')
    assert.equal(resumeTime('2025-01-02T03:04:05.987Z'), '2025-01-02T03:04:05Z')
  })

  it('turns the status an exec ends with into an exit code', () => {
    assert.deepEqual(execResultOf({status: 'Success'}), {exitCode: 0, message: ''})
    assert.deepEqual(
      execResultOf({status: 'Failure', reason: 'NonZeroExitCode', message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3', details: {causes: [{reason: 'ExitCode', message: '3'}]}}),
      {exitCode: 3, message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3'},
    )
    assert.equal(execResultOf({status: 'Failure', reason: 'InternalError', message: 'no such file'}).exitCode, 1)
  })

  it('reads what an HTTP status means for a stream', () => {
    assert.deepEqual([400, 401, 403, 404, 410, 500, 502, undefined].map(failureOf), ['rejected', 'forbidden', 'forbidden', 'not-found', 'not-found', 'unreachable', 'unreachable', 'unreachable'])
    assert.equal(handshakeStatus('Unexpected server response: 403'), 403)
    assert.equal(handshakeStatus('connect ECONNREFUSED 127.0.0.1:6443'), undefined)
  })
})
