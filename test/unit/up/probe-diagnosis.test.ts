import assert from 'node:assert/strict'

import {explainProbe, listeningIn} from '../../../src/up/probe-diagnosis.js'

describe('probe diagnosis', () => {
  it('finds where the app says it listens, in the words servers use', () => {
    assert.deepEqual(listeningIn(['listening on 3000']), {port: 3000, loopback: false, line: 'listening on 3000'})
    assert.equal(listeningIn(['INFO:     Uvicorn running on http://127.0.0.1:8000 (Press CTRL+C to quit)'])?.port, 8000)
    assert.equal(listeningIn(['INFO:     Uvicorn running on http://127.0.0.1:8000 (Press CTRL+C to quit)'])?.loopback, true)
    assert.equal(listeningIn(['Tomcat started on port 8080 (http) with context path \'/\''])?.port, 8080)
    assert.equal(listeningIn(['Server started at :5000'])?.port, 5000)
    assert.equal(listeningIn(['connecting to the database', 'nothing here']), undefined)
    assert.equal(listeningIn(['listening on 3000', 'Server listening at http://0.0.0.0:4000'])?.port, 4000, 'the latest line wins')
  })

  it('takes no timestamp, and no other server\'s address, for where the app listens', () => {
    // A JVM still starting: "02:57:39" is a time, "started by" is not a listen.
    assert.equal(listeningIn(['2026-12-01T02:57:39.137Z  INFO 1 --- [main] c.e.App : Starting App v1 using Java 17 with PID 1 (/app/app.jar started by app in /app)']), undefined)
    assert.equal(listeningIn(['connecting to the database on localhost:5432', 'running migrations against 127.0.0.1:5432']), undefined)
    assert.equal(listeningIn(['Tomcat initialized with port 8080 (http)']), undefined)
  })

  it('explains a refused connection by where the app listens instead, or by a loopback bind', () => {
    const refused = 'Startup probe failed: Get "http://100.66.0.9:8080/healthz": dial tcp 100.66.0.9:8080: connect: connection refused'
    assert.match(explainProbe(refused, {containerPort: 8080, logs: ['listening on 3000']}).cause, /nothing listens on :8080 \(the app listens on :3000/)
    const loopback = explainProbe(refused, {containerPort: 8000, logs: ['Uvicorn running on http://127.0.0.1:8000']})
    assert.match(loopback.cause, /listens on localhost only/)
    assert.match(loopback.fix, /0\.0\.0\.0/)
    assert.equal(explainProbe(refused, {containerPort: 8080}).cause, 'nothing listens on :8080 (the app has not said where it listens)')
  })

  it('explains an error status at the probe path, and a timeout', () => {
    const status = explainProbe('Readiness probe failed: HTTP probe failed with statuscode: 404', {containerPort: 3000, path: '/healthz'})
    assert.equal(status.cause, 'the app answers 404 at /healthz on :3000, and a probe needs a 2xx or 3xx')
    assert.match(status.fix, /probes\.path/)
    assert.match(explainProbe('Liveness probe failed: Get "http://100.66.0.9:3000/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)', {}).cause, /within the probe's timeout/)
  })
})
