// The GOV.UK timeout warning: a modal dialog some minutes before an idle session ends.
// "Stay signed in" (or Escape) renews the session; when the time is up, anything a page wants
// to keep is sent first (see autosave.mjs), then the person goes to the sign-in page.
// Activity elsewhere on the page (an autosave) renews the session too: it says so with the
// `app:session-activity` event.

const dialog = document.getElementById('app-timeout-warning')

function minutesOrSeconds (ms, exact) {
  const seconds = Math.max(0, Math.ceil(ms / 1000))
  if (seconds >= 60) {
    const minutes = Math.ceil(seconds / 60)
    return minutes === 1 ? '1 minute' : `${minutes} minutes`
  }
  // Spoken less often than shown: every 15 seconds in the last minute.
  const said = exact ? seconds : Math.ceil(seconds / 15) * 15
  return said === 1 ? '1 second' : `${said} seconds`
}

if (dialog && typeof dialog.showModal === 'function') {
  const timeout = Number(dialog.dataset.timeoutSeconds) * 1000
  const warning = Number(dialog.dataset.warningSeconds) * 1000
  const signInUrl = dialog.dataset.signInUrl
  const form = dialog.querySelector('form')
  const shown = dialog.querySelector('.app-timeout-countdown')
  const spoken = dialog.querySelector('.app-timeout-spoken')
  const live = dialog.querySelector('.app-timeout-live')
  const margin = 1000 // the server's clock started a little earlier than this page's
  let lastActivity = Date.now()
  let warnTimer = null
  let tick = null
  let returnFocus = null
  let lastSaid = ''
  let ending = false

  const left = () => lastActivity + timeout + margin - Date.now()

  const schedule = () => {
    clearTimeout(warnTimer)
    warnTimer = setTimeout(warn, Math.max(0, left() - warning - margin))
  }

  const update = (opening) => {
    const remaining = left()
    shown.textContent = minutesOrSeconds(remaining, true)
    const said = minutesOrSeconds(remaining, false)
    if (said !== lastSaid) {
      lastSaid = said
      spoken.textContent = said
      if (!opening) live.textContent = `We will sign you out in ${said}.`
    }
    if (remaining <= 0) end()
  }

  const warn = () => {
    if (dialog.open || ending) return
    returnFocus = document.activeElement
    lastSaid = ''
    live.textContent = ''
    update(true)
    dialog.showModal()
    dialog.classList.add('app-timeout-dialog--open')
    tick = setInterval(update, 1000)
  }

  const close = () => {
    clearInterval(tick)
    dialog.close()
    dialog.classList.remove('app-timeout-dialog--open')
    if (returnFocus && typeof returnFocus.focus === 'function') returnFocus.focus()
  }

  const activity = () => {
    if (ending) return
    lastActivity = Date.now()
    if (dialog.open) close()
    schedule()
  }

  async function end () {
    if (ending) return
    ending = true
    clearInterval(tick)
    clearTimeout(warnTimer)
    // Pages hand over what they still have to send (a promise each) and may name where to
    // sign in (with their answers kept).
    const detail = { waits: [], signIn: null }
    document.dispatchEvent(new CustomEvent('app:session-ended', { detail }))
    await Promise.race([Promise.allSettled(detail.waits),
      new Promise((resolve) => setTimeout(resolve, 5000))])
    const here = window.location.pathname + window.location.search
    window.location.assign(detail.signIn || `${signInUrl}?next=${encodeURIComponent(here)}`)
  }

  async function stay () {
    let response
    try {
      response = await fetch(form.action, {
        method: 'POST', body: new FormData(form), credentials: 'same-origin',
        headers: { Accept: 'application/json' }
      })
    } catch (error) {
      live.textContent = 'We could not reach the service. Check your connection and try again.'
      return
    }
    if (response.status === 401) {
      end()
    } else if (response.ok) {
      activity()
    }
  }

  form.addEventListener('submit', (event) => {
    if (event.submitter && event.submitter.hasAttribute('formaction')) return // Sign out
    event.preventDefault()
    stay()
  })
  dialog.addEventListener('cancel', (event) => { // Escape means stay signed in
    event.preventDefault()
    stay()
  })
  document.addEventListener('app:session-activity', activity)
  schedule()
}
