// The process owners' modeler page: bpmn-js's modeler with our properties panel, bpmnlint
// while drawing, the server's checks on Validate, download, upload and deploy.
import 'bpmn-js/dist/assets/diagram-js.css'
import 'bpmn-js/dist/assets/bpmn-js.css'
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn.css'
import './modeler.css'

import Modeler from 'bpmn-js/lib/Modeler'

import { BLANK_DIAGRAM } from './blank.js'
import { lint } from './lint.js'
import { PropertiesPanel, describe } from './properties-panel.js'
import spiffworkflow from './spiffworkflow.json'
import { h } from './dom.js'

const $ = (id) => document.getElementById(id)

const root = $('modeler')
const data = JSON.parse($('modeler-data').textContent)
const csrf = document.querySelector('#deploy-form input[name=csrf_token]').value
const modeler = new Modeler({ container: $('modeler-canvas'), moddleExtensions: { spiffworkflow } })
const canvas = modeler.get('canvas')
const registry = modeler.get('elementRegistry')
const selection = modeler.get('selection')
const panel = new PropertiesPanel(modeler, $('properties-body'), data.forms)

const state = {
  importError: null, // the file could not be opened at all
  importWarnings: [],
  lint: [],
  server: [], // the server's problems from the last check
  serverChecked: false,
  busy: false,
  unsaved: false, // changed since opened, deployed or downloaded
  changes: 0,
  changedSinceCheck: false,
  marked: [],
  focused: null
}
let imports = 0
let checks = 0

// --- problems ----------------------------------------------------------------------------------

function problemItems () {
  const errors = []
  const warnings = []
  if (state.importError) errors.push({ message: state.importError })
  for (const p of state.server) errors.push({ elementId: p.element_id, message: p.message })
  for (const p of state.lint) {
    const item = { elementId: p.elementId, message: `${p.message} (rule ${p.rule})` }
    ;(p.severity === 'error' ? errors : warnings).push(item)
  }
  for (const w of state.importWarnings) warnings.push({ elementId: w.elementId, message: w.message })
  return { errors, warnings }
}

/**
 * The shape to show for a problem's element id. The engine names the innermost element with
 * an id, which may have no shape of its own: a pool's process, an event's timer definition,
 * or a data store (shown by its references).
 */
function elementFor (elementId) {
  if (!elementId) return null
  const direct = registry.get(elementId)
  if (direct) return direct
  const owner = registry.filter((e) => {
    const bo = e.businessObject
    if (!bo || e.labelTarget) return false
    if (bo.processRef && bo.processRef.id === elementId) return true
    return [...(bo.eventDefinitions || []), bo.loopCharacteristics, bo.conditionExpression,
      bo.dataStoreRef, bo.dataObjectRef]
      .some((inner) => inner && inner.id === elementId)
  })
  return owner[0] || null
}

function label (elementId) {
  const element = elementFor(elementId)
  if (!element) return elementId || null
  return element === canvas.getRootElement() ? `Process ${elementId}` : describe(element)
}

function problemEntry (item) {
  const who = label(item.elementId)
  const text = who ? `${who}: ${item.message}` : item.message
  const element = elementFor(item.elementId)
  if (!element) return h('li', {}, text)
  const link = h('a', { href: '#modeler-canvas', 'data-element-id': element.id, text })
  link.addEventListener('click', (event) => {
    event.preventDefault()
    selectProblem(element.id)
  })
  return h('li', {}, link)
}

function selectProblem (elementId) {
  const element = registry.get(elementId)
  if (state.focused && registry.get(state.focused)) canvas.removeMarker(state.focused, 'app-problem-focus')
  state.focused = null
  if (element && element !== canvas.getRootElement()) {
    selection.select(element)
    // A whole pathway fitted in view is too small to read: come close enough to see the step.
    if (canvas.zoom() < 0.8) canvas.zoom(1)
    canvas.scrollToElement(element, { top: 120, bottom: 120, left: 120, right: 120 })
    canvas.addMarker(elementId, 'app-problem-focus')
    state.focused = elementId
  } else {
    selection.select(null)
  }
  // The fields to fix it are in the properties panel, now showing this element.
  $('properties-element-heading')?.focus()
}

function mark (errors, warnings) {
  for (const [id, marker] of state.marked) {
    if (registry.get(id)) canvas.removeMarker(id, marker)
  }
  state.marked = []
  const rootElement = canvas.getRootElement()
  for (const [items, marker] of [[errors, 'app-problem'], [warnings, 'app-warning']]) {
    for (const item of items) {
      const element = elementFor(item.elementId)
      if (!element || element === rootElement) continue
      canvas.addMarker(element, marker)
      state.marked.push([element.id, marker])
    }
  }
}

function deployBlocked (errors) {
  return state.busy || !state.serverChecked || errors.length > 0
}

function render ({ focus = false } = {}) {
  const { errors, warnings } = problemItems()
  // Drawing the summary again (a lint pass after Validate, say) must not take the focus away
  // from it: a keyboard or screen reader user would be left nowhere.
  const hadFocus = document.activeElement?.id === 'problems-summary'
  const summary = $('modeler-problems')
  summary.replaceChildren()
  if (errors.length) {
    const title = errors.length === 1 ? 'There is a problem with this diagram'
      : `There are ${errors.length} problems with this diagram`
    summary.append(h('div', { className: 'govuk-error-summary', id: 'problems-summary', tabindex: '-1' },
      h('div', { role: 'alert' },
        h('h2', { className: 'govuk-error-summary__title', text: title }),
        h('div', { className: 'govuk-error-summary__body' },
          h('p', { className: 'govuk-body', text: 'It cannot be deployed until these are fixed. Choose a problem to select its element on the diagram.' }),
          state.changedSinceCheck ? h('p', { className: 'govuk-body', text: 'The diagram has changed since the last check: press Validate to check it again.' }) : null,
          h('ul', { className: 'govuk-list govuk-error-summary__list' }, errors.map(problemEntry))))))
  } else if (state.serverChecked) {
    summary.append(h('div', { className: 'govuk-inset-text app-modeler__ok', id: 'problems-none', role: 'status' },
      state.changedSinceCheck ? 'No problems found at the last check. Press Validate to check your changes too.'
        : 'No problems found: the engine can run this diagram.'))
  }
  if (warnings.length) {
    summary.append(h('details', { className: 'govuk-details', id: 'problems-warnings' },
      h('summary', { className: 'govuk-details__summary' },
        h('span', { className: 'govuk-details__summary-text', text: `${warnings.length} ${warnings.length === 1 ? 'warning' : 'warnings'} (they do not stop a deploy)` })),
      h('div', { className: 'govuk-details__text' },
        h('ul', { className: 'govuk-list govuk-list--bullet' }, warnings.map(problemEntry)))))
  }
  mark(errors, warnings)
  const blocked = deployBlocked(errors)
  const button = $('deploy-button')
  button.disabled = blocked
  button.setAttribute('aria-disabled', String(blocked))
  $('deploy-blocked').hidden = !blocked || state.busy
  if ((focus || hadFocus) && errors.length) $('problems-summary').focus()
}

// --- checks ------------------------------------------------------------------------------------

let lintTimer = null
async function runLint () {
  const definitions = modeler.getDefinitions()
  state.lint = definitions ? await lint(definitions) : []
}

function scheduleLint () {
  clearTimeout(lintTimer)
  lintTimer = setTimeout(async () => {
    await runLint()
    render()
  }, 250)
}

async function currentXml () {
  const { xml } = await modeler.saveXML({ format: true })
  return xml
}

function xmlForm (xml, extra = {}) {
  const form = new FormData()
  form.append('csrf_token', csrf)
  // Sent as a file part: large diagrams go past the size limit of an ordinary form field.
  form.append('xml', new Blob([xml], { type: 'application/xml' }), 'diagram.bpmn')
  for (const [key, value] of Object.entries(extra)) form.append(key, value)
  return form
}

async function post (url, form) {
  const response = await fetch(url, {
    method: 'POST', body: form, credentials: 'same-origin', headers: { Accept: 'application/json' }
  })
  let body = null
  try {
    body = await response.json()
  } catch {
    body = null
  }
  return { status: response.status, body }
}

function setBusy (busy, message = '') {
  state.busy = busy
  root.setAttribute('aria-busy', String(busy))
  $('validate-button').disabled = busy
  $('modeler-progress').textContent = message
}

async function validate ({ focus = true } = {}) {
  setBusy(true, 'Checking the diagram…')
  const checking = state.changes
  try {
    if (state.importError) {
      state.server = []
    } else {
      const { status, body } = await post(data.validate_url, xmlForm(await currentXml()))
      state.server = status === 200 && body ? body.errors
        : [{ element_id: null, message: `The server could not check the diagram (status ${status}). Reload the page and try again.` }]
      state.serverChecked = status === 200
    }
    // Edits made while the server was checking are not in what it checked.
    state.changedSinceCheck = state.changes !== checking
    await runLint()
  } catch (error) {
    state.server = [{ element_id: null, message: `The diagram could not be checked: ${error.message}` }]
  } finally {
    setBusy(false)
    checks += 1
    root.dataset.checks = String(checks)
    render({ focus })
  }
}

// --- open, download, deploy ------------------------------------------------------------------

async function open (xml, source) {
  state.importError = null
  state.importWarnings = []
  state.server = []
  state.serverChecked = false
  state.lint = []
  state.focused = null
  $('modeler-status').replaceChildren()
  try {
    const { warnings } = await modeler.importXML(xml)
    state.importWarnings = warnings.map((w) => ({ message: w.message, elementId: w.element && w.element.id }))
    fit()
    $('modeler-progress').textContent = source ? `Opened ${source}.` : ''
  } catch (error) {
    state.importError = `${source || 'The diagram'} could not be opened: ${error.message}`
    state.importWarnings = (error.warnings || []).map((w) => ({ message: w.message, elementId: w.element && w.element.id }))
  }
  imports += 1
  root.dataset.imports = String(imports)
  root.dataset.importFailed = String(Boolean(state.importError))
  await validate({ focus: false })
}

// Fit the whole diagram in view, clear of the palette that floats over the canvas's left side.
function fit () {
  const container = $('modeler-canvas')
  const palette = container.querySelector('.djs-palette')
  const reserve = palette ? palette.getBoundingClientRect().right - container.getBoundingClientRect().left + 20 : 20
  const { inner, outer } = canvas.viewbox()
  if (!inner.width || !inner.height || !outer.width) return
  const scale = Math.min((outer.width - reserve - 20) / inner.width, (outer.height - 40) / inner.height, 1)
  canvas.viewbox({
    x: inner.x - reserve / scale,
    y: inner.y - (outer.height / scale - inner.height) / 2,
    width: outer.width / scale,
    height: outer.height / scale
  })
}

async function download () {
  const xml = await currentXml()
  state.unsaved = false
  const definitions = modeler.getDefinitions()
  const process = (definitions.rootElements || []).find((e) => e.$type === 'bpmn:Process' && e.isExecutable) ||
    (definitions.rootElements || []).find((e) => e.$type === 'bpmn:Process')
  const link = h('a', { href: URL.createObjectURL(new Blob([xml], { type: 'application/xml' })), download: `${(process && process.id) || 'diagram'}.bpmn`, hidden: true })
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(link.href), 10000)
}

function noteError (message) {
  const group = $('change-note-group')
  const error = $('change-note-error')
  group.classList.toggle('govuk-form-group--error', Boolean(message))
  $('change-note').classList.toggle('govuk-textarea--error', Boolean(message))
  error.hidden = !message
  error.replaceChildren(h('span', { className: 'govuk-visually-hidden', text: 'Error: ' }), message || '')
  $('change-note').setAttribute('aria-describedby', message ? 'change-note-hint change-note-error' : 'change-note-hint')
}

function deployed (body) {
  const banner = h('div', {
    className: 'govuk-notification-banner govuk-notification-banner--success',
    role: 'alert', 'aria-labelledby': 'deployed-title', tabindex: '-1', id: 'deployed-banner'
  },
  h('div', { className: 'govuk-notification-banner__header' },
    h('h2', { className: 'govuk-notification-banner__title', id: 'deployed-title', text: 'Success' })),
  h('div', { className: 'govuk-notification-banner__content' },
    h('h3', { className: 'govuk-notification-banner__heading', text: `Version ${body.version} of ${body.name} is deployed` }),
    h('p', { className: 'govuk-body' },
      'New requests follow it; cases already running finish on the version they started on. ',
      h('a', { className: 'govuk-notification-banner__link', href: body.edit_url, text: `Open version ${body.version}` }),
      '.')))
  $('modeler-status').replaceChildren(banner)
  banner.focus()
}

async function deploy (event) {
  event.preventDefault()
  const { errors } = problemItems()
  if (deployBlocked(errors)) return
  const note = $('change-note').value.trim()
  if (!note) {
    noteError('Enter a change note saying what changed and why')
    $('change-note').focus()
    return
  }
  noteError(null)
  setBusy(true, 'Deploying…')
  render()
  let result
  try {
    result = await post(data.deploy_url, xmlForm(await currentXml(), { change_note: note }))
  } catch (error) {
    result = { status: 0, body: { errors: [{ element_id: null, message: `The diagram could not be sent: ${error.message}` }] } }
  }
  setBusy(false)
  if (result.status === 201) {
    state.unsaved = false
    $('change-note').value = ''
    state.server = []
    deployed(result.body)
    render()
    return
  }
  const problems = (result.body && result.body.errors) || []
  const noteProblem = problems.find((p) => p.field === 'change_note')
  if (noteProblem) {
    noteError(noteProblem.message)
    render()
    $('change-note').focus()
    return
  }
  state.server = problems.length ? problems
    : [{ element_id: null, message: `The diagram was not deployed (status ${result.status}). Reload the page and try again.` }]
  render({ focus: true })
}

// --- wiring --------------------------------------------------------------------------------------

modeler.get('eventBus').on('commandStack.changed', () => {
  state.unsaved = modeler.get('commandStack').canUndo()
  state.changes += 1
  state.changedSinceCheck = true
  scheduleLint()
})
// Leaving with changes that were neither deployed nor downloaded loses them: ask first.
window.addEventListener('beforeunload', (event) => {
  if (state.unsaved) event.preventDefault()
})
$('validate-button').addEventListener('click', () => validate())
$('download-button').addEventListener('click', download)
$('upload-file').addEventListener('change', async (event) => {
  const file = event.target.files[0]
  if (!file) return
  await open(await file.text(), file.name)
})
$('deploy-form').addEventListener('submit', deploy)
panel.show(null)
open(data.xml || BLANK_DIAGRAM, null)
