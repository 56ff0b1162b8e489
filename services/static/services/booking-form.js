// The booking page's treatment and length: once a treatment is chosen, only its lengths are
// offered, and a length of another treatment is cleared; once a length is chosen, its free
// times are fetched and shown without a reload. Without this script the page still works:
// every length is listed under its treatment (an <optgroup>), "Show free times" reloads the
// page with that length's times, and the server refuses a length of another treatment
// (services/forms.py). Each length names its treatment in data-service.
(() => {
  "use strict";

  const form = document.querySelector("form.booking-choice");
  const treatment = form && form.elements.namedItem("service");
  const session = form && form.elements.namedItem("session");
  if (!(treatment instanceof HTMLSelectElement) || !(session instanceof HTMLSelectElement)) {
    return;
  }

  // The lengths as the server drew them, kept aside so the list can be rebuilt.
  const prompt = session.querySelector('option[value=""]');
  const groups = [...session.querySelectorAll("optgroup")];
  const belongsTo = (group, slug) =>
    [...group.querySelectorAll("option")].some((option) => option.dataset.service === slug);

  function offerTheChosenTreatmentsLengths() {
    const slug = treatment.value;
    const chosen = session.value;
    const offered = slug ? groups.filter((group) => belongsTo(group, slug)) : groups;
    session.replaceChildren(...(prompt ? [prompt] : []), ...offered);
    const stillOffered = chosen && [...session.options].some((option) => option.value === chosen);
    session.value = stillOffered ? chosen : "";
  }

  // A length chosen before any treatment chooses its treatment too.
  function chooseTheLengthsTreatment() {
    const option = session.selectedOptions[0];
    if (!treatment.value && option && option.dataset.service) {
      treatment.value = option.dataset.service;
      offerTheChosenTreatmentsLengths();
    }
  }

  const status = document.getElementById("booking-times-status");
  // Each arrow key on the list is a change: only the answer for the latest one is shown.
  let latest = 0;

  // The times of the chosen length, from the page the "Show free times" button would load.
  // Details already typed stay: only the times (and the length the form posts) are swapped.
  async function showTheLengthsFreeTimes() {
    if (!treatment.value || !session.value) {
      return;
    }
    const asked = ++latest;
    const address = new URL(form.action, window.location.href);
    address.search = new URLSearchParams({ service: treatment.value, session: session.value });
    let fetched;
    try {
      const answer = await fetch(address, { credentials: "same-origin" });
      if (!answer.ok) {
        return;
      }
      fetched = new DOMParser().parseFromString(await answer.text(), "text/html");
    } catch {
      return; // the button still works
    }
    if (asked !== latest) {
      return;
    }
    const here = document.getElementById("booking-times");
    const there = fetched.getElementById("booking-times");
    if (!here || !there) {
      return;
    }
    const oldForm = here.querySelector("form.booking-form");
    const newForm = there.querySelector("form.booking-form");
    if (oldForm && newForm) {
      for (const name of ["service", "session"]) {
        oldForm.elements.namedItem(name).value = newForm.elements.namedItem(name).value;
      }
      oldForm.querySelector(".booking-times").replaceWith(newForm.querySelector(".booking-times"));
      oldForm.querySelector("button[type=submit]").textContent =
        newForm.querySelector("button[type=submit]").textContent;
    } else {
      here.replaceChildren(...there.childNodes);
    }
    window.history.replaceState(null, "", address);
    if (status) {
      const legend = here.querySelector(".booking-times legend, h2");
      status.textContent = legend ? `${legend.textContent.trim()}: shown below.` : "";
    }
  }

  treatment.addEventListener("change", offerTheChosenTreatmentsLengths);
  session.addEventListener("change", chooseTheLengthsTreatment);
  session.addEventListener("change", showTheLengthsFreeTimes);
  offerTheChosenTreatmentsLengths();
})();
