// While a form is being sent, its submit button says so and cannot be pressed again.
// The server already does a form's work once (the one-time key); this tells the person that
// the press was taken. Forms sent by htmx show their own indicator and are left alone.
(function () {
  "use strict";
  var label = document.body.getAttribute("data-sending-label") || "…";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
    if (form.hasAttribute("hx-post") || form.hasAttribute("data-no-sending")) return;
    var button = event.submitter || form.querySelector("button[type=submit], button:not([type])");
    if (!button || button.getAttribute("aria-busy") === "true") return;
    // Disabled after the browser has read the form, so the button's own name and value are sent.
    window.setTimeout(function () {
      button.setAttribute("aria-busy", "true");
      button.setAttribute("data-label", button.innerHTML);
      button.disabled = true;
      button.innerHTML =
        '<span class="spinner-border spinner-border-sm" aria-hidden="true"></span> ' + label;
      // A response that is a download leaves the page as it is: give the button back.
      window.setTimeout(restore.bind(null, button), 10000);
    }, 0);
  });

  function restore(button) {
    if (button.getAttribute("aria-busy") !== "true") return;
    button.removeAttribute("aria-busy");
    button.disabled = false;
    button.innerHTML = button.getAttribute("data-label");
  }

  // Back to a page kept by the browser: its buttons work again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("button[aria-busy=true]").forEach(restore);
  });
})();
