// Live preview for the form editor: after a pause in typing, the server renders the form with
// the inbox's own renderer, or says why it cannot. Without scripts, saving still checks it.
const form = document.getElementById("form-editor");
const content = document.getElementById("content");
const preview = document.getElementById("form-preview");
const status = document.getElementById("preview-status");
let timer = null;
let latest = 0;

async function refresh() {
  const asked = ++latest;
  const body = new FormData(form);
  const response = await fetch(form.dataset.previewUrl, { method: "POST", body });
  if (asked !== latest) return; // a newer edit is on its way
  const answer = await response.json();
  if (response.ok) {
    preview.innerHTML = answer.html;
    status.textContent = "";
  } else {
    status.textContent = Object.values(answer.errors || {}).flat().join(" ") || answer.message;
  }
}

content.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(refresh, 400);
});
form.querySelector("#path")?.addEventListener("change", refresh);
