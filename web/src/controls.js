// Form controls that change the state (and so the URL). Native elements only: they work from the
// keyboard and with screen readers as they are.
import { h, nextId } from "./dom.js";
import { pick, t } from "./i18n.js";

/** A labelled <select>; `options`: [{value, label}]. */
export function select(label, value, options, onChange, name) {
  const id = nextId("sel");
  return h("div", { class: "control" },
    h("label", { for: id }, label),
    h("select", { id, name, onchange: (e) => onChange(e.target.value) },
      options.map((o) => h("option", { value: o.value, selected: o.value === value }, o.label))),
  );
}

/** A group of radio buttons; `options`: [{value, label}]. */
export function radios(label, value, options, onChange, name) {
  return h("fieldset", { class: "control radios" },
    h("legend", {}, label),
    options.map((o) => {
      const id = nextId("rad");
      return h("span", { class: "radio" },
        h("input", { type: "radio", id, name, value: o.value, checked: o.value === value, onchange: () => onChange(o.value) }),
        h("label", { for: id }, o.label));
    }),
  );
}

/** The metric picker, with the API's labels. */
export const metricSelect = (ctx) =>
  select(t("metric"), ctx.state.metric,
    ctx.meta.metrics.map((m) => ({ value: m.metric, label: pick(m, "label") })),
    (metric) => ctx.navigate({ metric }), "metric");

/** The API's label of a metric. */
export const metricLabel = (ctx, metric = ctx.state.metric) => pick(ctx.meta.metrics.find((m) => m.metric === metric), "label") || metric;

/** A message the API sent when it refused a request, shown as it is. */
export function refusal(err) {
  return h("div", { class: "refusal", role: "alert" },
    h("strong", {}, err.code === "GRAIN_NOT_ALLOWED" || err.code === "BAD_USER_INPUT" ? t("refused") : t("error")),
    h("p", { "data-error-code": err.code || "" }, err.message),
  );
}
