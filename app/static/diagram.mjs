// Draws a pathway's diagram with bpmn-js (the viewer, served locally) and marks steps on it:
// a case's progress (done, with counts; waiting; failed) or a pathway's heatmap (how many
// wait at each step, and for how long). The page says the same in words beside it.
const adapters = {
  case: (state) => ({
    marks: [...Object.keys(state.done).map((id) => [id, 'app-done']),
      ...state.current.map((id) => [id, state.error ? 'app-error' : 'app-current'])],
    badges: Object.entries(state.done).map(([id, count]) => [id, String(count)])
  }),
  migration: (state) => ({
    marks: Object.keys(state.waiting).map((id) => [id, state.blocked.includes(id) ? 'app-error' : 'app-current']),
    badges: Object.entries(state.waiting).map(([id, count]) => [id, `${count} waiting`])
  }),
  heatmap: (steps) => ({
    marks: Object.keys(steps).map((id) => [id, 'app-current']),
    badges: Object.entries(steps).map(([id, f]) => [id, `${f.waiting} waiting · ${f.median_days} ${f.median_days === 1 ? 'day' : 'days'}`])
  })
}

const get = (url) => fetch(url, { credentials: 'same-origin' }).then((r) => {
  if (!r.ok) throw new Error(`${url}: ${r.status}`)
  return r
})

for (const holder of document.querySelectorAll('[data-diagram]')) {
  if (!window.BpmnJS) break
  const viewer = new window.BpmnJS({ container: holder })
  // A page may carry the state itself (data-state-inline) instead of a URL to fetch it from.
  const state = holder.dataset.stateInline
    ? Promise.resolve(JSON.parse(holder.dataset.stateInline))
    : get(holder.dataset.state).then((r) => r.json())
  Promise.all([get(holder.dataset.xml).then((r) => r.text()), state])
    .then(async ([xml, state]) => {
      await viewer.importXML(xml)
      const canvas = viewer.get('canvas')
      const overlays = viewer.get('overlays')
      const registry = viewer.get('elementRegistry')
      canvas.zoom('fit-viewport')
      const { marks, badges } = adapters[holder.dataset.diagram](state)
      for (const [id, marker] of marks) {
        if (registry.get(id)) canvas.addMarker(id, marker)
      }
      for (const [id, text] of badges) {
        if (!registry.get(id)) continue
        const badge = document.createElement('div')
        badge.className = 'app-diagram-count'
        badge.textContent = text
        overlays.add(id, { position: { bottom: 0, right: 0 }, html: badge })
      }
      holder.dataset.ready = 'true'
    })
    .catch(() => {
      holder.textContent = 'The diagram could not be shown. The page below says the same in words.'
    })
}
