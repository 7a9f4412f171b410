import type {Dashboard, DashboardOptions} from './dashboard.js'
import {Redactor} from './redact.js'
import {type DashboardInput, type PageState, reduce} from './state.js'

/** A dashboard without a server: what was published and hidden, reduced as the real one does. */
export class FakeDashboard implements Dashboard {
  readonly url = 'http://127.0.0.1:1/#token=fake'
  readonly port = 1
  readonly events: DashboardInput[] = []
  readonly hidden = new Set<string>()
  closed = false
  private current: PageState
  private readonly redactor = new Redactor()

  constructor(readonly options: DashboardOptions) {
    this.current = options.state
  }

  publish(event: DashboardInput): void {
    const clean = this.redactor.value(event)
    this.events.push(clean)
    this.current = reduce(this.current, clean)
  }

  hide(values: Iterable<string>): void {
    for (const v of values) this.hidden.add(v)
    this.redactor.add(values)
  }

  state(): PageState {
    return this.current
  }

  async close(): Promise<void> {
    this.closed = true
  }
}
