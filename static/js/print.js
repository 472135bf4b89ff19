/*
 * A button marked data-print opens the browser's print dialogue (the case file, the request
 * summary). No inline script: the Content-Security-Policy allows only files from 'self'.
 */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
})();
