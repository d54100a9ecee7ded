/* The visit screen on the technician's phone.
 *
 * Every step (leave, arrive, part, photo, signature, finish, delay reason, and the quote's: given
 * to the customer, accepted with a signature, declined) is queued in
 * localStorage with the time it happened, then sent in order; without signal (navigator.onLine
 * false, or a failed request) the queue waits and is sent on the 'online' event or by a retry
 * timer. What is typed is kept as a draft per work order until its step is accepted. The server
 * answers JSON: accepted (the new state) or refused (the reason, shown; the step is dropped).
 */
(function () {
  "use strict";
  var root = document.getElementById("visit");
  if (!root) { return; }
  document.documentElement.classList.add("js");

  var KEY = root.dataset.queueKey;
  var QUEUE = KEY + ":queue", DRAFT = KEY + ":draft", ERRORS = KEY + ":errors";
  var RETRY_MS = 10000;
  var MAX_PHOTO_SIDE = 1600;
  var sending = false, timer = null, sentAny = false;

  function load(key, fallback) {
    try { var text = localStorage.getItem(key); return text ? JSON.parse(text) : fallback; } catch (e) { return fallback; }
  }
  function store(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); return true; } catch (e) { return false; }
  }
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }
  function uid() { return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10); }
  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // ---------------------------------------------------------------- state and status

  function showState() {
    var state = root.dataset.serverState;
    var items = load(QUEUE, []);
    items.forEach(function (item) { if (item.next) { state = item.next; } });
    root.dataset.state = state;
    root.dataset.pending = items.length ? "1" : "0";
    var box = document.getElementById("sync");
    document.getElementById("sync-count").textContent = String(items.length);
    var list = document.getElementById("sync-list");
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = item.label + " · " + new Date(item.at).toLocaleTimeString();
      list.appendChild(li);
    });
    box.hidden = items.length === 0;
    each(document.querySelectorAll(".sign-form"), function (form) {
      var waiting = items.some(function (item) { return item.step === form.dataset.step; });
      form.hidden = waiting;
      var note = form.parentNode.querySelector(".pending-note");
      if (note) { note.hidden = !waiting; }
    });
    // the quote: one answer (or its sending) at a time; its forms wait while one is queued
    var quoteWaiting = items.some(function (item) { return item.step.indexOf("quote-") === 0; });
    each(document.querySelectorAll(".quote-steps"), function (box) { box.hidden = quoteWaiting; });
    var quoteNote = document.getElementById("quote-pending");
    if (quoteNote) { quoteNote.hidden = !quoteWaiting; }
  }
  function note(text) { document.getElementById("sync-note").textContent = text || ""; }

  function showErrors() {
    var errors = load(ERRORS, []);
    var box = document.getElementById("sync-errors");
    box.textContent = "";
    errors.forEach(function (text, index) {
      var li = document.createElement("li");
      li.textContent = text;
      var dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "btn";
      dismiss.textContent = root.dataset.textDismiss;
      dismiss.addEventListener("click", function () {
        var now = load(ERRORS, []);
        now.splice(index, 1);
        store(ERRORS, now);
        showErrors();
      });
      li.appendChild(dismiss);
      box.appendChild(li);
    });
    box.hidden = errors.length === 0;
  }
  function addError(text) {
    var errors = load(ERRORS, []);
    errors.push(text);
    store(ERRORS, errors);
    showErrors();
  }

  // ---------------------------------------------------------------- drafts

  var draft = load(DRAFT, {});
  function draftable(el) {
    return el.name && ["hidden", "file", "submit", "button"].indexOf(el.type) === -1;
  }
  function restoreDrafts() {
    each(document.querySelectorAll("form.js-step"), function (form) {
      each(form.elements, function (el) {
        if (!draftable(el) || !Object.prototype.hasOwnProperty.call(draft, el.name)) { return; }
        if (el.type === "radio") { el.checked = draft[el.name] === el.value; }
        else if (el.type === "checkbox") { el.checked = !!draft[el.name]; }
        else { el.value = draft[el.name]; }
      });
    });
  }
  function remember(el) {
    if (!draftable(el) || !el.form || !el.form.classList.contains("js-step")) { return; }
    if (el.type === "radio") { if (el.checked) { draft[el.name] = el.value; } }
    else if (el.type === "checkbox") { draft[el.name] = el.checked; }
    else { draft[el.name] = el.value; }
    store(DRAFT, draft);
  }
  function forgetStep(step) {
    Object.keys(draft).forEach(function (name) {
      if (name.indexOf(step + "-") === 0) { delete draft[name]; }
    });
    store(DRAFT, draft);
  }

  // ---------------------------------------------------------------- signature pads

  function setupPad(canvas) {
    var ctx = null, drawing = false, last = null;
    function size() {
      canvas.width = canvas.clientWidth || 300;
      canvas.height = 160;
      ctx = canvas.getContext("2d");
      ctx.lineWidth = 2.5;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111";
      ctx.fillStyle = "#111";
      canvas.dataset.signed = "";
    }
    function point(event) {
      var box = canvas.getBoundingClientRect();
      return { x: (event.clientX - box.left) * canvas.width / box.width,
               y: (event.clientY - box.top) * canvas.height / box.height };
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      last = point(event);
      try { canvas.setPointerCapture(event.pointerId); } catch (e) { /* a pointer that cannot be captured */ }
      ctx.beginPath();
      ctx.arc(last.x, last.y, 1.2, 0, 2 * Math.PI);
      ctx.fill();
      canvas.dataset.signed = "1";
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      var now = point(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(now.x, now.y);
      ctx.stroke();
      last = now;
      event.preventDefault();
    });
    ["pointerup", "pointercancel"].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });
    var clear = document.getElementById(canvas.id + "-clear");
    if (clear) { clear.addEventListener("click", size); }
    size();
  }

  // ---------------------------------------------------------------- photos (made smaller before keeping them)

  function readPhoto(file) {
    function raw() {
      return new Promise(function (resolve, reject) {
        var reader = new FileReader();
        reader.onload = function () { resolve({ dataUrl: reader.result, name: file.name }); };
        reader.onerror = reject;
        reader.readAsDataURL(file);
      });
    }
    if (!window.createImageBitmap) { return raw(); }
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, MAX_PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.size < 1024 * 1024) { return raw(); }
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      var name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
      return { dataUrl: canvas.toDataURL("image/jpeg", 0.85), name: name };
    }, raw);
  }
  function blobOf(dataUrl) {
    var parts = dataUrl.split(",");
    var type = (parts[0].match(/^data:([^;]+)/) || [])[1] || "application/octet-stream";
    var bytes = atob(parts[1]);
    var array = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i += 1) { array[i] = bytes.charCodeAt(i); }
    return new Blob([array], { type: type });
  }

  // ---------------------------------------------------------------- queueing a step

  function nextState(form) {
    var step = form.dataset.step;
    if (step === "travel") { return "travelling"; }
    if (step === "arrive") { return "on_site"; }
    if (step === "delay") { return "done"; }
    if (step === "finish") {
      var outcome = form.querySelector("input[name$='-outcome']:checked");
      if (outcome && outcome.value === "fixed") { return "done"; }
      var reason = form.querySelector("[name$='-delay_reason']");
      return reason && reason.value.trim() ? "done" : "delay_due";
    }
    return null;
  }

  function enqueue(form, files) {
    var at = new Date().toISOString();
    var item = { id: uid(), step: form.dataset.step, url: form.action, label: form.dataset.label, at: at,
                 next: nextState(form), keep: form.dataset.keep === "1", fields: [], files: files };
    each(form.elements, function (el) {
      if (!el.name || el.disabled || el.name === "csrfmiddlewaretoken" || el.type === "file") { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      var value = el.value;
      if (/-at$/.test(el.name)) { value = at; }
      if (/-step_id$/.test(el.name)) { value = item.id; }
      item.fields.push([el.name, value]);
    });
    var items = load(QUEUE, []);
    items.push(item);
    if (!store(QUEUE, items)) {
      addError(item.label + ": " + root.dataset.textTooBig);
      return;
    }
    if (form.dataset.reset === "1") {
      form.reset();
      forgetStep(item.step);
      var pad = form.querySelector(".sig-pad");
      if (pad) { document.getElementById(pad.id + "-clear").click(); }
    }
    showState();
    flush();
  }

  function onSubmit(event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("js-step")) { return; }
    event.preventDefault();
    var pad = form.querySelector(".sig-pad");
    if (pad) {
      if (pad.dataset.signed !== "1") { addError(form.dataset.label + ": " + root.dataset.textSignFirst); return; }
      form.querySelector("input[name$='-image']").value = pad.toDataURL("image/png");
    }
    var inputs = Array.prototype.filter.call(form.elements, function (el) {
      return el.type === "file" && el.files && el.files.length;
    });
    Promise.all(inputs.map(function (input) {
      return readPhoto(input.files[0]).then(function (photo) {
        return { field: input.name, name: photo.name, dataUrl: photo.dataUrl };
      });
    })).then(function (files) { enqueue(form, files); });
  }

  // ---------------------------------------------------------------- sending, in order

  function schedule() {
    if (timer) { return; }
    timer = window.setTimeout(function () { timer = null; flush(); }, RETRY_MS);
  }
  function drop(id) {
    store(QUEUE, load(QUEUE, []).filter(function (item) { return item.id !== id; }));
  }

  function flush() {
    if (sending) { return; }
    var items = load(QUEUE, []);
    showState();
    if (!items.length) {
      if (sentAny) { sentAny = false; window.location.reload(); }
      return;
    }
    if (navigator.onLine === false) { note(root.dataset.textOffline); schedule(); return; }
    sending = true;
    var item = items[0];
    var body = new FormData();
    item.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    item.files.forEach(function (file) { body.append(file.field, blobOf(file.dataUrl), file.name); });
    fetch(item.url, { method: "POST", body: body, credentials: "same-origin",
                      headers: { "X-CSRFToken": csrf(), "X-Requested-With": "fetch", "Accept": "application/json" } })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          throw new Error(response.redirected || response.status === 403 ? "login" : "later");
        }
        return response.json();
      })
      .then(function (answer) {
        drop(item.id);
        if (answer.ok) {
          sentAny = true;
          if (item.keep) { forgetStep(item.step); }
        } else {
          addError(item.label + ": " + answer.message);
        }
        if (answer.state) { root.dataset.serverState = answer.state; }
        note("");
        sending = false;
        flush();
      })
      .catch(function (error) {
        sending = false;
        note(error && error.message === "login" ? root.dataset.textLogin : root.dataset.textOffline);
        showState();
        schedule();
      });
  }

  // ---------------------------------------------------------------- wiring

  each(document.querySelectorAll(".sig-pad"), setupPad);
  restoreDrafts();
  each(document.querySelectorAll(".finish-form"), function (form) {
    function outcome() {
      var checked = form.querySelector("input[name$='-outcome']:checked");
      form.dataset.outcome = checked ? checked.value : "";
    }
    form.addEventListener("change", outcome);
    outcome();
  });
  document.addEventListener("input", function (event) { remember(event.target); });
  document.addEventListener("change", function (event) { remember(event.target); });
  document.addEventListener("submit", onSubmit);
  window.addEventListener("online", flush);
  showErrors();
  flush();
}());
