import assert from 'node:assert/strict'
import {createServer} from 'node:net'

import {nextStep} from '../../../src/ui/next-step.js'
import {serviceIn} from '../../../src/up/service.js'
import {freeLocalPort, portIsFree} from '../../../src/util/free-port.js'

/** What helm renders from the shared chart (templates/chart) for release `release`, trimmed to what matters. */
const rendered = (o: {release: string; service: string; port: number; containerPort: number; targetPort?: string | number}) => `---
# Source: app/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${o.service}
---
# Source: app/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: ${o.service}
spec:
  type: ClusterIP
  ports:
    - port: ${o.port}
      targetPort: ${o.targetPort ?? 'http'}
      protocol: TCP
      name: http
  selector:
    app.kubernetes.io/name: app
    app.kubernetes.io/instance: ${o.release}
---
# Source: app/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${o.service}
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: app
      app.kubernetes.io/instance: ${o.release}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: app
        app.kubernetes.io/instance: ${o.release}
    spec:
      containers:
        - name: app
          ports:
            - name: http
              containerPort: ${o.containerPort}
              protocol: TCP
`

describe('the Service a deploy exposes, and the next step it suggests', () => {
  it('reads the Service name, its port and the container port behind it from the rendered chart', () => {
    assert.deepEqual(serviceIn(rendered({release: 'app', service: 'app', port: 80, containerPort: 3000})), {name: 'app', port: 80, containerPort: 3000})
    // A release named otherwise gets the chart's fullname, "<release>-<chart>": not svc/<release>.
    assert.deepEqual(serviceIn(rendered({release: 'burst', service: 'burst-app', port: 80, containerPort: 8000})), {name: 'burst-app', port: 80, containerPort: 8000})
    assert.deepEqual(serviceIn(rendered({release: 'app', service: 'app', port: 8080, containerPort: 8080, targetPort: 8080})), {name: 'app', port: 8080, containerPort: 8080})
  })

  it('picks the Service in front of the Deployment, and the port that reaches a container', () => {
    const other = `---\napiVersion: v1\nkind: Service\nmetadata:\n  name: metrics\nspec:\n  ports:\n    - port: 9090\n  selector:\n    app: prometheus\n`
    assert.equal(serviceIn(other + rendered({release: 'app', service: 'app', port: 80, containerPort: 3000}))?.name, 'app')
    const twoPorts = rendered({release: 'app', service: 'app', port: 80, containerPort: 3000}).replace('  ports:\n    - port: 80', '  ports:\n    - port: 9999\n      targetPort: admin\n      name: admin\n    - port: 80')
    assert.deepEqual(serviceIn(twoPorts), {name: 'app', port: 80, containerPort: 3000})
    assert.equal(serviceIn('---\nkind: Deployment\nmetadata:\n  name: app\n'), undefined)
    assert.equal(serviceIn(': not yaml: ['), undefined)
  })

  it('suggests draft connect with the folder and the target flags up was given, and the app\'s port as its URL', () => {
    const service = {name: 'burst-app', port: 80, containerPort: 3000}
    assert.deepEqual(nextStep({service}, {path: '.'}), {command: 'draft connect', url: 'http://localhost:3000'})
    assert.deepEqual(nextStep({service}, {path: 'apps/api', env: 'staging', namespace: 'dev', kubeContext: 'kind-x', release: 'burst'}), {
      command: 'draft connect apps/api --env staging --namespace dev --kube-context kind-x --release burst',
      url: 'http://localhost:3000',
    })
    assert.equal(nextStep({service}, {path: 'my app'}).command, "draft connect 'my app'")
    assert.deepEqual(nextStep({}, {path: 'job'}), {command: 'draft connect job'})
  })

  it('chooses the first free preferred local port, else one the system gives', async () => {
    const busy = createServer()
    await new Promise<void>(resolve => busy.listen({port: 0, host: '127.0.0.1'}, resolve))
    const taken = (busy.address() as {port: number}).port
    try {
      assert.equal(await portIsFree(taken), false)
      const free = await freeLocalPort([taken])
      assert.notEqual(free, taken)
      assert.ok(await portIsFree(free))
      assert.equal(await freeLocalPort([80, taken, free]), free, 'a privileged port is never suggested')
    } finally {
      busy.close()
    }
  })
})
