/**
 * The call form on the page: a labelled control for each entry of
 * form-fields.ts, shown only for the chosen call, checked as it is typed.
 */
import { checkForm, CONTROLS, initialValues, isShown, labelText, valuesFromJson, type Control, type FormCheck, type Values } from './form-fields.ts';

interface Shown {
  control: Control;
  key: string | null;
  input: HTMLInputElement | HTMLSelectElement;
  label: HTMLLabelElement;
  text: HTMLSpanElement;
}

function build(control: Control, initial: string): HTMLInputElement | HTMLSelectElement {
  if (control.options) {
    const select = document.createElement('select');
    for (const [value, text] of control.options) select.append(new Option(text, value));
    select.id = control.id;
    select.value = initial;
    return select;
  }
  const input = document.createElement('input');
  input.id = control.id;
  input.value = initial;
  input.autocomplete = 'off';
  input.spellcheck = false;
  if (control.placeholder) input.placeholder = control.placeholder;
  return input;
}

export class CallForm {
  private readonly shown: Shown[] = [];

  /** The controls go in before `error`, the line that says what is wrong. */
  constructor(private readonly error: HTMLElement) {
    const initial = initialValues();
    for (const { control, key } of CONTROLS) {
      const input = build(control, initial[control.id] ?? '');
      const label = document.createElement('label');
      const text = document.createElement('span');
      label.append(text, input);
      error.before(label);
      this.shown.push({ control, key, input, label, text });
    }
  }

  values(): Values {
    return Object.fromEntries(this.shown.map((s) => [s.control.id, s.input.value]));
  }

  /** Fills the controls from a call's JSON; returns what the form could not show. */
  fill(raw: Record<string, unknown>): string[] {
    const { values, problems } = valuesFromJson(raw);
    for (const s of this.shown) {
      const v = values[s.control.id];
      if (v !== undefined) s.input.value = v;
    }
    return problems;
  }

  check(): FormCheck {
    return checkForm(this.values());
  }

  /** Shows the chosen call's controls and the form's verdict; `notice` is said when the form itself is fine. */
  refresh(notice: string): FormCheck {
    const v = this.values();
    const r = checkForm(v);
    for (const s of this.shown) {
      s.label.hidden = !isShown(s.control, s.key, v);
      s.text.textContent = labelText(s.control, v);
      if ('error' in r && r.culprit === s.control.id) s.input.setAttribute('aria-invalid', 'true');
      else s.input.removeAttribute('aria-invalid');
    }
    this.error.textContent = 'error' in r ? r.error : notice;
    return r;
  }
}
