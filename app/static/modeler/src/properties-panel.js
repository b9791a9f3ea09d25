// Our properties panel: plain, labelled GOV.UK form fields for what the engine reads, each
// change made through bpmn-js's modeling API so that it can be undone and is exported.
// (bpmn-js's own panel cannot show a custom provider's fields without its full framework.)
import { is, getBusinessObject } from 'bpmn-js/lib/util/ModelUtil'
import { h } from './dom.js'

const TIMER_KINDS = [
  ['timeDate', 'A date and time (timeDate)'],
  ['timeDuration', 'A length of time (timeDuration)'],
  ['timeCycle', 'A repeating cycle (timeCycle)']
]
const DUE_FIELDS = [
  ['dueInWorkingDays', 'Due in working days', 'A whole number, such as 3. Bank holidays and closure days are skipped.', 'numeric'],
  ['dueIn', 'Due in (ISO 8601 duration)', 'Calendar time, such as P5D for five days.'],
  ['dueDate', 'Due date expression', 'An expression giving an ISO date, such as panel_meeting_date.'],
  ['dueRule', 'Due date rule in words', 'Shown to the person doing the task, with where the rule comes from.'],
  ['assignTo', 'Assign to', 'An expression naming who gets the task: case_allocated_worker (the child’s allocated social worker) or initiator (who started the case).'],
  ['separateFrom', 'Keep apart from', 'Who may not do this step: initiator (the person who made the request) and/or the ids of earlier steps, such as initiator tm_review.']
]
const DECISION_FIELDS = [
  ['decisionOutcome', 'Outcome field', 'The form field holding the panel’s decision.'],
  ['decisionConditions', 'Conditions field', ''],
  ['decisionReturnDate', 'Return or review date field', ''],
  ['decisionActions', 'Actions field', '']
]
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*$/

/** A lane name as the engine's role key: "Team Manager" -> "team_manager". */
export function roleKey (name) {
  return (name || '').trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '')
}

/** Words for an element's kind: "bpmn:UserTask" -> "User task". */
export function kindOf (element) {
  const type = (getBusinessObject(element).$type || '').replace(/^bpmn:/, '')
  const words = type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/** How a person would name an element in a list: its name, kind and id. */
export function describe (element) {
  const bo = getBusinessObject(element)
  const name = (bo.name || '').trim()
  return name ? `${name} (${kindOf(element)}, ${bo.id})` : `${kindOf(element)} ${bo.id}`
}

export class PropertiesPanel {
  /**
   * @param {object} modeler the bpmn-js Modeler
   * @param {HTMLElement} holder where the panel's fields go
   * @param {{schemas: string[], ui_schemas: string[]}} forms files a user task may name
   */
  constructor (modeler, holder, forms) {
    this.modeler = modeler
    this.holder = holder
    this.forms = forms
    this.modeling = modeler.get('modeling')
    this.moddle = modeler.get('moddle')
    this.registry = modeler.get('elementRegistry')
    this.canvas = modeler.get('canvas')
    this.selection = modeler.get('selection')
    this.updating = false
    this.element = null
    this.pending = null
    const eventBus = modeler.get('eventBus')
    eventBus.on('selection.changed', ({ newSelection }) => {
      this.show(newSelection.length === 1 ? newSelection[0] : null)
    })
    // Changes made elsewhere (undo, typing a label on the canvas, a new diagram) redraw the
    // panel; our own edits do not, so the field being typed in keeps its focus and caret.
    eventBus.on('elements.changed', ({ elements }) => {
      if (this.updating) return
      const shown = this.element
      if (!shown || elements.some((e) => e === shown || e.businessObject === shown.businessObject)) {
        this.schedule()
      }
    })
    eventBus.on('commandStack.changed', () => { if (!this.updating) this.schedule() })
    eventBus.on('import.done', () => this.show(null))
  }

  schedule () {
    if (this.pending) return
    this.pending = setTimeout(() => {
      this.pending = null
      const element = this.element && this.registry.get(this.element.id)
      this.show(element || null, true)
    }, 0)
  }

  /** Run modeling calls as one edit from the panel (see the elements.changed listener). */
  edit (fn) {
    this.updating = true
    try {
      fn()
    } finally {
      this.updating = false
    }
  }

  /** The process the diagram's root stands for (a collaboration's executable participant). */
  process () {
    const root = this.canvas.getRootElement()
    const bo = root && getBusinessObject(root)
    if (!bo) return { shape: null, process: null }
    if (is(bo, 'bpmn:Process')) return { shape: root, process: bo }
    const participants = this.registry.filter((e) => is(e, 'bpmn:Participant') && e.businessObject.processRef)
    const chosen = participants.find((p) => p.businessObject.processRef.isExecutable) || participants[0]
    return chosen ? { shape: chosen, process: chosen.businessObject.processRef } : { shape: null, process: null }
  }

  show (element, keepFocus = false) {
    const focusedId = keepFocus && this.holder.contains(document.activeElement) ? document.activeElement.id : null
    this.element = element
    this.holder.replaceChildren(...this.fields(element))
    if (focusedId) document.getElementById(focusedId)?.focus()
  }

  fields (element) {
    const parts = [this.picker(element)]
    if (!element || element === this.canvas.getRootElement()) {
      parts.push(...this.processFields())
      return parts
    }
    const bo = getBusinessObject(element)
    parts.push(h('h3', { className: 'govuk-heading-s', id: 'properties-element-heading', tabindex: '-1' },
      `${kindOf(element)}: ${bo.id}`))
    if (is(element, 'bpmn:Label')) return parts
    if (is(bo, 'bpmn:TextAnnotation')) {
      parts.push(this.textField('prop-text', 'Text', bo.text, (value) =>
        this.modeling.updateProperties(element, { text: value || undefined }), { area: true }))
      return parts
    }
    if (is(bo, 'bpmn:Lane')) {
      const laneHint = (name) => name ? `Tasks in this lane go to the role ${roleKey(name) || '(none)'}.`
        : 'Name the lane for the role whose people do its tasks, such as Team Manager.'
      parts.push(this.textField('prop-name', 'Role (the lane’s name)', bo.name, (value) => {
        this.modeling.updateProperties(element, { name: value || undefined })
        document.getElementById('prop-name-hint').textContent = laneHint(value)
      }, { hint: laneHint(bo.name) }))
      return parts
    }
    parts.push(this.textField('prop-name', 'Name', bo.name,
      (value) => this.modeling.updateProperties(element, { name: value || undefined }),
      { hint: is(bo, 'bpmn:UserTask') ? 'People see this name in their inbox.' : null }))
    if (is(bo, 'bpmn:UserTask')) parts.push(...this.userTaskFields(element, bo))
    if (is(bo, 'bpmn:ScriptTask')) parts.push(...this.scriptFields(element, bo))
    const timer = (bo.eventDefinitions || []).find((d) => is(d, 'bpmn:TimerEventDefinition'))
    if (timer) parts.push(...this.timerFields(element, timer))
    if (is(bo, 'bpmn:SequenceFlow') && isAnyGateway(bo.sourceRef)) parts.push(...this.conditionFields(element, bo))
    return parts
  }

  picker (element) {
    const choices = this.registry.filter((e) => !e.labelTarget && e !== this.canvas.getRootElement() &&
      !is(e, 'bpmn:Association') && e.type !== 'label')
    choices.sort((a, b) => describe(a).localeCompare(describe(b)))
    const select = h('select', { className: 'govuk-select app-modeler__picker', id: 'prop-element' },
      h('option', { value: '', text: 'The whole process' }),
      choices.map((e) => h('option', { value: e.id, selected: element && e.id === element.id, text: describe(e) })))
    select.addEventListener('change', () => {
      const chosen = select.value && this.registry.get(select.value)
      if (chosen) {
        this.selection.select(chosen)
        this.canvas.scrollToElement(chosen)
      } else {
        this.selection.select(null)
      }
      document.getElementById('prop-element')?.focus()
    })
    return h('div', { className: 'govuk-form-group' },
      h('label', { className: 'govuk-label govuk-label--s', for: 'prop-element', text: 'Element' }),
      h('div', { className: 'govuk-hint', id: 'prop-element-hint', text: 'Choose an element here or click it on the diagram.' }),
      withHint(select, 'prop-element-hint'))
  }

  processFields () {
    const { shape, process } = this.process()
    if (!process) {
      return [h('p', { className: 'govuk-body', text: 'This diagram has no process to edit.' })]
    }
    const update = (props) => {
      if (shape === this.canvas.getRootElement() && 'id' in props) this.modeling.updateProperties(shape, props)
      else this.modeling.updateModdleProperties(shape, process, props)
    }
    const ids = this.moddle.ids
    return [
      h('h3', { className: 'govuk-heading-s', id: 'properties-element-heading', tabindex: '-1', text: 'The process' }),
      this.textField('prop-process-id', 'Process id', process.id, (value, field) => {
        if (!NAME_PATTERN.test(value)) return 'Enter an id that starts with a letter and uses only letters, digits, _ . or -'
        if (value !== process.id && ids && ids.assigned(value)) return `Another element already has the id ${value}`
        update({ id: value })
      }, { hint: 'The model’s key: a new version must keep it. Letters, digits and underscores.' }),
      this.textField('prop-process-name', 'Process name', process.name,
        (value) => update({ name: value || undefined }), { hint: 'The name people choose when they start a request.' }),
      this.checkbox('prop-executable', 'The engine runs this process (isExecutable)', Boolean(process.isExecutable),
        (checked) => update({ isExecutable: checked }))
    ]
  }

  userTaskFields (element, bo) {
    const lane = this.laneOf(bo)
    const parts = [h('p', { className: 'govuk-body-s', id: 'prop-role' },
      lane && lane.name ? `Done by the role ${roleKey(lane.name)} (lane “${lane.name}”).`
        : 'This task is in no lane, so no role can do it: move it into a lane named for a role.')]
    parts.push(h('fieldset', { className: 'govuk-fieldset' },
      h('legend', { className: 'govuk-fieldset__legend govuk-fieldset__legend--s', text: 'Form' }),
      this.fileSelect('prop-form', 'Form file (JSON Schema)', this.forms.schemas, this.property(bo, 'formJsonSchemaFilename'),
        (value) => this.setProperty(element, 'formJsonSchemaFilename', value)),
      this.fileSelect('prop-ui-schema', 'UI schema file (optional)', this.forms.ui_schemas, this.property(bo, 'formUiSchemaFilename'),
        (value) => this.setProperty(element, 'formUiSchemaFilename', value)),
      this.textField('prop-instructions', 'Instructions', this.instructions(bo),
        (value) => this.setInstructions(element, value), { area: true, hint: 'Shown above the form.' })))
    parts.push(h('fieldset', { className: 'govuk-fieldset' },
      h('legend', { className: 'govuk-fieldset__legend govuk-fieldset__legend--s', text: 'Due date' }),
      DUE_FIELDS.map(([name, label, hint, inputmode]) => this.textField(`prop-${name}`, label, this.property(bo, name),
        (value) => {
          if (name === 'dueInWorkingDays' && value && !/^\d+$/.test(value)) return 'Enter a whole number of working days, such as 3'
          this.setProperty(element, name, value)
        }, { hint, inputmode }))))
    parts.push(h('fieldset', { className: 'govuk-fieldset' },
      h('legend', { className: 'govuk-fieldset__legend govuk-fieldset__legend--s', text: 'Panel decision (only for a panel’s decision task)' }),
      DECISION_FIELDS.map(([name, label, hint]) => this.textField(`prop-${name}`, label, this.property(bo, name),
        (value) => this.setProperty(element, name, value), { hint }))))
    return parts
  }

  scriptFields (element, bo) {
    return [this.textField('prop-script', 'Script (Python)', bo.script,
      (value) => this.modeling.updateProperties(element, { script: value || undefined }),
      { area: true, rows: 10, code: true, hint: 'Runs in the engine’s restricted Python; it reads and sets the case’s data.' })]
  }

  timerFields (element, timer) {
    const current = TIMER_KINDS.map(([kind]) => kind).find((kind) => timer[kind]) || 'timeDate'
    const body = timer[current] ? timer[current].body : ''
    const setTimer = (kind, text) => {
      const props = { timeDate: undefined, timeDuration: undefined, timeCycle: undefined }
      if (text) {
        props[kind] = this.moddle.create('bpmn:FormalExpression', { body: text })
        props[kind].$parent = timer
      }
      this.modeling.updateModdleProperties(element, timer, props)
    }
    const kindSelect = h('select', { className: 'govuk-select', id: 'prop-timer-kind' },
      TIMER_KINDS.map(([kind, label]) => h('option', { value: kind, selected: kind === current, text: label })))
    kindSelect.addEventListener('change', () => {
      this.edit(() => setTimer(kindSelect.value, document.getElementById('prop-timer')?.value.trim()))
      this.show(element, true)
    })
    return [
      h('div', { className: 'govuk-form-group' },
        h('label', { className: 'govuk-label', for: 'prop-timer-kind', text: 'Kind of timer' }), kindSelect),
      this.textField('prop-timer', 'Timer expression', body, (value) => setTimer(current, value), {
        hint: 'A Python expression giving an ISO 8601 value. Put literals in quotes, such as "P5D" or "2027-01-31T09:00:00+00:00".',
        code: true
      })
    ]
  }

  conditionFields (element, bo) {
    const gatewayShape = this.registry.get(bo.sourceRef.id)
    const isDefault = bo.sourceRef.default === bo
    const parts = []
    if (!is(bo.sourceRef, 'bpmn:ParallelGateway') && !is(bo.sourceRef, 'bpmn:EventBasedGateway')) {
      parts.push(this.checkbox('prop-default', 'The gateway’s default flow (taken when no condition holds)', isDefault,
        (checked) => this.modeling.updateProperties(gatewayShape, { default: checked ? bo : undefined })))
      if (!isDefault) {
        const expression = bo.conditionExpression ? bo.conditionExpression.body : ''
        parts.push(this.textField('prop-condition', 'Condition expression', expression, (value) => {
          const condition = value ? this.moddle.create('bpmn:FormalExpression', { body: value }) : undefined
          if (condition) condition.$parent = bo
          this.modeling.updateProperties(element, { conditionExpression: condition })
        }, { area: true, rows: 3, code: true, hint: 'A Python expression over the case’s data, such as tm_review_outcome == "endorse".' }))
      }
    }
    return parts
  }

  laneOf (bo) {
    const lanes = this.registry.filter((e) => is(e, 'bpmn:Lane'))
    const found = lanes.find((lane) => (lane.businessObject.flowNodeRef || []).includes(bo))
    return found ? found.businessObject : null
  }

  // --- extension elements of the spiffworkflow namespace -------------------------------------

  extension (bo, type) {
    return ((bo.extensionElements && bo.extensionElements.get('values')) || []).find((v) => is(v, type))
  }

  property (bo, name) {
    const props = this.extension(bo, 'spiffworkflow:Properties')
    const found = props && props.get('properties').find((p) => p.name === name)
    return found ? found.value : ''
  }

  instructions (bo) {
    const found = this.extension(bo, 'spiffworkflow:InstructionsForEndUser')
    return found ? found.value || '' : ''
  }

  ensureExtension (element, type, attrs) {
    const bo = getBusinessObject(element)
    let container = bo.extensionElements
    if (!container) {
      container = this.moddle.create('bpmn:ExtensionElements', { values: [] })
      container.$parent = bo
      this.modeling.updateModdleProperties(element, bo, { extensionElements: container })
    }
    let found = container.get('values').find((v) => is(v, type))
    if (!found) {
      found = this.moddle.create(type, attrs)
      found.$parent = container
      this.modeling.updateModdleProperties(element, container, { values: [...container.get('values'), found] })
    }
    return found
  }

  removeExtension (element, extension) {
    const container = getBusinessObject(element).extensionElements
    this.modeling.updateModdleProperties(element, container,
      { values: container.get('values').filter((v) => v !== extension) })
  }

  setProperty (element, name, value) {
    const bo = getBusinessObject(element)
    const existing = this.extension(bo, 'spiffworkflow:Properties')
    const found = existing && existing.get('properties').find((p) => p.name === name)
    if (!value) {
      if (!found) return
      const rest = existing.get('properties').filter((p) => p !== found)
      if (rest.length) this.modeling.updateModdleProperties(element, existing, { properties: rest })
      else this.removeExtension(element, existing)
      return
    }
    if (found) {
      this.modeling.updateModdleProperties(element, found, { value })
      return
    }
    const props = this.ensureExtension(element, 'spiffworkflow:Properties', { properties: [] })
    const created = this.moddle.create('spiffworkflow:Property', { name, value })
    created.$parent = props
    this.modeling.updateModdleProperties(element, props, { properties: [...props.get('properties'), created] })
  }

  setInstructions (element, value) {
    const existing = this.extension(getBusinessObject(element), 'spiffworkflow:InstructionsForEndUser')
    if (!value) {
      if (existing) this.removeExtension(element, existing)
      return
    }
    if (existing) this.modeling.updateModdleProperties(element, existing, { value })
    else this.ensureExtension(element, 'spiffworkflow:InstructionsForEndUser', { value })
  }

  // --- fields ------------------------------------------------------------------------------------

  /** A labelled input whose `apply(value)` may return an error message to show instead. */
  textField (id, label, value, apply, { hint = null, area = false, rows = 4, code = false, inputmode = null } = {}) {
    const hintId = hint ? `${id}-hint` : null
    const errorId = `${id}-error`
    const input = area
      ? h('textarea', { className: `govuk-textarea${code ? ' app-modeler__code' : ''}`, id, name: id, rows: String(rows), spellcheck: code ? 'false' : null })
      : h('input', { className: `govuk-input${code ? ' app-modeler__code' : ''}`, id, name: id, type: 'text', inputmode, spellcheck: code ? 'false' : null })
    input.value = value || ''
    const group = h('div', { className: 'govuk-form-group' },
      h('label', { className: 'govuk-label', for: id, text: label }),
      hint ? h('div', { className: 'govuk-hint', id: hintId, text: hint }) : null)
    const error = h('p', { className: 'govuk-error-message', id: errorId, hidden: true })
    group.append(error, withHint(input, hintId))
    input.addEventListener('change', () => {
      // Scripts keep their leading indentation; other text is trimmed.
      const text = code && area ? input.value.replace(/\s+$/, '') : input.value.trim()
      let problem
      this.edit(() => { problem = apply(text, input) })
      showFieldError(group, input, error, problem, hintId)
    })
    return group
  }

  fileSelect (id, label, files, value, apply) {
    const options = [h('option', { value: '', text: 'None' })]
    if (value && !files.includes(value)) {
      options.push(h('option', { value, selected: true, text: `${value} (not in forms/)` }))
    }
    for (const file of files) options.push(h('option', { value: file, selected: file === value, text: file }))
    const select = h('select', { className: 'govuk-select app-modeler__wide', id, name: id }, options)
    select.addEventListener('change', () => this.edit(() => apply(select.value)))
    return h('div', { className: 'govuk-form-group' },
      h('label', { className: 'govuk-label', for: id, text: label }), select)
  }

  checkbox (id, label, checked, apply) {
    const input = h('input', { className: 'govuk-checkboxes__input', id, name: id, type: 'checkbox', checked })
    input.addEventListener('change', () => {
      this.edit(() => apply(input.checked))
      this.show(this.element, true)
    })
    return h('div', { className: 'govuk-form-group' },
      h('div', { className: 'govuk-checkboxes govuk-checkboxes--small' },
        h('div', { className: 'govuk-checkboxes__item' }, input,
          h('label', { className: 'govuk-label govuk-checkboxes__label', for: id, text: label }))))
  }
}

function isAnyGateway (bo) {
  return Boolean(bo) && is(bo, 'bpmn:Gateway')
}

function withHint (input, hintId) {
  if (hintId) input.setAttribute('aria-describedby', hintId)
  return input
}

function showFieldError (group, input, error, problem, hintId) {
  error.hidden = !problem
  error.textContent = ''
  if (problem) {
    const prefix = h('span', { className: 'govuk-visually-hidden', text: 'Error: ' })
    error.append(prefix, problem)
  }
  group.classList.toggle('govuk-form-group--error', Boolean(problem))
  input.classList.toggle('govuk-input--error', Boolean(problem) && input.tagName === 'INPUT')
  input.classList.toggle('govuk-textarea--error', Boolean(problem) && input.tagName === 'TEXTAREA')
  input.setAttribute('aria-describedby', [hintId, problem ? error.id : null].filter(Boolean).join(' '))
  if (!input.getAttribute('aria-describedby')) input.removeAttribute('aria-describedby')
}
