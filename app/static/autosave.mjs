// Autosave for a task form: after a change, the form goes to its draft endpoint when the
// person leaves the field, or after AUTOSAVE seconds of typing, and a polite status says when
// it was saved. Without JavaScript the page works as before (Save as draft).

const form = document.querySelector('form[data-autosave-url]')
const status = form && document.getElementById(form.dataset.autosaveStatus)

if (form && status && window.fetch && window.FormData) {
  const interval = Number(form.dataset.autosaveSeconds || 30) * 1000
  let dirty = false
  let submitting = false
  let timer = null
  let soon = null
  let queue = Promise.resolve()
  let sending = 0

  const show = (text) => { status.textContent = text }
  const clock = () => new Date().toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })

  // Files go up only with Submit or Save as draft: a draft saved as the person types carries
  // the answers, not a 10 MB file each time (and the draft route keeps the small body limit).
  function answers () {
    const body = new FormData()
    for (const [name, value] of new FormData(form)) {
      if (!(value instanceof File)) body.append(name, value)
    }
    return body
  }

  async function send (ending) {
    if (!dirty || submitting) return
    dirty = false
    let response
    try {
      response = await fetch(form.dataset.autosaveUrl, {
        method: 'POST', body: answers(), credentials: 'same-origin',
        headers: { Accept: 'application/json' }
      })
    } catch (error) {
      dirty = true
      show('Your draft could not be saved automatically. Check your connection, then use Save as draft.')
      return
    }
    let answer = {}
    try { answer = await response.json() } catch (error) { answer = {} }
    if (response.ok) {
      document.dispatchEvent(new CustomEvent('app:session-activity'))
      show(`Draft saved at ${clock()}.` + (answer.fixing ? ` ${answer.fixing}.` : ''))
    } else if (response.status === 401) {
      if (ending) ending.signIn = answer.sign_in
      show(answer.kept
        ? 'You have been signed out. Your answers have been kept: sign in again to carry on.'
        : 'You have been signed out. Sign in again, then save your answers.')
    } else {
      dirty = true
      show(answer.message
        ? `Your draft could not be saved: ${answer.message}`
        : 'Your draft could not be saved automatically. Use Save as draft.')
    }
  }

  const save = (ending) => {
    clearTimeout(timer)
    clearTimeout(soon)
    timer = soon = null
    sending += 1
    queue = queue.then(() => send(ending)).finally(() => { sending -= 1 })
    return queue
  }

  const changed = () => {
    if (submitting) return
    dirty = true
    if (!timer) timer = setTimeout(save, interval)
  }

  form.addEventListener('input', changed)
  form.addEventListener('change', changed)
  // Leaving a field saves, unless the person is pressing Submit or Save as draft, or the
  // timeout warning took the focus (saving then would renew the session it warns about).
  form.addEventListener('focusout', (event) => {
    const to = event.relatedTarget
    if (to && to.closest && to.closest('dialog')) return
    if (dirty && !submitting) soon = setTimeout(save, 300)
  })
  form.addEventListener('submit', (event) => {
    clearTimeout(timer)
    clearTimeout(soon)
    if (!submitting && sending > 0) {
      // An autosave is on its way: let it land first, so it cannot overwrite what is sent now.
      event.preventDefault()
      submitting = true
      const submitter = event.submitter
      queue.then(() => form.requestSubmit(submitter))
      return
    }
    submitting = true
  })
  document.addEventListener('app:session-ended', (event) => {
    if (dirty && !submitting) event.detail.waits.push(save(event.detail))
  })
}
