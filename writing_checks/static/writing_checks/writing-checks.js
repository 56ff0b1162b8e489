// Checks while she writes (writing_checks/panel.py): character counters under the
// title and the search fields, and the checks panel redrawn from the unsaved form.
(function () {
  'use strict';

  var COUNTED = [
    { name: 'title', limit: 60, what: 'search results show about 60' },
    { name: 'seo_title', limit: 60, what: 'search results show about 60' },
    { name: 'search_description', limit: 160, what: 'search results show about 160' },
  ];
  var PAUSE_MS = 1200;

  function addCounter(field, rule) {
    var counter = document.createElement('p');
    counter.className = 'help writing-counter';
    counter.setAttribute('aria-live', 'polite');
    counter.dataset.counterFor = rule.name;
    field.insertAdjacentElement('afterend', counter);
    function update() {
      var count = field.value.trim().length;
      counter.textContent =
        count + ' characters (' + rule.what + ')' + (count > rule.limit ? ': too long' : '');
      counter.classList.toggle('help-warning', count > rule.limit);
    }
    field.addEventListener('input', update);
    update();
  }

  function addCounters(form) {
    COUNTED.forEach(function (rule) {
      var field = form.querySelector('[name="' + rule.name + '"]');
      if (field && !field.dataset.counted) {
        field.dataset.counted = 'true';
        addCounter(field, rule);
      }
    });
  }

  function watchChecks(panel) {
    var url = panel.dataset.writingChecksUrl;
    var form = panel.closest('form');
    var results = panel.querySelector('[data-writing-checks-results]');
    if (!url || !form || !results) return;
    var lastSent = new URLSearchParams(new FormData(form)).toString();
    var busy = false;
    var leaving = false;
    // Once she saves or publishes, the page is about to be replaced: a check now would only
    // compete with the save for the database.
    form.addEventListener('submit', function () {
      leaving = true;
    });

    function refresh() {
      if (busy || leaving) return;
      var data = new FormData(form);
      var serialised = new URLSearchParams(data).toString();
      if (serialised === lastSent) return;
      lastSent = serialised;
      busy = true;
      fetch(url, { method: 'POST', body: data, credentials: 'same-origin' })
        .then(function (response) {
          return response.ok ? response.text() : null;
        })
        .then(function (html) {
          if (html !== null) results.innerHTML = html;
        })
        .catch(function () {})
        .finally(function () {
          busy = false;
        });
    }
    // Rich text and the block editor write to hidden inputs without an input event, so the
    // form is compared with what was last checked, as Wagtail's preview does.
    window.setInterval(refresh, PAUSE_MS);
  }

  function start() {
    document.querySelectorAll('form').forEach(addCounters);
    document.querySelectorAll('[data-writing-checks-url]').forEach(watchChecks);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
