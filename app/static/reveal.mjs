// Conditional questions (app/services/form_conditions.py): an option marked
// data-app-reveal shows the block with that id only while it is chosen. GOV.UK Frontend's own
// radios script would do this too, but it puts aria-expanded on each radio, which ARIA does
// not allow there (axe: aria-allowed-attr); without JavaScript every block simply shows.
const options = () => document.querySelectorAll('input[data-app-reveal]')

function sync () {
  for (const input of options()) {
    const block = document.getElementById(input.dataset.appReveal)
    if (!block) continue
    const base = [...block.classList].find(name => name.endsWith('__conditional'))
    if (base) block.classList.toggle(`${base}--hidden`, !input.checked)
  }
}

document.addEventListener('change', event => {
  if (event.target.matches('input[type=radio], input[type=checkbox]')) sync()
})
sync()
