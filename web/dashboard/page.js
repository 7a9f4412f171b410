// The dashboard page: the state from the server, then every event reduced with the same reducer the
// server runs (state.js is draft's own src/dashboard/state.ts, compiled). No framework: a few
// functions that draw each part again when the state changes, and the logs appended line by line.
import {LIMITS, reduce} from '/state.js'

const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? ''
const $ = id => document.getElementById(id)

let state
let selectedCycle // the cycle whose build log shows; undefined: follow the newest
let pinned = false // the user chose a cycle: do not jump to new ones
let drawn = {}
let pending = false
let logView = {key: '', last: -1, first: Infinity}
let confirming // `${service} ${revision}` of a Rollback button asking to be confirmed

const STAGE_ORDER = ['connect', 'tag', 'build', 'push', 'load', 'plan', 'copy', 'reload', 'deploy', 'rollout', 'rollback']
const PHASES = ['scheduling', 'pull', 'start', 'readiness', 'handover']
const PHASE_LABEL = {scheduling: 'schedule', pull: 'pull', start: 'start', readiness: 'ready', handover: 'old pods'}

// ---- formatting ----
function fmt(ms) {
  if (ms === undefined || ms === null) return ''
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const m = Math.floor(ms / 60_000)
  return `${m}m ${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`
}
const clock = at => new Date(state.startedAt + at).toLocaleTimeString([], {hour12: false})
const shortCommit = c => (c ? c.replace(/^([0-9a-f]{12})[0-9a-f]*/, '$1') : '')
const ago = iso => {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000))
  return Number.isNaN(s) ? iso : s < 60 ? `${s}s ago` : s < 3600 ? `${Math.floor(s / 60)}m ago` : s < 86400 ? `${Math.floor(s / 3600)}h ago` : new Date(iso).toLocaleString()
}

/** An element: h('div', {class: 'x', onclick}, 'text', child). Text is always text, never HTML. */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v)
    else if (k === 'class') el.className = v
    // Through the CSSOM: the page's Content-Security-Policy allows no style attributes.
    else if (k === 'style') el.style.cssText = v
    else el.setAttribute(k, v === true ? '' : v)
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c))
  return el
}
const svg = (tag, attrs = {}, ...children) => {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v)
  for (const c of children.flat()) if (c !== undefined && c !== null) el.append(c instanceof Node ? c : document.createTextNode(String(c)))
  return el
}
/** Several services (a project): every row, line and button says whose it is. */
const several = () => state.services.length > 1
const replace = (el, ...children) => el.replaceChildren(...children.flat().filter(c => c !== undefined && c !== null && c !== false))

// ---- talking to draft ----
async function api(action, body) {
  const res = await fetch(`/api/${action}`, {method: 'POST', headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json'}, body: JSON.stringify(body ?? {})})
  const answer = await res.json().catch(() => ({}))
  if (!res.ok) throw new Error(answer.error ?? `${res.status} ${res.statusText}`)
  return answer
}

let toastTimer
function toast(text, link) {
  const el = $('toast')
  replace(el, text, link)
  el.hidden = false
  clearTimeout(toastTimer)
  toastTimer = setTimeout(() => (el.hidden = true), 8000)
}

/** The event stream: server-sent events read with fetch, so that the token goes in a header, not the URL. */
async function follow() {
  let delay = 500
  for (;;) {
    try {
      const res = await fetch('/api/events', {headers: {authorization: `Bearer ${token}`}, cache: 'no-store'})
      if (res.status === 401) {
        live('off', 'open the link draft printed (it carries the token after #token=)')
        return
      }
      if (!res.ok || !res.body) throw new Error(`${res.status}`)
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
      let buffer = ''
      for (;;) {
        const {value, done} = await reader.read()
        if (done) break
        buffer += value
        let end
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          message(block)
        }
        delay = 500
      }
    } catch {
      // Reconnect below.
    }
    if (state?.mode === 'snapshot') return
    live('off', 'reconnecting…')
    await new Promise(r => setTimeout(r, delay))
    delay = Math.min(delay * 2, 8000)
  }
}

function message(block) {
  let kind = 'message'
  let data = ''
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) kind = line.slice(6).trim()
    else if (line.startsWith('data:')) data += line.slice(5).trimStart()
  }
  if (!data) return
  const value = JSON.parse(data)
  if (kind === 'state') {
    state = value
    logView = {key: '', last: -1, first: Infinity}
    drawn = {}
    live('on', state.mode === 'snapshot' ? 'snapshot (read-only)' : 'live')
  } else if (state) {
    state = reduce(state, value)
  }
  schedule()
}

function live(kind, text) {
  const el = $('live')
  el.className = `conn ${kind}`
  el.textContent = text
}

function schedule() {
  if (pending) return
  pending = true
  requestAnimationFrame(() => {
    pending = false
    draw()
  })
}

// ---- drawing ----
/** Draws a part only when what it shows changed (the reducer shares unchanged objects). */
function part(name, deps, fn) {
  const previous = drawn[name]
  if (previous && previous.length === deps.length && previous.every((d, i) => d === deps[i])) return
  drawn[name] = deps
  fn()
}

function draw() {
  if (!state) return
  part('header', [state.app, state.mode, state.watching, state.rollbacks], header)
  part('notices', [state.notices, state.connection], notices)
  part('services', [state.services], services)
  part('chart', [state.series], chart)
  shownCycle()
  part('cycles', [state.cycles, selectedCycle], cycles)
  part('build', [state.cycles, selectedCycle], buildLog)
  part('pods', [state.services], pods)
  part('history', [state.services, state.rollbacks, confirming], history)
  part('rollbacks', [state.rollbacks], rollbacks)
  logs()
  $('footer').textContent = `started ${new Date(state.startedAt).toLocaleString()} · kept: the last ${LIMITS.cycles} cycles, build logs of the last ${LIMITS.buildLogCycles}, ${LIMITS.runtimeLines} log lines${state.dropped.logs || state.dropped.cycles ? ` (left out so far: ${state.dropped.cycles} cycles, ${state.dropped.logs} log lines, ${state.dropped.buildLines} build lines)` : ''}`
}

function header() {
  $('app-name').textContent = state.app.name
  $('app-where').textContent = [state.app.env, state.services.map(s => s.namespace).filter((v, i, a) => a.indexOf(v) === i).join(', '), state.app.context].filter(Boolean).join(' · ')
  const w = state.watching
  $('mode').textContent = state.mode === 'snapshot' ? 'snapshot' : state.mode === 'dashboard' ? 'not watching' : w.stopped ? `stopped (${w.stopped})` : w.paused ? `paused${w.pending ? ` · ${w.pending} changes wait` : ''}` : 'watching'
  document.title = `${state.app.name} · draft`
  const readOnly = state.mode === 'snapshot'
  $('actions').hidden = readOnly
  const pause = $('pause')
  pause.hidden = state.mode !== 'watch'
  pause.textContent = w.paused ? 'Resume watching' : 'Pause watching'
  pause.disabled = !w.on
  $('rebuild').disabled = Boolean(w.stopped)
  $('rebuild').title = several() ? 'A full cycle of every service now: build, push, deploy and rollout, even with nothing changed' : 'A full cycle now: build, push, deploy and rollout, even with nothing changed'
}

function notices() {
  const items = state.notices.slice(-4).map(n => h('div', {class: `notice ${n.level}`}, n.message, n.fix ? h('div', {class: 'fix'}, n.fix) : undefined))
  if (state.connection) items.unshift(h('div', {class: 'notice error'}, `lost ${state.connection.what} (${state.connection.reason}); draft reconnects with backoff: pods and logs may be stale`))
  replace($('notices'), items)
}

function services() {
  replace(
    $('services'),
    state.services.map(s => {
      const ready = s.pods.filter(p => p.newest && !p.state.startsWith('Term')).map(p => p.ready)
      return h(
        'article',
        {class: 'service', 'data-service': s.name, 'data-state': s.state},
        h('div', {class: 'head'}, h('span', {class: 'name'}, s.name), h('span', {class: `state ${s.state}`, 'data-testid': 'service-state'}, s.state)),
        h('div', {class: 'detail'}, s.stage ? `${s.stage}: ${s.detail ?? ''}` : (s.detail ?? '')),
        h(
          'dl',
          {},
          h('dt', {}, 'url'),
          h('dd', {}, s.urls.length ? s.urls.map(u => h('a', {href: u, target: '_blank', rel: 'noopener noreferrer'}, u)) : h('span', {class: 'muted'}, several() ? 'not connected (draft connect at the root)' : 'not connected (draft up --connect)')),
          h('dt', {}, 'image tag'),
          h('dd', {class: 'mono', 'data-testid': 'tag'}, s.tag ?? '—'),
          h('dt', {}, 'revision'),
          h(
            'dd',
            {'data-testid': 'revision'},
            s.revision === undefined ? '—' : String(s.revision),
            s.commit ? h('span', {class: 'muted mono'}, ` · ${shortCommit(s.commit)}`) : undefined,
            s.synced ? h('span', {class: 'muted', 'data-testid': 'synced'}, ` + ${s.synced} synced file${s.synced === 1 ? '' : 's'}`) : undefined,
          ),
          h('dt', {}, 'pods'),
          h('dd', {}, ready.length ? ready.join(', ') + ' ready' : 'none'),
          h('dt', {}, 'release'),
          h('dd', {}, `${s.release} in ${s.namespace}`),
        ),
        s.error && s.state === 'failed' ? h('div', {class: 'error'}, s.error.message, h('div', {class: 'fix'}, s.error.fix)) : undefined,
        several() && state.mode !== 'snapshot'
          ? h('div', {class: 'service-actions'}, h('button', {type: 'button', 'data-rebuild': s.name, disabled: Boolean(state.watching.stopped), title: `A full cycle of ${s.name} only, even with nothing changed`, onclick: () => rebuild(s.name)}, `Rebuild ${s.name}`))
          : undefined,
      )
    }),
  )
}

function rebuild(service) {
  api('rebuild', service ? {service} : {}).then(
    () => toast(`a full cycle${service ? ` of ${service}` : several() ? ' of every service' : ''} starts after the running one`),
    e => toast(`rebuild: ${e.message}`),
  )
}

function chart() {
  const points = state.series
  const W = 600
  const H = 170
  const L = 40
  const B = 20
  const root = svg('svg', {viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'cycle time per cycle'})
  $('chart-hint').textContent = points.length ? `${points.length} cycles · median ${fmt(median(points.filter(p => p.result !== 'cancelled').map(p => p.ms)))}` : ''
  if (points.length === 0) {
    root.append(svg('text', {x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'empty'}, 'no cycle yet'))
    replace($('chart'), root)
    return
  }
  const step = niceStep((Math.max(1000, ...points.map(p => p.ms)) * 1.1) / 4)
  const max = Math.ceil((Math.max(1000, ...points.map(p => p.ms)) * 1.05) / step) * step
  const x = i => (points.length === 1 ? L + (W - L - 10) / 2 : L + (i * (W - L - 10)) / (points.length - 1))
  const y = ms => H - B - (ms / max) * (H - B - 8)
  for (let v = 0; v <= max; v += step) {
    root.append(svg('line', {x1: L, x2: W - 5, y1: y(v), y2: y(v), class: 'axis'}), svg('text', {x: L - 6, y: y(v) + 3, 'text-anchor': 'end'}, v === 0 ? '0' : fmt(v)))
  }
  const good = points.map((p, i) => [p, i]).filter(([p]) => p.result === 'deployed' || p.result === 'unchanged' || p.result === 'synced')
  if (good.length > 1) root.append(svg('polyline', {class: 'trend', points: good.map(([p, i]) => `${x(i)},${y(p.ms)}`).join(' ')}))
  const colour = {deployed: 'var(--ok)', synced: 'var(--sync)', unchanged: 'var(--idle)', failed: 'var(--fail)', cancelled: 'var(--warn)', running: 'var(--run)'}
  points.forEach((p, i) => {
    root.append(svg('circle', {cx: x(i), cy: y(p.ms), r: points.length > 200 ? 2 : 3.5, fill: colour[p.result] ?? 'var(--idle)', 'data-cycle': p.cycle}, svg('title', {}, `cycle ${p.cycle}: ${p.result}, ${fmt(p.ms)}`)))
  })
  const first = points[0]
  const last = points.at(-1)
  root.append(svg('text', {x: x(0), y: H - 5, 'text-anchor': points.length === 1 ? 'middle' : 'start'}, `#${first.cycle}`))
  if (points.length > 1) root.append(svg('text', {x: x(points.length - 1), y: H - 5, 'text-anchor': 'end'}, `#${last.cycle}`))
  replace($('chart'), root)
}

const median = xs => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : 0)
function niceStep(raw) {
  const p = 10 ** Math.floor(Math.log10(raw))
  return [1, 2, 5, 10].map(m => m * p).find(s => s >= raw) ?? raw
}

function legend() {
  const used = new Set(state.cycles.flatMap(c => Object.values(c.stages).flat().filter(b => b.ms > 0).map(b => b.stage)))
  replace($('legend'), STAGE_ORDER.filter(s => used.has(s)).map(s => h('span', {}, h('i', {class: `seg ${s}`}), s)))
}

function cycles() {
  legend()
  const list = state.cycles.slice().reverse()
  $('cycles-hint').textContent = state.dropped.cycles ? `newest ${state.cycles.length}; ${state.dropped.cycles} older ones are in the chart only` : ''
  const widest = Math.max(1, ...list.map(total))
  replace(
    $('cycles'),
    list.length === 0 ? h('div', {class: 'muted'}, state.mode === 'dashboard' ? 'no cycle yet: Rebuild now runs one' : 'no cycle yet') : undefined,
    list.map(c => {
      const trigger = c.rebuild ? 'Rebuild now' : c.changes.length === 0 ? (c.cycle === 1 ? 'initial deploy' : 'no change') : c.changes.join(', ') + (c.moreChanges ? ` and ${c.moreChanges} more` : '')
      // A project's cycle: a bar per service it ran, labelled with how that service ended.
      const bars = c.services ? Object.keys(c.services).map(name => [name, c.stages[name] ?? []]) : Object.entries(c.stages)
      const outcome = name => {
        const r = c.results?.[name]
        if (!r) return c.result === 'running' ? 'running' : ''
        return r.state === 'deployed' ? `revision ${r.revision}` : r.state
      }
      return h(
        'div',
        {class: `cycle${selectedCycle === c.cycle ? ' selected' : ''}`, 'data-cycle': c.cycle, 'data-result': c.result, onclick: () => select(c.cycle), title: 'show its build log'},
        h('span', {class: 'num'}, `#${c.cycle}`),
        h('span', {class: 'time'}, clock(c.at)),
        h(
          'span',
          {class: 'trigger', title: trigger},
          h('span', {class: c.rebuild ? '' : 'mono'}, trigger),
          c.reason ? h('span', {class: 'reason'}, `cancelled: ${c.reason}`) : undefined,
          c.why ? h('span', {class: 'why'}, c.why) : undefined,
          c.error ? h('span', {class: 'failure'}, c.error.message) : undefined,
        ),
        h(
          'span',
          {},
          bars.map(([service, stages]) =>
            h(
              'div',
              {'data-service': service},
              bars.length > 1 || c.services ? h('div', {class: 'bar-service'}, service, c.services ? h('span', {class: `service-result ${c.results?.[service]?.state ?? ''}`, 'data-testid': 'service-result'}, ` ${outcome(service)}`) : undefined) : undefined,
              stackedBar(stages, (total(c) / widest) * 100),
            ),
          ),
        ),
        h('span', {class: `result ${c.result}`}, c.result === 'deployed' && c.revision !== undefined ? `revision ${c.revision}` : c.result === 'synced' && c.synced ? `synced ${c.synced.copied + c.synced.removed}` : c.result, h('small', {}, c.result === 'running' ? 'running' : fmt(c.totalMs))),
      )
    }),
  )
}

function total(c) {
  return c.totalMs ?? Object.values(c.stages).flat().reduce((sum, b) => sum + b.ms, 0)
}

function stackedBar(stages, widthPercent) {
  const shown = stages.filter(b => b.ms > 0 || b.state === 'running' || b.state === 'failed')
  return h(
    'div',
    {class: 'bar', style: `width:${Math.max(4, widthPercent).toFixed(1)}%`, 'data-testid': 'stages'},
    shown.map(b => {
      const title = `${b.stage} ${b.state === 'running' ? '(running)' : fmt(b.ms)}${b.state === 'failed' ? ' — failed' : ''}: ${b.message}${b.phases ? `\n${PHASES.filter(p => b.phases[p] >= 1).map(p => `${PHASE_LABEL[p]} ${fmt(b.phases[p])}`).join(' · ')}` : ''}`
      const seg = h('span', {class: `seg ${b.stage} ${b.state}`, style: `flex:${Math.max(b.ms, 1)} 1 0`, title, 'data-stage': b.stage, 'data-ms': b.ms})
      if (b.phases) {
        const phaseSum = PHASES.reduce((s, p) => s + (b.phases[p] ?? 0), 0)
        if (phaseSum > 0) for (const p of PHASES) if (b.phases[p] > 0) seg.append(h('span', {class: 'phase', style: `flex:${b.phases[p]} 1 0`, title: `${PHASE_LABEL[p]} ${fmt(b.phases[p])}`}))
      }
      return seg
    }),
  )
}

function select(cycle) {
  selectedCycle = cycle
  pinned = true
  drawn.build = undefined
  schedule()
}

/** The cycle to show: the one chosen, else the newest failed build that is still newest, else the newest with a log. */
function shownCycle() {
  if (pinned && state.cycles.some(c => c.cycle === selectedCycle)) return state.cycles.find(c => c.cycle === selectedCycle)
  const newest = state.cycles.at(-1)
  const withLog = [...state.cycles].reverse().find(c => c.build.lines.length > 0)
  const shown = newest && newest.build.lines.length > 0 ? newest : withLog
  selectedCycle = shown?.cycle
  return shown
}

let buildView = {cycle: undefined, count: 0, failing: 0}
function buildLog() {
  const el = $('build-log')
  const c = state.cycles.find(x => x.cycle === selectedCycle)
  if (!c) {
    replace(el, h('div', {class: 'empty'}, 'no build yet'))
    $('build-hint').textContent = ''
    buildView = {cycle: undefined, count: 0, failing: 0}
    return
  }
  const failing = new Set(c.build.failedLines ?? [])
  $('build-hint').textContent = `cycle #${c.cycle}${c.build.failedStep ? ` · failed at ${c.build.failedStep}` : ''}${c.build.dropped ? ` · ${c.build.dropped} earlier lines left out` : ''}`
  const line = l =>
    h(
      'div',
      {class: `line${failing.has(l.seq) ? ' failing' : ''}${/^(DONE|CACHED) /.test(l.text) ? ' step' : ''}`, 'data-source': 'build', 'data-seq': l.seq, 'data-service': l.service},
      l.service && several() ? h('span', {class: 'src'}, l.service) : undefined,
      h('span', {class: 'text'}, l.text),
    )
  const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 30
  if (buildView.cycle === c.cycle && buildView.failing === failing.size && c.build.lines.length >= buildView.count && el.children.length === buildView.count && buildView.count > 0) {
    el.append(...c.build.lines.slice(buildView.count).map(line))
  } else {
    replace(el, c.build.lines.length ? c.build.lines.map(line) : h('div', {class: 'empty'}, c.result === 'running' ? 'waiting for the build…' : c.build.dropped ? `this old cycle's log was left out (only the newest ${LIMITS.buildLogCycles} keep theirs)` : c.result === 'synced' ? 'no build in this cycle: its files were synced into the running pods' : 'no build in this cycle (the image was already there)'))
  }
  buildView = {cycle: c.cycle, count: c.build.lines.length, failing: failing.size}
  const first = el.querySelector('.line.failing')
  if (first) el.scrollTop = first.offsetTop - el.offsetTop - 40
  else if (atBottom || c.result === 'running') el.scrollTop = el.scrollHeight
}

function pods() {
  const rows = state.services.flatMap(s => s.pods.map(p => ({s, p})))
  replace(
    $('pods'),
    rows.length === 0
      ? h('div', {class: 'muted'}, 'no pods')
      : h(
          'table',
          {},
          h('thead', {}, h('tr', {}, several() ? h('th', {}, 'service') : undefined, h('th', {}, 'pod'), h('th', {}, 'ready'), h('th', {}, 'state'), h('th', {}, 'restarts'), h('th', {}, 'last termination'))),
          h(
            'tbody',
            {},
            rows.map(({s, p}) =>
              h(
                'tr',
                {class: p.newest ? '' : 'old', 'data-pod': p.name, 'data-service': s.name},
                several() ? h('td', {class: 'nowrap'}, s.name) : undefined,
                h('td', {class: 'mono'}, p.name, p.newest ? undefined : h('span', {class: 'muted'}, ' (old)')),
                h('td', {class: 'nowrap'}, p.ready),
                h('td', {class: `nowrap ${/BackOff|Err|Crash|Invalid|OOM/.test(p.state) ? 'bad' : ''}`}, p.state),
                h('td', {class: p.restarts > 0 ? 'bad' : ''}, String(p.restarts)),
                h('td', {}, p.lastTermination ?? ''),
              ),
            ),
          ),
        ),
  )
  const events = state.services.flatMap(s => s.events)
  const failure = state.services.map(s => s.error).find(e => e && e.code === 'ROLLOUT_FAILED')
  replace(
    $('pod-events'),
    failure ? h('div', {class: 'notice error'}, failure.message, (failure.details ?? []).map(d => h('div', {class: 'mono'}, d)), h('div', {class: 'fix'}, failure.fix)) : undefined,
    events.length ? h('ul', {class: 'events'}, events.map(e => h('li', {class: e.type}, h('b', {}, e.reason), e.count > 1 ? ` (×${e.count})` : '', ` ${e.object}: ${e.message}`))) : undefined,
  )
}

function history() {
  const rolling = state.rollbacks.at(-1)?.state === 'running'
  const readOnly = state.mode === 'snapshot'
  replace(
    $('history'),
    state.services.flatMap(s => [
      several() ? h('h3', {class: 'service-heading'}, s.name) : undefined,
      s.history.length === 0
        ? h('div', {class: 'muted', 'data-service': s.name}, 'nothing deployed yet')
        : h(
            'table',
            {'data-service': s.name},
            h('thead', {}, h('tr', {}, h('th', {}, 'rev'), h('th', {}, 'when'), h('th', {}, 'status'), h('th', {}, 'image tag'), h('th', {}, 'commit'), h('th', {}, ''))),
            h(
              'tbody',
              {},
              s.history
                .slice()
                .reverse()
                .map(r =>
                  h(
                    'tr',
                    {class: r.live ? 'live' : '', 'data-revision': r.revision},
                    h('td', {}, String(r.revision), r.live ? h('span', {class: 'pill live'}, ' live') : undefined),
                    h('td', {title: r.updated}, ago(r.updated)),
                    h('td', {}, r.status, r.rollbackOf === undefined ? undefined : h('span', {class: 'muted'}, ` (rollback to ${r.rollbackOf})`)),
                    h('td', {class: 'mono'}, r.tag ?? ''),
                    h('td', {class: 'mono'}, shortCommit(r.commit)),
                    h(
                      'td',
                      {},
                      r.live || readOnly
                        ? undefined
                        : h(
                            'button',
                            {
                              type: 'button',
                              class: confirming === `${s.name} ${r.revision}` ? 'confirm' : '',
                              disabled: rolling,
                              title: rolling ? 'a rollback runs: one at a time' : `roll ${s.name} back to revision ${r.revision}`,
                              'data-rollback': r.revision,
                              onclick: () => rollback(s.name, r.revision),
                            },
                            confirming === `${s.name} ${r.revision}` ? `Confirm: roll ${several() ? `${s.name} ` : ''}back to ${r.revision}` : 'Rollback',
                          ),
                    ),
                  ),
                ),
            ),
          ),
    ]),
  )
}

let confirmTimer
function rollback(service, revision) {
  const key = `${service} ${revision}`
  if (confirming !== key) {
    confirming = key
    clearTimeout(confirmTimer)
    confirmTimer = setTimeout(() => {
      confirming = undefined
      schedule()
    }, 5000)
    schedule()
    return
  }
  confirming = undefined
  schedule()
  api('rollback', several() ? {revision, service} : {revision}).then(
    () => toast(`rolling ${several() ? `${service} ` : ''}back to revision ${revision}…`),
    error => toast(`rollback: ${error.message}`),
  )
}

function rollbacks() {
  $('rollbacks-panel').hidden = state.rollbacks.length === 0
  replace(
    $('rollbacks'),
    state.rollbacks
      .slice()
      .reverse()
      .map(r =>
        h(
          'div',
          {class: 'cycle', 'data-rollback-state': r.state},
          h('span', {class: 'num'}, '↺'),
          h('span', {class: 'time'}, clock(r.at)),
          h('span', {class: 'trigger'}, r.service && several() ? `${r.service} ` : '', r.revision === undefined ? 'to the revision live before' : `to revision ${r.revision}`, r.error ? h('span', {class: 'failure'}, r.error.message) : undefined),
          h('span', {}, stackedBar(r.stages, 100)),
          h('span', {class: `result ${r.state === 'done' ? 'deployed' : r.state}`}, r.state === 'done' ? `revision ${r.result?.revision}` : r.state),
        ),
      ),
  )
}

// ---- logs: build and runtime, told apart, filtered ----
function logSource() {
  return document.querySelector('input[name=source]:checked')?.value ?? 'all'
}

function filterTest() {
  const text = $('filter').value.trim()
  if (!text) return () => true
  const re = /^\/(.+)\/([a-z]*)$/.exec(text)
  if (re) {
    try {
      const rx = new RegExp(re[1], re[2].includes('i') ? re[2] : `${re[2]}i`)
      return s => rx.test(s)
    } catch {
      // Not a valid expression: taken as text.
    }
  }
  const lower = text.toLowerCase()
  return s => s.toLowerCase().includes(lower)
}

/** Every line to show, by sequence: runtime lines and notes, and the build lines of the cycles that keep theirs. */
function logLines(source, after) {
  const out = []
  // Several services: each line's label starts with its service, as `draft logs` at the root prints it.
  const who = service => (several() && service ? `${service} ` : '')
  if (source !== 'build') for (const l of state.logs) if (l.seq > after) out.push({seq: l.seq, source: l.kind === 'note' ? 'note' : 'runtime', service: l.service, label: `${who(l.service)}${l.prefix || l.pod || 'note'}`, text: l.text})
  if (source !== 'runtime') {
    for (const c of state.cycles) for (const l of c.build.lines) if (l.seq > after) out.push({seq: l.seq, source: 'build', service: l.service, label: `${who(l.service)}build #${c.cycle}`, text: l.text})
  }
  return out.sort((a, b) => a.seq - b.seq)
}

function logs() {
  const el = $('logs')
  const source = logSource()
  const key = `${source}\u0000${$('filter').value}`
  const test = filterTest()
  const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 30
  const line = l => h('div', {class: 'line', 'data-source': l.source, 'data-seq': l.seq, 'data-service': l.service}, h('span', {class: 'src'}, l.label), h('span', {class: 'text'}, l.text))
  if (key !== logView.key) {
    const lines = logLines(source, -1).filter(l => test(`${l.label} ${l.text}`))
    replace(el, lines.length ? lines.map(line) : h('div', {class: 'empty'}, $('filter').value ? 'no line matches' : 'no log lines yet'))
    logView = {key, last: state.seq - 1}
    el.scrollTop = el.scrollHeight
  } else if (state.seq - 1 > logView.last) {
    const lines = logLines(source, logView.last).filter(l => test(`${l.label} ${l.text}`))
    if (lines.length) {
      el.querySelector('.empty')?.remove()
      el.append(...lines.map(line))
    }
    logView.last = state.seq - 1
    // What the caps left out of the state goes from the page too.
    const oldest = Math.min(state.logs[0]?.seq ?? Infinity, ...state.cycles.filter(c => c.build.lines.length).map(c => c.build.lines[0].seq))
    while (el.firstElementChild && Number(el.firstElementChild.dataset.seq) < oldest) el.firstElementChild.remove()
    if (atBottom) el.scrollTop = el.scrollHeight
  }
  const runtime = state.logs.filter(l => l.kind === 'runtime').length
  $('logs-hint').textContent = `${runtime} runtime lines${state.dropped.logs ? ` (newest ${state.logs.length} kept)` : ''}`
}

// ---- buttons ----
$('rebuild').addEventListener('click', () => rebuild())
$('pause').addEventListener('click', () => {
  const paused = state?.watching.paused
  api(paused ? 'resume' : 'pause').catch(e => toast(e.message))
})
$('snapshot').addEventListener('click', () =>
  api('snapshot').then(
    answer => {
      const blob = new Blob([JSON.stringify(answer.snapshot, null, 1)], {type: 'application/json'})
      toast(`snapshot saved to ${answer.path}`, h('a', {href: URL.createObjectURL(blob), download: answer.path.split('/').pop()}, 'download'))
    },
    e => toast(`snapshot: ${e.message}`),
  ),
)
$('filter').addEventListener('input', () => logs())
for (const radio of document.querySelectorAll('input[name=source]')) radio.addEventListener('change', () => logs())
setInterval(() => {
  // Relative times in the history.
  if (state) {
    drawn.history = undefined
    schedule()
  }
}, 30_000)

if (!token) live('off', 'open the link draft printed (it carries the token after #token=)')
else follow()
