// Conditional questions (app/services/form_conditions.py): an option marked
// data-app-reveal shows the block with that id only while it is chosen. GOV.UK Frontend's own
// radios script would do this too, but it puts aria-expanded on each radio, which ARIA does
// not allow there (axe: aria-allowed-attr); without JavaScript every block simply shows.
//
// A question that applies after ANY of several answers is wrapped in a block whose
// data-app-applies-when lists [input name, value] pairs: it is hidden (the `hidden` attribute,
// so out of the accessibility tree too) while none of those answers is given, and shown as
// soon as one is. Its inputs still post; the server drops an answer that does not apply.
const options = () => document.querySelectorAll('input[data-app-reveal]')
const gated = () => document.querySelectorAll('[data-app-applies-when]')

// An answer inside a block that is itself hidden does not count: the server drops it too.
const shown = input => !input.closest('[hidden], .govuk-radios__conditional--hidden, ' +
  '.govuk-checkboxes__conditional--hidden')

function given ([name, value]) {
  for (const input of document.getElementsByName(name)) {
    if (!shown(input)) continue
    const chosen = (input.type === 'radio' || input.type === 'checkbox') ? input.checked : true
    if (chosen && input.value === value) return true
  }
  return false
}

function sync () {
  for (const input of options()) {
    const block = document.getElementById(input.dataset.appReveal)
    if (!block) continue
    const base = [...block.classList].find(name => name.endsWith('__conditional'))
    if (base) block.classList.toggle(`${base}--hidden`, !input.checked)
  }
  for (const block of gated()) {
    let answers = []
    try { answers = JSON.parse(block.dataset.appAppliesWhen) } catch { continue }
    block.hidden = !answers.some(given)
  }
}

document.addEventListener('change', event => {
  if (event.target.matches('input, select')) sync()
})
sync()
