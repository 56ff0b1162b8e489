// The booking form's session lengths: once a treatment is chosen, only its lengths are
// offered, and a length of another treatment is cleared. Without this script the form still
// works: every length is listed under its treatment (an <optgroup>), and the server refuses
// a length of another treatment (services/forms.py). Each length names its treatment in
// data-service, the value of the treatment field.
(() => {
  "use strict";

  const form = document.querySelector("form.booking-form");
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

  treatment.addEventListener("change", offerTheChosenTreatmentsLengths);
  session.addEventListener("change", chooseTheLengthsTreatment);
  offerTheChosenTreatmentsLengths();
})();
