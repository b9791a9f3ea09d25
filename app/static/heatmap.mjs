// A pathway's diagram with, on each step where cases wait now, how many and the median wait.
const holder = document.getElementById('heatmap')
if (holder && window.BpmnJS) {
  const viewer = new window.BpmnJS({ container: holder })
  const get = (url) => fetch(url, { credentials: 'same-origin' }).then((r) => {
    if (!r.ok) throw new Error(`${url}: ${r.status}`)
    return r
  })
  Promise.all([get(holder.dataset.xml).then((r) => r.text()), get(holder.dataset.state).then((r) => r.json())])
    .then(async ([xml, steps]) => {
      await viewer.importXML(xml)
      const canvas = viewer.get('canvas')
      const overlays = viewer.get('overlays')
      const registry = viewer.get('elementRegistry')
      canvas.zoom('fit-viewport')
      for (const [id, figures] of Object.entries(steps)) {
        if (!registry.get(id)) continue
        canvas.addMarker(id, 'app-current')
        const badge = document.createElement('div')
        badge.className = 'app-diagram-count'
        badge.textContent = `${figures.waiting} · ${figures.median_days} d`
        overlays.add(id, { position: { bottom: 0, right: 0 }, html: badge })
      }
      holder.dataset.ready = 'true'
    })
    .catch(() => {
      holder.textContent = 'The diagram could not be shown. The table below has the figures.'
    })
}
