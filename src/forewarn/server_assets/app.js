/* forewarn web page.
 *
 * Safety rule: story text, titles, notes and every other string from the report are put
 * into the page with textContent / Text nodes only, never parsed as HTML. The server's
 * Content-Security-Policy forbids inline script as a second line of defence.
 */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const SEVERITY_WORD = { mention: "mentioned", depiction: "depicted", graphic: "graphic" };
  const BLOCK_LABEL = {
    note: "Author’s note",
    "end-note": "End note",
    epigraph: "Epigraph",
    lyrics: "Lyrics",
  };
  const AUDIT_STATUS = {
    agree: "declared and found",
    "declared-not-found": "declared, not found",
    "found-not-declared": "found, not declared",
    "severity-mismatch": "severity differs",
    "chose-not-to-warn": "author chose not to warn",
  };

  const state = {
    file: null, // File chosen or dropped
    lastInput: null, // what the shown report was made from: {text} or {file}
    report: null,
    view: null,
    names: {}, // warning id -> display name (from /v1/taxonomy and the report)
    flags: new Map(), // passage id -> [{warning, name, severity}]
    passageEls: new Map(), // passage id -> element in the story view
    selected: null, // warning id
    hits: [], // passage ids of the selected warning, in story order
    pos: -1,
    controller: null,
    timer: null,
    limits: null,
  };

  /** Create an element; children may be nodes or strings (added as text, never HTML). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child); // strings become Text nodes
    }
    return node;
  }

  function clear(node) {
    node.replaceChildren();
  }

  function setStatus(message) {
    $("status").textContent = message;
  }

  function setError(message) {
    $("error").textContent = message || "";
  }

  function plural(n, word) {
    return `${n} ${word}${n === 1 ? "" : "s"}`;
  }

  function bytesText(n) {
    return n >= 1048576 ? `${(n / 1048576).toFixed(0)} MB` : `${Math.round(n / 1024)} KB`;
  }

  function slug(title) {
    const s = (title || "").replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60);
    return (s || "work").toLowerCase();
  }

  // ------------------------------------------------------------------ input

  function chooseFile(file) {
    state.file = file || null;
    $("file-chosen").hidden = !state.file;
    $("file-name").textContent = state.file
      ? `File: ${state.file.name} (${bytesText(state.file.size)}) — it is scanned instead of any pasted text.`
      : "";
    if (!state.file) $("file").value = "";
  }

  function currentInput() {
    if (state.file) return { file: state.file };
    return { text: $("text").value };
  }

  function requestInit(input, signal) {
    if (input.file) {
      const form = new FormData();
      form.append("file", input.file, input.file.name);
      return { method: "POST", body: form, signal };
    }
    return {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text: input.text }),
      signal,
    };
  }

  async function errorMessage(response) {
    try {
      const data = await response.json();
      if (data && typeof data.error === "string") return data.error;
    } catch (_) {
      /* not JSON */
    }
    return `the server answered ${response.status}`;
  }

  // ------------------------------------------------------------------ progress

  function startProgress(message) {
    const started = performance.now();
    $("progress").hidden = false;
    $("elapsed").textContent = "0.0 s";
    state.timer = setInterval(() => {
      $("elapsed").textContent = `${((performance.now() - started) / 1000).toFixed(1)} s`;
    }, 100);
    setStatus(message);
    $("scan").disabled = true;
    $("cancel").hidden = false;
    document.body.setAttribute("aria-busy", "true");
  }

  function stopProgress() {
    clearInterval(state.timer);
    state.timer = null;
    $("progress").hidden = true;
    $("scan").disabled = false;
    $("cancel").hidden = true;
    document.body.removeAttribute("aria-busy");
  }

  // ------------------------------------------------------------------ scan

  async function scan(event) {
    event.preventDefault();
    setError("");
    const input = currentInput();
    if (!input.file && !input.text.trim()) {
      setError("Paste some text or choose a file first.");
      $("text").focus();
      return;
    }
    if (input.file && state.limits && input.file.size > state.limits.max_upload_bytes) {
      setError(
        `That file is ${bytesText(input.file.size)}; this server accepts up to ${bytesText(state.limits.max_upload_bytes)}.`,
      );
      return;
    }
    state.controller = new AbortController();
    startProgress("Scanning… long works can take a while.");
    try {
      const response = await fetch("/v1/scan?view=true", requestInit(input, state.controller.signal));
      if (!response.ok) {
        setError(await errorMessage(response));
        setStatus("The scan failed.");
        return;
      }
      const data = await response.json();
      const { view, ...report } = data;
      state.lastInput = input;
      show(report, view);
      const n = report.findings.length;
      setStatus(n ? `Scan finished: ${plural(n, "warning")} found.` : "Scan finished: no warnings found.");
      $("results-h").focus();
    } catch (err) {
      if (err && err.name === "AbortError") {
        setStatus("Scan cancelled.");
      } else {
        setError(`The scan failed: ${err && err.message ? err.message : err}`);
        setStatus("The scan failed.");
      }
    } finally {
      stopProgress();
      state.controller = null;
    }
  }

  // ------------------------------------------------------------------ results

  function passageFlags(report) {
    const flags = new Map();
    for (const f of report.findings) {
      const seen = new Set();
      const add = (id, severity) => {
        if (seen.has(id)) return;
        seen.add(id);
        if (!flags.has(id)) flags.set(id, []);
        flags.get(id).push({ warning: f.warning, name: f.name, severity });
      };
      for (const g of f.flagged || []) add(g.passage_id, g.severity);
      for (const e of f.evidence || []) add(e.passage_id, e.severity);
    }
    return flags;
  }

  function show(report, view) {
    state.report = report;
    state.view = view;
    for (const f of report.findings) state.names[f.warning] = f.name;
    state.flags = passageFlags(report);
    state.selected = null;
    state.hits = [];
    state.pos = -1;
    showWork(report, view);
    showWarnings(report);
    showAudit(report);
    showSuggestions(report);
    showCredits(report);
    $("model").textContent = `Model: ${report.model.name} ${report.model.version} · report schema ${report.schema_version}`;
    $("results").hidden = false;
    $("story-section").hidden = false;
    renderStory();
    updateNav();
  }

  function showWork(report, view) {
    const w = report.work;
    $("work-title").textContent = w.title || (view && view.title) || "Untitled work";
    $("work-byline").textContent = w.author ? `by ${w.author}` : "";
    const bits = [
      `${w.words.toLocaleString()} words`,
      plural(w.chapters, "chapter"),
      plural(w.passages, "passage"),
      `format: ${w.format}`,
    ];
    if (w.declared_rating) bits.push(`declared rating: ${w.declared_rating}`);
    $("work-stats").textContent = bits.join(" · ");
  }

  function showWarnings(report) {
    const list = $("warnings");
    clear(list);
    $("no-warnings").hidden = report.findings.length > 0;
    for (const f of report.findings) {
      const button = el(
        "button",
        { type: "button", class: "warning", "data-warning": f.warning, "aria-pressed": "false" },
        el("span", { class: "w-name", text: f.name }),
        " ",
        el("span", { class: `sev sev-${f.severity}`, text: SEVERITY_WORD[f.severity] || f.severity }),
        " ",
        el("span", {
          class: "conf",
          text: `${Math.round(f.probability * 100)}% confidence · ${plural(f.passages, "passage")}`,
        }),
      );
      button.addEventListener("click", () => selectWarning(f.warning));
      list.append(el("li", {}, button));
    }
  }

  function showAudit(report) {
    const body = $("audit").querySelector("tbody");
    clear(body);
    const declared = $("declared");
    clear(declared);
    for (const d of report.declared) {
      const target = d.warning ? state.names[d.warning] || d.warning : "not in the taxonomy";
      const extra = d.severity ? `, ${SEVERITY_WORD[d.severity] || d.severity}` : "";
      declared.append(el("li", {}, "Declared: “", d.phrase, `” → ${target}${extra} (${d.source})`));
    }
    $("audit").hidden = report.audit.length === 0;
    $("no-audit").hidden = report.audit.length > 0 || report.declared.length > 0;
    for (const a of report.audit) {
      const name = state.names[a.warning] || a.warning;
      let nameCell = name;
      if (report.findings.some((f) => f.warning === a.warning)) {
        nameCell = el("button", { type: "button", class: "link", "data-warning": a.warning, text: name });
        nameCell.addEventListener("click", () => selectWarning(a.warning));
      }
      body.append(
        el(
          "tr",
          { class: `audit-${a.status}` },
          el("th", { scope: "row" }, nameCell),
          el("td", { text: AUDIT_STATUS[a.status] || a.status }),
          el("td", { text: SEVERITY_WORD[a.declared_severity] || a.declared_severity || "—" }),
          el("td", { text: SEVERITY_WORD[a.found_severity] || a.found_severity || "—" }),
          el("td", { text: a.message || "" }),
        ),
      );
    }
  }

  function showSuggestions(report) {
    const s = report.suggestions;
    const dl = $("suggestions");
    clear(dl);
    const add = (term, values) => {
      if (!values || !values.length) return;
      dl.append(el("dt", { text: term }));
      const dd = el("dd");
      const ul = el("ul", { class: "tags" });
      for (const v of values) ul.append(el("li", { text: v }));
      dd.append(ul);
      dl.append(dd);
    };
    if (s.rating) {
      dl.append(el("dt", { text: "Rating" }));
      dl.append(
        el("dd", {}, el("strong", { text: s.rating }), s.rating_reasons.length ? ` — ${s.rating_reasons.join("; ")}` : ""),
      );
    }
    add("Archive Warnings", s.archive_warnings);
    add("Additional tags", s.additional_tags);
    add("Fandoms", s.fandoms);
    add("Characters", s.characters);
    add("Relationships", s.relationships);
    if (!dl.childElementCount) dl.append(el("dt", { text: "Nothing to suggest" }));
  }

  function showCredits(report) {
    const list = $("credits");
    clear(list);
    $("no-credits").hidden = report.credits.length > 0;
    for (const c of report.credits) {
      const text = c.title ? `“${c.title}”${c.artist ? ` by ${c.artist}` : ""}` : c.raw;
      list.append(el("li", { text }));
    }
  }

  // ------------------------------------------------------------------ story view

  function paragraphs(text) {
    const out = [];
    for (const para of text.split(/\n{2,}/)) {
      if (!para.trim()) continue;
      const p = el("p");
      para.split("\n").forEach((line, i) => {
        if (i) p.append(el("br"));
        p.append(line);
      });
      out.push(p);
    }
    return out;
  }

  function flagText(flags) {
    return flags.map((f) => `${f.name.toLowerCase()} (${SEVERITY_WORD[f.severity] || f.severity})`).join(", ");
  }

  function passageElement(passage, safe) {
    const flags = state.flags.get(passage.id);
    const body = el("div", { class: "passage-text" }, ...paragraphs(passage.text));
    if (!flags) {
      return el("div", { class: "passage", "data-passage": passage.id, tabindex: "-1" }, body);
    }
    const warnings = flags.map((f) => f.warning).join(" ");
    if (safe) {
      return el(
        "details",
        { class: "passage flagged fold", "data-passage": passage.id, "data-warnings": warnings, tabindex: "-1" },
        el("summary", {}, `This passage contains: ${flagText(flags)} — `, el("span", { class: "show", text: "show" })),
        body,
      );
    }
    return el(
      "div",
      { class: "passage flagged", "data-passage": passage.id, "data-warnings": warnings, tabindex: "-1" },
      el("p", { class: "flag-note", text: `⚠ ${flagText(flags)}` }),
      body,
    );
  }

  function renderStory() {
    const story = $("story");
    clear(story);
    state.passageEls = new Map();
    const view = state.view;
    if (!view) return;
    const safe = $("read-safely").checked;
    const titles = new Map(view.chapters.map((c) => [c.index, c.title]));
    const byBlock = new Map();
    for (const p of view.passages) {
      if (!byBlock.has(p.block)) byBlock.set(p.block, []);
      byBlock.get(p.block).push(p);
    }
    let chapter = null;
    let section = null;
    for (const block of view.blocks) {
      if (block.chapter !== chapter || !section) {
        chapter = block.chapter;
        section = el("section", { class: "chapter", "data-chapter": chapter });
        if (chapter > 0 && view.chapters.length > 1) {
          section.append(el("h3", { class: "chapter-title", text: titles.get(chapter) || `Chapter ${chapter}` }));
        }
        story.append(section);
      }
      const passages = (byBlock.get(block.index) || []).map((p) => {
        const node = passageElement(p, safe);
        state.passageEls.set(p.id, node);
        return node;
      });
      if (block.kind === "body") {
        section.append(el("div", { class: "block body" }, ...passages));
      } else {
        const label = BLOCK_LABEL[block.kind] || block.kind;
        section.append(
          el("aside", { class: `block ${block.kind}`, "aria-label": label }, el("p", { class: "block-label", text: label }), ...passages),
        );
      }
    }
    applySelection(false);
  }

  // ------------------------------------------------------------------ warning selection

  function selectWarning(warning) {
    if (!state.view) return;
    const order = new Map(state.view.passages.map((p, i) => [p.id, i]));
    state.selected = warning;
    state.hits = [...state.flags.entries()]
      .filter(([, flags]) => flags.some((f) => f.warning === warning))
      .map(([id]) => id)
      .filter((id) => order.has(id))
      .sort((a, b) => order.get(a) - order.get(b));
    state.pos = state.hits.length ? 0 : -1;
    for (const b of document.querySelectorAll("#warnings button.warning")) {
      b.setAttribute("aria-pressed", String(b.dataset.warning === warning));
    }
    applySelection(true);
  }

  function clearSelection() {
    const previous = state.selected;
    state.selected = null;
    state.hits = [];
    state.pos = -1;
    for (const b of document.querySelectorAll("#warnings button.warning")) b.setAttribute("aria-pressed", "false");
    applySelection(false);
    const button = previous && document.querySelector(`#warnings button.warning[data-warning="${CSS.escape(previous)}"]`);
    if (button) button.focus();
  }

  function step(delta) {
    if (!state.hits.length) return;
    state.pos = (state.pos + delta + state.hits.length) % state.hits.length;
    applySelection(true);
  }

  function applySelection(scroll) {
    for (const node of document.querySelectorAll("#story .hl, #story .current")) {
      node.classList.remove("hl", "current");
    }
    for (const id of state.hits) {
      const node = state.passageEls.get(id);
      if (node) node.classList.add("hl");
    }
    const current = state.pos >= 0 ? state.passageEls.get(state.hits[state.pos]) : null;
    if (current) {
      current.classList.add("current");
      if (scroll) {
        current.scrollIntoView({ block: "center", behavior: "auto" });
        current.focus({ preventScroll: true });
      }
    }
    updateNav();
  }

  function updateNav() {
    const nav = $("nav");
    nav.hidden = !state.selected;
    if (!state.selected) return;
    const name = state.names[state.selected] || state.selected;
    if (!state.hits.length) {
      $("nav-pos").textContent = `${name}: no passage to show`;
      return;
    }
    const passage = state.view.passages.find((p) => p.id === state.hits[state.pos]);
    const where = passage ? ` — chapter ${passage.chapter}, paragraph ${passage.paragraph}` : "";
    $("nav-pos").textContent = `${name}: passage ${state.pos + 1} of ${state.hits.length}${where}`;
    $("prev").disabled = state.hits.length < 2;
    $("next").disabled = state.hits.length < 2;
  }

  // ------------------------------------------------------------------ downloads

  function saveBlob(blob, filename) {
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: filename, class: "sr-only" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  function downloadJson() {
    if (!state.report) return;
    const blob = new Blob([JSON.stringify(state.report, null, 2) + "\n"], { type: "application/json" });
    saveBlob(blob, `${slug(state.report.work.title)}.forewarn.json`);
    setStatus("Report downloaded.");
  }

  async function downloadHtml() {
    if (!state.lastInput) return;
    setError("");
    state.controller = new AbortController();
    startProgress("Preparing the read-safely page…");
    try {
      const response = await fetch("/v1/render?download=true", requestInit(state.lastInput, state.controller.signal));
      if (!response.ok) {
        setError(await errorMessage(response));
        setStatus("Could not make the read-safely page.");
        return;
      }
      const blob = await response.blob();
      saveBlob(new Blob([blob], { type: "text/html" }), `${slug(state.report.work.title)}.read-safely.html`);
      setStatus("Read-safely page downloaded.");
    } catch (err) {
      if (err && err.name === "AbortError") setStatus("Cancelled.");
      else setError(`Could not make the read-safely page: ${err && err.message ? err.message : err}`);
    } finally {
      stopProgress();
      state.controller = null;
    }
  }

  // ------------------------------------------------------------------ wiring

  function wireDrop() {
    const zone = $("drop");
    const stop = (e) => {
      e.preventDefault();
      e.stopPropagation();
    };
    ["dragenter", "dragover"].forEach((type) =>
      zone.addEventListener(type, (e) => {
        stop(e);
        zone.classList.add("over");
      }),
    );
    ["dragleave", "dragend"].forEach((type) => zone.addEventListener(type, () => zone.classList.remove("over")));
    zone.addEventListener("drop", (e) => {
      stop(e);
      zone.classList.remove("over");
      const file = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
      if (file) {
        chooseFile(file);
        setStatus(`File ready: ${file.name}. Press Scan.`);
      }
    });
    // A file dropped anywhere else must not make the browser navigate away to it.
    window.addEventListener("dragover", (e) => e.preventDefault());
    window.addEventListener("drop", (e) => e.preventDefault());
  }

  async function loadLimits() {
    try {
      const [health, tax] = await Promise.all([fetch("/healthz"), fetch("/v1/taxonomy")]);
      if (health.ok) {
        state.limits = (await health.json()).limits;
        $("limits").textContent = `Up to ${bytesText(state.limits.max_upload_bytes)} and ${state.limits.max_passages.toLocaleString()} passages per work.`;
      }
      if (tax.ok) {
        for (const w of (await tax.json()).warnings) {
          if (!(w.id in state.names)) state.names[w.id] = w.name;
        }
      }
    } catch (_) {
      /* the page still works without them */
    }
  }

  function init() {
    $("scan-form").addEventListener("submit", scan);
    $("cancel").addEventListener("click", () => state.controller && state.controller.abort());
    $("file").addEventListener("change", (e) => chooseFile(e.target.files[0]));
    $("clear-file").addEventListener("click", () => {
      chooseFile(null);
      $("file").focus();
    });
    $("read-safely").addEventListener("change", renderStory);
    $("prev").addEventListener("click", () => step(-1));
    $("next").addEventListener("click", () => step(1));
    $("clear-selection").addEventListener("click", clearSelection);
    $("dl-json").addEventListener("click", downloadJson);
    $("dl-html").addEventListener("click", downloadHtml);
    wireDrop();
    loadLimits();
    document.documentElement.dataset.ready = "true";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
