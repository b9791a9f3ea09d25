// Draws a case's diagram with bpmn-js (the viewer, served locally) and marks where the case
// has been (with how many times) and where it waits now. The page says the same in words.
const holder = document.getElementById('case-diagram')
if (holder && window.BpmnJS) {
  const viewer = new window.BpmnJS({ container: holder })
  const get = (url) => fetch(url, { credentials: 'same-origin' }).then((r) => {
    if (!r.ok) throw new Error(`${url}: ${r.status}`)
    return r
  })
  Promise.all([get(holder.dataset.xml).then((r) => r.text()), get(holder.dataset.state).then((r) => r.json())])
    .then(async ([xml, state]) => {
      await viewer.importXML(xml)
      const canvas = viewer.get('canvas')
      const overlays = viewer.get('overlays')
      const registry = viewer.get('elementRegistry')
      canvas.zoom('fit-viewport')
      for (const [id, count] of Object.entries(state.done)) {
        if (!registry.get(id)) continue
        canvas.addMarker(id, 'app-done')
        const badge = document.createElement('div')
        badge.className = 'app-diagram-count'
        badge.textContent = String(count)
        overlays.add(id, { position: { bottom: 0, right: 0 }, html: badge })
      }
      for (const id of state.current) {
        if (registry.get(id)) canvas.addMarker(id, state.error ? 'app-error' : 'app-current')
      }
      holder.dataset.ready = 'true'
    })
    .catch(() => {
      holder.textContent = 'The diagram could not be shown. The steps below say where the case is.'
    })
}
