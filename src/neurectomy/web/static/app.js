/* neurectomy: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const lines = (text) => text.split(/\n|;/).map((s) => s.trim()).filter(Boolean);
  const debounce = (fn, ms) => { let t; return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); }; };

  /* ---- body-map pickers: click a region, or Tab to it and press Enter or Space, to add/remove its name in a
     textarea; a region on the other side of the body switches the form's side; the region under the pointer or
     focus is named below the chart */
  const MARK_FILL = { numb: "url(#bm-lost)", hypo: "url(#bm-reduced)", spared: "url(#bm-normal)" };
  function regionName(el) {
    if (el.dataset.name) return el.dataset.name;
    const t = el.querySelector("title");
    return t ? t.textContent.split(":")[0].trim() : el.dataset.region;
  }
  function pickerTarget(picker) {
    const mode = $("input[name=_mode]:checked");
    return document.getElementById(mode ? mode.value : picker.dataset.target);
  }
  function sideSelect(picker) {
    const form = picker.closest("form");
    return form ? $("select[name=side]", form) : null;
  }
  /* the side the chosen regions are marked on: the form's side, else the picker's own (a registry case's: left,
     right or bilateral), else left */
  function shownSide(picker) {
    const select = sideSelect(picker);
    const fallback = ["left", "right", "bilateral"].includes(picker.dataset.side) ? picker.dataset.side : "left";
    return select && ["left", "right"].includes(select.value) ? select.value : fallback;
  }
  function syncPicker(picker) {
    const chosen = {};
    const target = picker.dataset.target;
    ["numb", "hypo", "spared", target].forEach((id) => {
      const box = document.getElementById(id);
      if (box) lines(box.value).forEach((n) => { chosen[n.toLowerCase()] = id; });
    });
    const side = shownSide(picker);
    $$(".region", picker).forEach((el) => {
      if (!el.dataset.fill) el.dataset.fill = el.getAttribute("fill") || "";
      const onSide = !el.dataset.side || side === "bilateral" || el.dataset.side === side || el.dataset.side === "midline";
      const which = onSide ? chosen[regionName(el).toLowerCase()] : undefined;
      el.classList.toggle("selected", Boolean(which));
      el.dataset.mark = which || "";
      el.setAttribute("aria-pressed", which ? "true" : "false");
      el.setAttribute("fill", which ? (MARK_FILL[which] || MARK_FILL.numb) : el.dataset.fill);
    });
  }
  function describe(el) {
    const side = el.dataset.side && el.dataset.side !== "midline" ? `, ${el.dataset.side} side` : "";
    const mark = { numb: "numb", hypo: "reduced feeling", spared: "normal" }[el.dataset.mark] || (el.dataset.mark ? "chosen" : "");
    return regionName(el) + side + (mark ? ` — ${mark}` : "");
  }
  $$(".picker").forEach((picker) => {
    const tabs = $$(".tabs button", picker);
    function show(btn) {
      tabs.forEach((b) => { b.classList.toggle("active", b === btn); b.setAttribute("aria-selected", b === btn ? "true" : "false"); });
      $$(".view", picker).forEach((v) => v.classList.toggle("active", v.dataset.view === btn.dataset.view));
      const view = $(`.view[data-view="${btn.dataset.view}"]`, picker);
      if (view) initZoom(view);
    }
    tabs.forEach((btn) => btn.addEventListener("click", () => show(btn)));
    picker.classList.add("js");
    const label = $(".region-label output", picker);
    const status = $(".picker-status", picker);
    function say(text) { if (status) status.textContent = text; }
    function toggle(el) {
      const box = pickerTarget(picker);
      if (!box) return;
      const select = sideSelect(picker);
      const was = shownSide(picker);
      /* a region on the other side: the form asks about one side, so the side switches, and a region already chosen
         stays chosen (on the new side) rather than being removed; the switch is said in the picker's status line
         (choosing the right lateral thigh, then the left one, once emptied the list and said nothing) */
      const switched = Boolean(select && ["left", "right"].includes(el.dataset.side) && was !== el.dataset.side &&
        was !== "bilateral");
      if (switched) select.value = el.dataset.side;
      const name = regionName(el);
      const have = lines(box.value);
      const i = have.findIndex((n) => n.toLowerCase() === name.toLowerCase());
      if (i >= 0 && !switched) have.splice(i, 1); else if (i < 0) have.push(name);
      box.value = have.join("\n");
      if (switched) {
        const kept = have.length > 1 ? `; the ${have.length} chosen regions are now marked on the ${el.dataset.side} side` :
          `; ${name} is chosen on the ${el.dataset.side} side`;
        say(`Side changed from ${was} to ${el.dataset.side}${kept} (one side per question).`);
      } else {
        say("");
      }
      ["numb", "hypo", "spared"].forEach((id) => {  // a region carries one mark at a time
        const other = document.getElementById(id);
        if (other && other !== box && (i < 0 || switched)) other.value = lines(other.value).filter((n) => n.toLowerCase() !== name.toLowerCase()).join("\n");
      });
      syncPicker(picker);
      if (label) label.textContent = describe(el);
    }
    picker.addEventListener("click", (ev) => {
      const el = ev.target.closest(".region");
      if (!el) return;
      const view = el.closest(".zoomable");
      if (view && view.dataset.dragged === "1") return;  // the end of a pan, not a choice
      toggle(el);
    });
    picker.addEventListener("keydown", (ev) => {
      const el = ev.target.closest && ev.target.closest(".region");
      if (!el || (ev.key !== "Enter" && ev.key !== " " && ev.key !== "Spacebar")) return;
      ev.preventDefault();
      toggle(el);
    });
    const name = (ev) => {
      const el = ev.target.closest && ev.target.closest(".region");
      if (el && label) label.textContent = describe(el);
    };
    picker.addEventListener("pointerover", name);
    picker.addEventListener("focusin", name);
    ["numb", "hypo", "spared", picker.dataset.target].forEach((id) => {
      const box = document.getElementById(id);
      if (box) box.addEventListener("input", () => syncPicker(picker));
    });
    const select = sideSelect(picker);
    if (select) select.addEventListener("change", () => syncPicker(picker));
    syncPicker(picker);
    /* open on the view that holds the chosen regions (a condition's sole of the foot, not the front of the body) */
    const active = $(".view.active", picker);
    if (active && !$(".region.selected", active)) {
      const holder = $$(".view", picker).find((v) => $(".region.selected", v));
      const tab = holder && tabs.find((b) => b.dataset.view === holder.dataset.view);
      if (tab) show(tab);
    }
  });

  /* ---- one tab stop per body map (a roving tabindex): each view had 120 regions in the tab order. Tab reaches the
     map at its chosen region (else its first), arrow keys move to the nearest region in that direction, Home and End
     to the first and last; Enter or Space toggles it (above). Without this script every region is a tab stop */
  const ARROWS = { ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowDown: [0, 1], ArrowUp: [0, -1] };
  const focusRegions = (svg) => $$(".region[tabindex]", svg);
  function rove(svg, el) { focusRegions(svg).forEach((r) => r.setAttribute("tabindex", r === el ? "0" : "-1")); }
  $$("svg").forEach((svg) => {
    const regions = focusRegions(svg);
    if (regions.length < 2) return;
    svg.dataset.roving = "1";
    rove(svg, regions.find((r) => r.classList.contains("selected")) || regions[0]);
  });
  document.addEventListener("focusin", (ev) => {
    const el = ev.target.closest && ev.target.closest("svg[data-roving] .region[tabindex]");
    if (el) rove(el.ownerSVGElement.closest("svg[data-roving]"), el);
  });
  function nearest(svg, from, [dx, dy]) {
    const c = (r) => { const b = r.getBoundingClientRect(); return [b.left + b.width / 2, b.top + b.height / 2, b.width * b.height]; };
    const [x0, y0] = c(from);
    let best = null, bestScore = Infinity;
    focusRegions(svg).forEach((r) => {
      if (r === from) return;
      const [x, y, area] = c(r);
      if (!area) return;
      const along = (x - x0) * dx + (y - y0) * dy, across = Math.abs((x - x0) * dy) + Math.abs((y - y0) * dx);
      if (along <= 0.5) return;
      const score = along + 2 * across;
      if (score < bestScore) { bestScore = score; best = r; }
    });
    return best;
  }
  document.addEventListener("keydown", (ev) => {
    const el = ev.target.closest && ev.target.closest("svg[data-roving] .region[tabindex]");
    if (!el || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const svg = el.ownerSVGElement.closest("svg[data-roving]");
    const all = focusRegions(svg);
    let next = null;
    if (ARROWS[ev.key]) next = nearest(svg, el, ARROWS[ev.key]);
    else if (ev.key === "Home") next = all[0];
    else if (ev.key === "End") next = all[all.length - 1];
    else return;
    ev.preventDefault();  // the arrows move on the map, not the page
    if (next) next.focus();
  });

  /* a GET form sends no empty text fields and no empty choices (no region=&region=, side=&sex= in the address):
     the server reads a missing field as it read an empty one. They are disabled just for the submission and enabled
     again right after it and when the page is shown again (the back button restores the form as it was) */
  const EMPTY_OFF = "input[type=text][name], input:not([type])[name], input[type=search][name], textarea[name], select[name]";
  const emptyOn = () => $$("[data-empty-off]").forEach((el) => { el.disabled = false; delete el.dataset.emptyOff; });
  $$("form[method=get], form:not([method])").forEach((form) => {
    form.addEventListener("submit", (ev) => {
      if (ev.defaultPrevented) return;
      $$(EMPTY_OFF, form).forEach((el) => {
        const empty = el.tagName === "SELECT"
          ? !Array.from(el.selectedOptions).some((o) => o.value !== "")
          : !el.value.trim();
        if (empty && !el.disabled) { el.disabled = true; el.dataset.emptyOff = "1"; }
      });
      setTimeout(emptyOn, 0);  // the form data is taken when the event ends: the fields work again at once
    });
  });
  window.addEventListener("pageshow", emptyOn);

  /* ---- the keyboard focus ring of a body-map region (WCAG 2.4.7): the region's own stroke was painted over by its
     neighbours (only one edge showed), so a copy of its outline is drawn above every region group, white under black,
     and removed when focus leaves */
  const SVG_NS = "http://www.w3.org/2000/svg";
  function clearFocusRing(svg) { $$(".focus-ring", svg).forEach((g) => g.remove()); }
  document.addEventListener("focusin", (ev) => {
    const el = ev.target.closest && ev.target.closest("svg .region");
    if (!el) return;
    const svg = el.ownerSVGElement;
    clearFocusRing(svg);
    const group = el.parentNode, layer = group.parentNode;  // the region's group (its side's transform) and its layer
    const ring = document.createElementNS(SVG_NS, "g");
    ring.setAttribute("class", "focus-ring");
    ring.setAttribute("aria-hidden", "true");
    ring.setAttribute("pointer-events", "none");
    if (group.getAttribute("transform")) ring.setAttribute("transform", group.getAttribute("transform"));
    [["#fff", "5"], ["#000", "2.5"]].forEach(([colour, width]) => {
      const line = el.cloneNode(false);
      line.removeAttribute("id");
      ["tabindex", "role", "aria-pressed", "aria-label", "class"].forEach((a) => line.removeAttribute(a));
      Object.keys(line.dataset).forEach((k) => delete line.dataset[k]);
      line.setAttribute("class", "focus-ring-line");
      line.setAttribute("fill", "none");
      line.setAttribute("stroke", colour);
      line.setAttribute("stroke-width", width);
      line.setAttribute("stroke-linejoin", "round");
      line.setAttribute("vector-effect", "non-scaling-stroke");
      ring.appendChild(line);
    });
    layer.appendChild(ring);  // last: above every region group, both sides
  });
  document.addEventListener("focusout", (ev) => {
    const el = ev.target.closest && ev.target.closest("svg .region");
    if (el && el.ownerSVGElement) clearFocusRing(el.ownerSVGElement);
  });

  /* ---- a close-up picker draws its two sides side by side or one above the other (the <svg>'s data-row and
     data-column viewBoxes, each side's transform for each): the layout that draws them larger in the box is used
     (a phone: one above the other, where the head side by side came out at a third of its size) */
  function layOut(svg, rect) {
    const boxes = { row: svg.dataset.row, column: svg.dataset.column };
    if (!boxes.row || !boxes.column) return;
    /* a result map (height: auto) is shown at its box's width, never above its own size: the layout that shows it
       larger (a phone: its panels one above the other, where side by side its texts came out at about 4 px) */
    const result = svg.classList.contains("bodymap");
    const fit = (box) => {
      const [, , w, h] = box.split(/\s+/).map(Number);
      return result ? Math.min(1, rect.width / w) : Math.min(rect.width / w, rect.height / h);
    };
    const chosen = fit(boxes.column) > fit(boxes.row) * 1.02 ? "column" : "row";
    svg.setAttribute("viewBox", boxes[chosen]);
    if (result) {  // its height follows its width and/height attributes' ratio (height: auto)
      const [, , w, h] = boxes[chosen].split(/\s+/);
      svg.setAttribute("width", w);
      svg.setAttribute("height", h);
    }
    $$(":scope > g[data-row]", svg).forEach((g) => g.setAttribute("transform", g.dataset[chosen]));
    svg.dataset.layout = chosen;
  }

  /* ---- pan and zoom (svg-pan-zoom, served locally) on body maps and nerve courses: buttons, drag when zoomed in,
     Ctrl+wheel or a touchpad pinch, and + / - / 0 keys on the chart */
  function initZoom(box) {
    if (box.dataset.zoom) return;
    const svg = $("svg", box);
    if (!svg || !svg.getAttribute("viewBox")) return;
    const rect = svg.getBoundingClientRect();
    if (!rect.width || !rect.height) return;  // hidden: started when shown
    if (!svg.dataset.layout) layOut(svg, rect);  // also where pan and zoom are not loaded
    /* a result map is drawn at the size that fits its box's width and (on a wide screen) the window's height, and
       its box shrinks to it: at 100% of the column's width a whole-body map drawn to the window's height left its
       1,200 px box three-quarters blank at 1366x900 */
    const sized = svg.classList.contains("bodymap") && box.classList.contains("mapbox") ? fitResult(box, svg, rect) : null;
    if (!window.svgPanZoom) return;
    if (sized) {
      svg.style.width = sized[0] + "px";
      svg.style.height = sized[1] + "px";
    } else {
      svg.style.height = svg.getBoundingClientRect().height + "px";  // the layout chosen may change the height
      svg.style.width = "100%";
    }
    box.dataset.zoom = "1";
    let pz = null;
    pz = window.svgPanZoom(svg, {
      zoomEnabled: true, panEnabled: false, controlIconsEnabled: false, dblClickZoomEnabled: false,
      mouseWheelZoomEnabled: false, preventMouseEventsDefault: false, fit: true, center: true,
      minZoom: 1, maxZoom: 12, zoomScaleSensitivity: 0.35,
      onPan: () => { box.dataset.dragged = "1"; },
      onZoom: (z) => {  // dragging moves the chart only when zoomed in (else it scrolls the page)
        box.classList.toggle("zoomed", z > 1.01);
        box.dataset.scale = z.toFixed(2);
        if (pz) { if (z > 1.01) pz.enablePan(); else pz.disablePan(); }
      },
    });
    box.panzoom = pz;
    box.dataset.scale = "1.00";
    /* a picker opens at "Fit": the whole figure, head to feet, in view (a figure opened zoomed to the chart's width
       clipped the thighs, legs and feet, and a click meant for the lateral thigh landed on the footer); + zooms in,
       and Tab pans to the region it reaches when zoomed in */
    if (box.closest(".picker")) box.dataset.opened = "fit";
    /* the zoomed view follows the keyboard: a focused region not wholly in view is panned to the middle. svg-pan-zoom
       draws a pan on the next animation frame, so the region's place is worked out from the pan and zoom it is
       going to have (pz.getPan, getSizes), not from where it is drawn now (when Tab moved on before the last pan was
       drawn, the pan was measured from a stale picture and 11 of 60 focused regions ended up out of view) */
    box.addEventListener("focusin", (ev) => {
      const el = ev.target.closest && ev.target.closest(".region");
      if (el && box.classList.contains("zoomed")) followFocus(svg, pz, el);
    });
    box.addEventListener("pointerdown", () => { box.dataset.dragged = ""; });
    svg.addEventListener("wheel", (ev) => {
      if (!ev.ctrlKey) return;  // plain wheel scrolls the page
      ev.preventDefault();
      const pt = svg.getBoundingClientRect();
      pz.zoomAtPointBy(ev.deltaY < 0 ? 1.25 : 0.8, { x: ev.clientX - pt.left, y: ev.clientY - pt.top });
    }, { passive: false });
    box.addEventListener("keydown", (ev) => {
      if (ev.key === "+" || ev.key === "=") { pz.zoomBy(1.35); ev.preventDefault(); }
      else if (ev.key === "-" || ev.key === "_") { pz.zoomBy(1 / 1.35); ev.preventDefault(); }
      else if (ev.key === "0") { pz.reset(); ev.preventDefault(); }
    });
  }
  function fitResult(box, svg, rect) {
    const vb = (svg.getAttribute("viewBox") || "").split(/\s+/).map(Number);
    if (vb.length !== 4 || !vb[2] || !vb[3]) return null;
    const room = box.clientWidth - (parseFloat(getComputedStyle(box).paddingLeft) || 0) -
      (parseFloat(getComputedStyle(box).paddingRight) || 0);
    const tall = window.matchMedia("(min-width: 821px)").matches ? window.innerHeight - 64 : Infinity;
    const k = Math.min(1, Math.max(room, rect.width) / vb[2], tall / vb[3]);
    const size = [Math.floor(vb[2] * k), Math.floor(vb[3] * k)];
    svg.style.width = size[0] + "px";
    svg.style.height = size[1] + "px";
    box.classList.add("fitted");
    return size;
  }
  function followFocus(svg, pz, el) {
    const vp = $(".svg-pan-zoom_viewport", svg);
    const drawn = vp && vp.transform.baseVal.numberOfItems ? vp.transform.baseVal.consolidate().matrix : null;
    if (!drawn) return;
    const frame = svg.getBoundingClientRect(), r = el.getBoundingClientRect();
    const zoom = pz.getSizes().realZoom, pan = pz.getPan(), margin = 12;
    const x = (px) => ((px - frame.left - drawn.e) / drawn.a) * zoom + pan.x;  // where it will be, in the frame
    const y = (px) => ((px - frame.top - drawn.f) / drawn.d) * zoom + pan.y;
    const left = x(r.left), right = x(r.right), top = y(r.top), bottom = y(r.bottom);
    if (left >= margin && top >= margin && right <= frame.width - margin && bottom <= frame.height - margin) return;
    pz.panBy({ x: frame.width / 2 - (left + right) / 2, y: frame.height / 2 - (top + bottom) / 2 });
  }
  function zoomControls(box) {
    const bar = document.createElement("div");
    bar.className = "zoom-controls";
    bar.innerHTML = '<button type="button" class="secondary" data-zoom="in" aria-label="Zoom in">+</button>' +
      '<button type="button" class="secondary" data-zoom="out" aria-label="Zoom out">−</button>' +
      '<button type="button" class="secondary" data-zoom="reset">Fit</button>' +
      '<span class="hint">Drag to move when zoomed in; Ctrl+wheel or pinch zooms; on the map, arrow keys move between ' +
      'regions and + / − zoom.</span>';
    bar.addEventListener("click", (ev) => {
      const btn = ev.target.closest("button[data-zoom]");
      if (!btn) return;
      const host = box.classList.contains("zoomable") ? box : $(".zoomable.active", box) || $(".zoomable", box);
      if (!host) return;
      initZoom(host);
      const pz = host.panzoom;
      if (!pz) return;
      if (btn.dataset.zoom === "in") pz.zoomBy(1.5); else if (btn.dataset.zoom === "out") pz.zoomBy(1 / 1.5); else pz.reset();
    });
    return bar;
  }
  document.addEventListener("DOMContentLoaded", () => {
    $$(".zoomable-host").forEach((host) => {
      const first = $(".zoomable", host);
      if (first) host.insertBefore(zoomControls(host), first);
      $$(".zoomable.active", host).forEach(initZoom);
    });
    /* a nerve's course: the picture is fetched and put inline, so its branch names are links and it zooms */
    $$("figure[data-inline-svg]").forEach(async (fig) => {
      try {
        const res = await fetch(fig.dataset.inlineSvg);
        if (!res.ok) return;
        const text = await res.text();
        if (!text.trim().startsWith("<svg")) return;
        fig.innerHTML = text;
        const inlined = $("svg", fig);  /* its branch names are links: a group of links, not one image */
        if (inlined && inlined.getAttribute("role") === "img" && $("a", inlined)) inlined.setAttribute("role", "group");
        fig.classList.add("zoomable");
        fig.parentNode.insertBefore(zoomControls(fig), fig);
        initZoom(fig);
      } catch (e) { /* the <img> stays */ }
    });
    $$(".zoomable, .mapbox").forEach((box) => {  // result maps and nerve courses zoom too
      if (box.closest(".zoomable-host")) return;
      box.classList.add("zoomable");
      box.parentNode.insertBefore(zoomControls(box), box);
      initZoom(box);
    });
  });

  /* ---- localise page: a muscle chosen from the list grouped by limb joins the list it is marked as, and leaves the
     others (one mark per finding, as the server does when the form is sent without this script) */
  const pick = $("#muscle-pick");
  if (pick) {
    $("#add-muscle", pick).hidden = false;
    $("#add-muscle-hint", pick).hidden = true;
    $("#add-muscle", pick).addEventListener("click", (ev) => {
      ev.preventDefault();
      const select = $("#muscle", pick), mark = $("#muscle_as", pick).value, muscle = select.value;
      if (!muscle) { select.focus(); return; }
      ["weak", "paralysed", "spared"].forEach((id) => {
        const box = document.getElementById(id);
        if (!box) return;
        const kept = lines(box.value).filter((n) => n.toLowerCase() !== muscle.toLowerCase());
        if (id === mark) kept.push(muscle);
        box.value = kept.join("\n");
      });
      select.value = "";
    });
  }

  /* ---- autocompletion from the atlas: an input with data-names="nerve|skin|muscle" gets its datalist filled from
     /api/atlas/names (names, with their synonyms as labels, so typing a synonym finds the name); an input with
     data-adds-to moves a chosen name into that list field (without this script the input is sent as one more line) */
  const nameLists = {};
  function namesOf(kind) {
    if (!nameLists[kind]) {
      nameLists[kind] = fetch("/api/atlas/names?kind=" + encodeURIComponent(kind))
        .then((res) => (res.ok ? res.json() : []))
        .catch(() => []);
    }
    return nameLists[kind];
  }
  $$("input[data-names]").forEach((input) => {
    const list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    const fill = () => namesOf(input.dataset.names).then((items) => {
      if (list.dataset.filled) return;
      list.dataset.filled = "1";
      const frag = document.createDocumentFragment();
      items.forEach((it) => {
        const opt = document.createElement("option");
        opt.value = it.value;
        if (it.label) opt.label = it.label;
        frag.appendChild(opt);
      });
      list.replaceChildren(frag);
    });
    input.addEventListener("focus", fill, { once: true });
    const into = input.dataset.addsTo && document.getElementById(input.dataset.addsTo);
    if (!into) return;
    const add = async () => {
      const items = await namesOf(input.dataset.names);
      const typed = input.value.trim().toLowerCase();
      const hit = items.find((it) => it.value.toLowerCase() === typed);
      if (!hit) return;  // keep typing (the datalist narrows); Enter sends it as typed
      const have = lines(into.value);
      if (!have.some((n) => n.toLowerCase() === typed)) have.push(hit.value);
      into.value = have.join("\n");
      into.dispatchEvent(new Event("input", { bubbles: true }));
      input.value = "";
    };
    input.addEventListener("change", add);
    input.addEventListener("input", (ev) => { if (ev.inputType === "insertReplacementText" || !ev.inputType) add(); });
  });

  /* ---- suggestion chips fill the field they name and resubmit */
  $$("button.chip[data-fill]").forEach((chip) => chip.addEventListener("click", () => {
    const map = { function: "region", target: "weak", end_treatment: "end", "end treatment": "end" };
    const field = document.getElementById(chip.dataset.fill) || document.getElementById(map[chip.dataset.fill]);
    if (!field) return;
    const query = (chip.dataset.query || "").trim().toLowerCase();
    if (field.tagName === "TEXTAREA" && query) {
      /* a list field (further cuts, findings): replace only the line that was not understood */
      const lines = field.value.split(/\n/);
      const i = lines.findIndex((l) => l.trim().toLowerCase() === query || l.trim().toLowerCase().endsWith(query));
      if (i >= 0) lines[i] = lines[i].toLowerCase().replace(query, chip.dataset.value); else lines.push(chip.dataset.value);
      field.value = lines.join("\n");
    } else if (field.tagName === "SELECT") {
      const opt = Array.from(field.options).find((o) => o.value === chip.dataset.value || o.text === chip.dataset.value);
      if (opt) opt.selected = true;
    } else {
      field.value = chip.dataset.value;
    }
    if (field.form) field.form.submit();
  }));

  /* ---- copy the shareable link */
  $$("[data-copy-url]").forEach((btn) => btn.addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(location.href); btn.textContent = "Link copied"; }
    catch (e) { window.prompt("Copy this link", location.href); }
  }));

  /* ---- atlas live suggestions */
  const q = $("input[data-suggest]");
  if (q) {
    const list = document.getElementById(q.getAttribute("list"));
    const live = $("#q-live");
    q.addEventListener("input", debounce(async () => {
      const text = q.value.trim();
      if (text.length < 2) { live.innerHTML = ""; return; }
      const res = await fetch(q.dataset.suggest + "?limit=8&q=" + encodeURIComponent(text));
      if (!res.ok) return;
      const hits = await res.json();
      list.innerHTML = hits.map((h) => `<option value="${h.name.replace(/"/g, "&quot;")}">`).join("");
      live.innerHTML = hits.map((h) => h.kind === "nerve"
        ? `<li><a href="/atlas/nerves/${h.id}">${h.name}</a> <span class="hint">nerve</span></li>`
        : `<li>${h.name} <span class="hint">${h.kind}</span></li>`).join("");
    }, 150));
  }

  /* ---- cut page: landmarks of the chosen nerve */
  const nerve = $("input[data-landmarks]");
  if (nerve) {
    const list = document.getElementById(nerve.dataset.landmarks);
    const mm = $("#mm");
    nerve.addEventListener("change", async () => {
      const res = await fetch("/api/atlas/nerves/" + encodeURIComponent(nerve.value.trim()));
      if (!res.ok) return;
      const n = await res.json();
      list.innerHTML = n.landmarks.map((l) => `<option value="${l.name}">${l.mm} mm</option>`).join("");
      if (mm) mm.placeholder = `0–${n.length_mm} mm; empty = origin`;
    });
  }

  /* ---- Vega-Lite charts (the bundle is served locally), drawn to their box's width: the specs are written for a
     page (and the PDF), with fixed panel widths (a facet of three 260 px panels, two 300 px panels side by side),
     which made a 390 px phone's page up to 871 px wide. A chart wider than its box is redrawn narrower: a facet
     wraps to as many columns as fit, panels side by side go one above the other, a panel is narrowed (a single view
     fits its box exactly, axis labels included: autosize fit-x), titles and legends wrap */
  const CHART_GUTTER = 80;  // a panel's y axis, its labels and title, beside the plotting area
  function wrapWords(text, chars) {
    if (!text || typeof text !== "string" || text.length <= chars) return text;
    const out = [];
    let line = "";
    text.split(/\s+/).forEach((w) => {
      if (line && (line + " " + w).length > chars) { out.push(line); line = w; } else line = line ? line + " " + w : w;
    });
    if (line) out.push(line);
    return out;
  }
  function narrowPanel(panel, width) {
    if (typeof panel.width === "number" && panel.width > width) panel.width = Math.max(120, width);
    return panel;
  }
  function fitSpec(spec, avail) {
    const chars = Math.max(24, Math.floor(avail / 6.3));
    if (spec.title && typeof spec.title === "object") {
      spec.title = Object.assign({}, spec.title, { text: wrapWords(spec.title.text, Math.floor(chars * 0.8)), subtitle: wrapWords(spec.title.subtitle, chars) });
    } else if (typeof spec.title === "string") spec.title = wrapWords(spec.title, Math.floor(chars * 0.8));
    const legendFit = (enc) => {
      if (enc && enc.color && enc.color.legend !== null) {
        enc.color.legend = Object.assign({}, enc.color.legend || {}, { columns: 1, labelLimit: Math.max(120, avail - 60) });
      }
    };
    if (spec.facet && spec.spec) {
      const inner = spec.spec, each = (typeof inner.width === "number" ? inner.width : 200) + CHART_GUTTER;
      const facet = spec.facet.column || spec.facet.row || spec.facet;
      const count = facet.sort && Array.isArray(facet.sort) ? facet.sort.length : 3;
      if (each * count > avail) {
        spec.facet = facet;
        spec.columns = Math.max(1, Math.floor(avail / each));
        narrowPanel(inner, Math.floor(avail / spec.columns) - CHART_GUTTER);
        legendFit(inner.encoding);
      }
    } else if (Array.isArray(spec.hconcat)) {
      const total = spec.hconcat.reduce((t, p) => t + (typeof p.width === "number" ? p.width : 200) + CHART_GUTTER, 0);
      if (total > avail) {
        spec.vconcat = spec.hconcat.map((p) => narrowPanel(p, avail - CHART_GUTTER));
        delete spec.hconcat;
      }
    } else if (typeof spec.width === "number" && spec.width + CHART_GUTTER * 2 > avail) {
      spec.width = avail;
      spec.autosize = { type: "fit-x", contains: "padding" };
      legendFit(spec.encoding);
      if (spec.encoding && spec.encoding.y && spec.encoding.y.type === "nominal") {
        spec.encoding.y.axis = Object.assign({}, spec.encoding.y.axis || {}, { labelLimit: Math.floor(avail * 0.45) });
      }
    }
    return spec;
  }
  function drawCharts(root) {
    if (!window.vegaEmbed) return;
    $$(".vega-chart", root).forEach((el) => {
      if (el.dataset.drawn) return;
      const style = getComputedStyle(el);
      const avail = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 4;
      const spec = fitSpec(JSON.parse(document.getElementById(el.dataset.spec).textContent), avail);
      el.dataset.drawn = "1";
      window.vegaEmbed(el, spec, { actions: { export: true, source: false, compiled: false, editor: false }, renderer: "svg" })
        .then(() => $$("details > summary", el).forEach((s) => s.setAttribute("aria-label", "Chart actions: save as SVG or PNG")))
        .catch((err) => { el.textContent = "Chart failed: " + err; });
    });
  }
  window.addEventListener("load", () => drawCharts(document));

  /* ---- stump simulation as a background job with a progress bar */
  const form = $("#stump-form");
  if (form) {
    form.addEventListener("submit", async (ev) => {
      // Jobs need a login: signed out, the form submits as without JavaScript (the page runs it, bounded in time)
      if (!form.dataset.csrf) return;
      ev.preventDefault();
      const data = new FormData(form);
      const body = {
        method: data.get("method"), end_treatments: data.getAll("end"), n_axons: Number(data.get("n_axons")),
        days: Number(data.get("days")), replicates: Number(data.get("replicates")), seed: Number(data.get("seed")),
      };
      const box = $("#stump-progress"), bar = $("progress", box), status = $(".status", box), out = $("#stump-output");
      const button = $("#run-stump");
      box.hidden = false; bar.value = 0; status.textContent = "starting…"; button.disabled = true;
      const started = Date.now();
      const res = await fetch(form.dataset.api, { method: "POST", headers: { "content-type": "application/json", "x-csrf-token": form.dataset.csrf }, body: JSON.stringify(body) });
      if (res.status === 401 || res.status === 403) { form.submit(); return; } // signed out meanwhile: run it on the page
      const job = await res.json();
      if (!res.ok) {
        const d = job.detail;
        status.textContent = "Error: " + (Array.isArray(d) ? d.map((x) => `${x.loc.slice(-1)[0]}: ${x.msg}`).join("; ") : (d || res.status));
        button.disabled = false; return;
      }
      for (;;) {
        await new Promise((r) => setTimeout(r, 250));
        const st = await (await fetch(form.dataset.api + "/" + job.id)).json();
        bar.value = st.progress;
        status.textContent = `${st.status} — ${Math.round(st.progress * 100)}% · ${((Date.now() - started) / 1000).toFixed(1)} s`;
        if (st.status === "done") {
          const r = st.result;
          out.innerHTML = `<div class="vega-chart" id="stump-chart" data-spec="stump-chart-spec"></div>` +
            `<p class="summary">${r.replicates} replicate(s), ${r.agent_steps.toLocaleString()} agent-steps in ${r.seconds} s. ` +
            `At day ${Math.round(r.days[r.days.length - 1])}: ${Math.round(r.reached.mean[r.reached.mean.length - 1] * 100)}% of axons at a target; ` +
            `neuroma index ${r.neuroma_index.mean[r.neuroma_index.mean.length - 1].toFixed(2)}.</p>`;
          const s = document.createElement("script");
          s.type = "application/json"; s.id = "stump-chart-spec"; s.textContent = JSON.stringify(r.chart);
          out.appendChild(s);
          drawCharts(out);
          break;
        }
        if (st.status === "failed") { status.textContent = "Failed: " + st.error; break; }
      }
      button.disabled = false;
    });
  }
  /* ---- a box that scrolls (a wide table on a phone, a long list) can be reached and scrolled by keyboard */
  function focusableScrollers() {
    $$("table, .scroll, .findings ul").forEach((el) => {
      const scrolls = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
      const style = getComputedStyle(el);
      const can = /(auto|scroll)/.test(style.overflowX + style.overflowY);
      if (scrolls && can && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        if (!el.getAttribute("aria-label")) {
          const cap = el.closest("section, figure") && $("h2, h3, figcaption", el.closest("section, figure"));
          el.setAttribute("aria-label", (cap ? cap.textContent.trim() + " — " : "") + "scrolls sideways");
        }
      }
    });
  }
  window.addEventListener("load", focusableScrollers);
  window.addEventListener("resize", debounce(focusableScrollers, 200));
})();
