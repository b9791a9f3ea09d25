// One small element builder for the page and its properties panel: attributes that are
// undefined, null or false are left out, so callers can pass them conditionally.
export function h (tag, attrs = {}, ...children) {
  const node = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue
    if (key === 'className') node.className = value
    else if (key === 'text') node.textContent = value
    else node.setAttribute(key, value === true ? '' : value)
  }
  for (const child of children.flat()) {
    if (child) node.append(child)
  }
  return node
}
