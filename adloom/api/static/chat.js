// The web chat: plain JavaScript, no build step, no third-party assets (works offline).
"use strict";

const state = { threadId: null, busy: false, attachments: [] };
const $ = (id) => document.getElementById(id);

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options,
    headers: { "Content-Type": "application/json", ...(options.headers || {}) } });
  if (response.status === 401) {
    await signIn();
    return api(path, options);
  }
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (!response.ok) {
    const error = new Error((body && body.detail) || response.statusText);
    error.status = response.status;
    error.retryAfter = Number(response.headers.get("Retry-After")) || 0;
    throw error;
  }
  return body;
}

function signIn() {
  return new Promise((resolve) => {
    const dialog = $("token-dialog");
    $("token-form").onsubmit = async () => {
      await fetch("/api/session", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ token: $("token").value }) });
      resolve();
    };
    dialog.showModal();
  });
}

function mediaElement(item) {
  if (!item.url) return null;
  let element;
  if (item.kind === "image") { element = document.createElement("img"); element.alt = item.label || "image"; }
  else if (item.kind === "video") { element = document.createElement("video"); element.controls = true; element.preload = "metadata"; }
  else if (item.kind === "audio") { element = document.createElement("audio"); element.controls = true; }
  else return null;
  element.src = item.url;
  element.title = item.label || "";
  element.dataset.kind = item.kind;
  return element;
}

function addMessage(role, text, media = []) {
  const div = document.createElement("div");
  div.className = `msg ${role}`;
  div.textContent = text;
  if (media.length) {
    const box = document.createElement("div");
    box.className = "media";
    media.map(mediaElement).filter(Boolean).forEach((el) => box.appendChild(el));
    div.appendChild(box);
  }
  $("log").appendChild(div);
  $("log").scrollTop = $("log").scrollHeight;
  return div;
}

const RESUME_WORDS = {
  interrupted: "The server stopped before this was finished. Everything done so far is kept: resume to go on "
    + "from the last finished step.",
  failed: "A step failed (above). Everything done so far is kept: resume to try that step again, or say what to change.",
};

function render(thread) {
  state.threadId = thread.thread_id;
  history.replaceState(null, "", `#thread=${thread.thread_id}`);  // a reload comes back to this conversation
  $("log").replaceChildren();
  for (const message of thread.messages) addMessage(message.role, message.content, message.media || []);
  if (thread.error) addMessage("error", `Failed: ${thread.error}`);
  $("start").hidden = true;
  showDraft(thread);
  $("resume-message").textContent = RESUME_WORDS[thread.status] || "";
  $("resume-box").hidden = !(thread.status in RESUME_WORDS);
  showApproval(thread.interrupts || []);
  showBrief(thread.brief_card);
  const finished = [...thread.messages].reverse().find((message) => message.run_id);
  if (finished) openRun(finished.run_id).catch((error) => addMessage("error", error.message));
  else $("results").hidden = true;
}

// -- the brief card: what the planner understood, changed in place; the voice and music picked from lists --

const DRAFT_TEXT_FIELDS = ["product_name", "brand_name", "product_description", "price", "audience"];
const REQUIRED = { brand_name: "the brand", product_name: "the product", product_description: "what it is",
  audience: "who it is for", platforms: "where it runs" };
const field = (name) => $("draft-form").elements[name];

async function loadPickers() {
  const [voices, tracks] = await Promise.all([api("/api/voices"), api("/api/music")]);
  state.voices = voices;
  $("voice-select").replaceChildren(...voices.map((voice) => {
    const option = new Option(`${voice.name}: ${voice.description}${voice.available ? "" : " (not installed)"}`, voice.id);
    option.disabled = !voice.available;
    option.title = voice.why_not || voice.licence;
    return option;
  }));
  $("music-select").replaceChildren(new Option("No music", "0"), ...tracks.map((track) =>
    new Option(`${track.title} (${Math.round(track.duration_s)} s)`, String(track.id))));
  state.tracks = tracks;
  previewChoices();
}

function previewChoices() {
  const voice = (state.voices || []).find((v) => v.id === $("voice-select").value);
  if (voice && voice.available && $("voice-preview").dataset.voice !== voice.id) {
    $("voice-preview").src = voice.preview_url;
    $("voice-preview").dataset.voice = voice.id;
  }
  const track = (state.tracks || []).find((t) => String(t.id) === $("music-select").value);
  $("music-preview").hidden = !track;
  if (track && $("music-preview").getAttribute("src") !== track.url) $("music-preview").src = track.url;
}

function showDraft(thread) {
  const draft = thread.draft || {};
  state.draft = draft;
  state.status = thread.status;
  $("studio").hidden = false;
  for (const name of DRAFT_TEXT_FIELDS) field(name).value = draft[name] || "";
  field("facts").value = (draft.facts || []).join("\n");
  field("duration_s").value = draft.duration_s || "";
  field("variants").value = draft.variants || "";
  field("aspect").value = draft.aspect || "";
  field("duration_s").placeholder = `${thread.default_duration_s} (my default)`;
  for (const box of $("draft-platforms").querySelectorAll("input")) box.checked = (draft.platforms || []).includes(box.value);
  const voice = draft.voice || (state.voices || []).find((v) => v.available)?.id;
  if (voice) $("voice-select").value = voice;
  $("music-select").value = String(draft.music ? draft.music.id : 0);
  previewChoices();
  const missing = Object.keys(REQUIRED).filter((name) => !(Array.isArray(draft[name]) ? draft[name].length : draft[name]));
  for (const name of DRAFT_TEXT_FIELDS) field(name).classList.toggle("missing", missing.includes(name));
  $("draft-platforms").classList.toggle("missing", missing.includes("platforms"));
  const waiting = thread.status === "waiting";
  const busy = thread.status === "running";
  for (const element of $("draft-form").elements) {
    element.disabled = busy || (waiting && !["voice", "music_id", "draft-save"].includes(element.name || element.id));
  }
  $("draft-save").textContent = waiting ? "Ask for this voice and music" : "Save changes";
  $("draft-note").textContent = busy ? "Working on it: you can change the brief when this step is done."
    : waiting ? "Waiting for your approval: the voice and music can change now; reject to change the rest."
    : missing.length ? `Still missing: ${missing.map((name) => REQUIRED[name]).join(", ")}. Fill it in here or answer in the chat.`
    : thread.run_id ? "Change anything and save: the ad is made again with it." : "";
}

function draftChanges() {
  const draft = state.draft || {};
  const changes = {};
  for (const name of DRAFT_TEXT_FIELDS) {
    const value = field(name).value.trim();
    if (value !== (draft[name] || "")) changes[name] = value || null;
  }
  const facts = field("facts").value.split("\n").map((line) => line.trim()).filter(Boolean);
  if (facts.join("\n") !== (draft.facts || []).join("\n")) changes.facts = facts;
  const platforms = [...$("draft-platforms").querySelectorAll("input:checked")].map((box) => box.value);
  if (platforms.join() !== (draft.platforms || []).join()) changes.platforms = platforms;
  if ((field("aspect").value || null) !== (draft.aspect || null)) changes.aspect = field("aspect").value || null;
  const versions = field("variants").value ? Number(field("variants").value) : null;
  if (versions !== (draft.variants || null)) changes.variants = versions;
  const duration = field("duration_s").value ? Number(field("duration_s").value) : null;
  if (duration !== (draft.duration_s || null)) changes.duration_s = duration;
  const defaultVoice = (state.voices || []).find((v) => v.available)?.id;
  if ($("voice-select").value !== (draft.voice || defaultVoice)) changes.voice = $("voice-select").value;
  if (Number($("music-select").value) !== (draft.music ? draft.music.id : 0)) changes.music_id = Number($("music-select").value);
  return changes;
}

async function saveDraft() {
  const changes = draftChanges();
  if (!Object.keys(changes).length) { $("draft-note").textContent = "Nothing changed."; return; }
  if (!state.threadId) { addMessage("error", "Start with a message first: the card fills from what you say."); return; }
  try {
    if (state.status === "waiting") {  // at an approval: the voice and music are changes to the ad being made
      const asked = [];
      if (changes.voice) asked.push(`use ${state.voices.find((v) => v.id === changes.voice).name}'s voice`);
      if ("music_id" in changes) {
        const track = state.tracks.find((t) => t.id === changes.music_id);
        asked.push(track ? `use ${track.title} for the music` : "no music");
      }
      if (asked.length) await decide("edit", asked.join(" and "));
      return;
    }
    await follow(await api(`/api/threads/${state.threadId}/brief`, { method: "PUT", body: JSON.stringify(changes) }));
  } catch (error) { addMessage("error", error.message); }
}

async function addTrack() {
  const file = $("music-file").files[0];
  const title = $("music-title").value.trim();
  const credit = $("music-credit").value.trim();
  if (!file || !title || !credit) { addMessage("error", "To add music: choose the file, give its title and its credit."); return; }
  try {
    const form = new FormData();
    form.append("purpose", "music");
    form.append("file", file);
    const response = await fetch("/api/uploads", { method: "POST", body: form, credentials: "same-origin" });
    const body = await response.json();
    if (!response.ok) throw new Error(`${file.name}: ${body.detail || response.statusText}`);
    const track = await api("/api/music", { method: "POST", body: JSON.stringify({ path: body.path, title, credit }) });
    await loadPickers();
    $("music-select").value = String(track.id);
    previewChoices();
    $("music-file").value = ""; $("music-title").value = ""; $("music-credit").value = "";
    $("music-add").open = false;
  } catch (error) { addMessage("error", error.message); }
}

// -- the start screen: example requests and the brand kits already saved --

async function loadStart() {
  for (const button of document.querySelectorAll("#examples .example")) {
    button.onclick = () => { $("message").value = button.textContent; $("message").focus(); };
  }
  const brands = await api("/api/brands");
  $("kits").replaceChildren(...brands.map((brand) => {
    const button = document.createElement("button");
    button.type = "button";
    const products = brand.products.map((p) => p.name).join(", ");
    button.textContent = `${brand.name}${products ? `: ${products}` : ""}`;
    button.onclick = () => { $("message").value = `Our brand is ${brand.name}. `; $("message").focus(); };
    return button;
  }));
  $("kits-box").hidden = !brands.length;
}

// -- the finished campaign: a large player per aspect, downloads, copy to paste, checks in words --

const PLATFORM_NAMES = { tiktok: "TikTok", instagram_reels: "Instagram Reels", instagram_feed: "Instagram feed",
  youtube_shorts: "YouTube Shorts", x: "X", linkedin: "LinkedIn", facebook: "Facebook" };
const CHECK_WORDS = [
  ["copy.", "Copy for"], ["images.", "Words on picture"], ["voiceover.loudness", "Voiceover loudness"],
  ["video.", "Video file"], ["captions.sync", "Captions in time with the voice"],
  ["captions.legibility", "Captions readable"], ["captions.size.", "Caption size"],
  ["end_card.legibility", "End card readable"], ["frames.nsfw.", "Nothing unsafe in"],
  ["frames.layout.", "Text placement"],
];

function checkWords(name) {
  for (const [prefix, words] of CHECK_WORDS) {
    if (name.startsWith(prefix)) {
      const rest = name.slice(prefix.length);
      return rest ? `${words} ${PLATFORM_NAMES[rest] || rest}` : words;
    }
  }
  return name;
}

async function openRun(runId) {
  showResults(await api(`/api/runs/${runId}`));
}

function link(url, text) {
  const a = document.createElement("a");
  a.href = url;
  a.download = "";
  a.textContent = text;
  return a;
}

async function copyText(text, button) {
  try { await navigator.clipboard.writeText(text); }
  catch {  // no clipboard permission: select a hidden textarea and copy that
    const area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  button.textContent = "Copied";
  setTimeout(() => { button.textContent = "Copy"; }, 1500);
}

function copyCard(title, text) {
  const card = document.createElement("div");
  card.className = "copy-card";
  const heading = document.createElement("h4");
  heading.textContent = title;
  const body = document.createElement("div");
  body.className = "copy-text";
  body.textContent = text;
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Copy";
  button.onclick = () => copyText(text, button);
  card.append(heading, body, button);
  return card;
}

function compareVersions(versions, aspect, copy) {
  // Two or more versions: one player each, side by side, at the aspect chosen, with each one's headline.
  $("compare").hidden = versions.length < 2;
  $("player").hidden = versions.length >= 2;
  if (versions.length < 2) { $("compare-players").replaceChildren(); return; }
  $("compare-players").replaceChildren(...versions.map(([variant, videos]) => {
    const figure = document.createElement("figure");
    const video = mediaElement({ kind: "video", url: videos[aspect] || Object.values(videos)[0], label: variant });
    const caption = document.createElement("figcaption");
    const lead = Object.values((copy[variant] || {}).platforms || {})[0];
    caption.textContent = `${variant}${lead && lead.headline ? `: ${lead.headline}` : ""}`;
    figure.append(video, caption);
    return figure;
  }));
}

function showResults(run) {
  const outputs = run.outputs || {};
  const videos = Object.entries(outputs.videos || {});
  if (!videos.length && outputs.video) videos.push(["", outputs.video]);
  $("results-title").textContent = `${run.product || "Your campaign"}: ${statusWords(run.manifest_status || run.status)}`;
  const versions = Object.entries(outputs.variants || {});
  const pick = (aspect, url) => {
    $("player").src = url;
    for (const tab of $("aspect-tabs").children) tab.setAttribute("aria-selected", String(tab.dataset.aspect === aspect));
    compareVersions(versions, aspect, run.copy || {});
  };
  $("aspect-tabs").replaceChildren(...videos.map(([aspect, url]) => {
    const tab = document.createElement("button");
    tab.type = "button";
    tab.role = "tab";
    tab.dataset.aspect = aspect;
    tab.textContent = aspect || "video";
    tab.onclick = () => pick(aspect, url);
    return tab;
  }));
  $("player").hidden = !videos.length;
  if (videos.length) pick(...videos[0]);
  const downloads = videos.map(([aspect, url]) => link(url, `Video ${aspect}`.trim()));
  for (const [key, words] of [["srt", "Captions (.srt)"], ["vtt", "Captions (.vtt)"], ["voiceover", "Voiceover (.wav)"],
                              ["copy_markdown", "Copy (.md)"]]) {
    if (outputs[key]) downloads.push(link(outputs[key], words));
  }
  if (outputs.zip && run.manifest_status) downloads.push(link(outputs.zip, "Everything (.zip)"));
  $("downloads").replaceChildren(...downloads);
  const cards = [];
  for (const [variant, copy] of Object.entries(run.copy || {})) {
    const suffix = Object.keys(run.copy).length > 1 ? ` (${variant})` : "";
    for (const [platform, item] of Object.entries(copy.platforms)) {
      const text = [item.headline, item.primary_text, (item.hashtags || []).join(" "), item.cta ? `CTA: ${item.cta}` : ""]
        .filter(Boolean).join("\n\n");
      cards.push(copyCard(`${PLATFORM_NAMES[platform] || platform}${suffix}`, text));
    }
    if (copy.script.length) cards.push(copyCard(`Voiceover script${suffix}`, copy.script.join("\n")));
  }
  $("copy-cards").replaceChildren(...cards);
  $("checks").replaceChildren(...(run.checks || []).map((check) => {
    const li = document.createElement("li");
    li.className = check.passed ? "passed" : "failed";
    li.textContent = `${check.passed ? "✓" : "✗"} ${checkWords(check.name)}: ${check.detail}`;
    return li;
  }));
  const credits = run.credits || [];
  $("credits").replaceChildren(...credits.map((credit) => {
    const li = document.createElement("li");
    li.textContent = `${credit.role}: ${credit.credit}`;
    return li;
  }));
  $("credits-box").hidden = !credits.length;
  $("results").hidden = false;
}

function cell(row, text, title = "") {
  const td = document.createElement("td");
  td.textContent = text;  // page text is shown as text, never as markup
  if (title) td.title = title;
  row.appendChild(td);
}

function showBrief(card) {
  // The brief a pasted product page gave: each value with the element it came from, the page's claims held back.
  const box = $("brief-card");
  if (!card) { box.hidden = true; return; }
  $("brief-page").textContent = `From ${card.page}`;
  $("brief-values").replaceChildren(...card.values.map((value) => {
    const row = document.createElement("tr");
    cell(row, value.field);
    cell(row, value.text + (value.page_claims && value.page_claims.length ? "  (the page's claim)" : ""));
    cell(row, `${value.syntax}: ${value.selector}`);
    return row;
  }));
  $("brief-held-title").hidden = !card.held_back.length;
  $("brief-held").replaceChildren(...card.held_back.map((value) => {
    const li = document.createElement("li");
    li.textContent = `${value.text} (${value.syntax}: ${value.selector})`;
    return li;
  }));
  $("brief-defaulted").replaceChildren(...card.defaulted.map((line) => {
    const li = document.createElement("li");
    li.textContent = `Defaulted ${line}`;
    return li;
  }));
  $("brief-images").replaceChildren(...card.images.map((url) => mediaElement({ kind: "image", url, label: "product image" })));
  box.hidden = false;
}

function showApproval(interrupts) {
  const box = $("approval");
  if (!interrupts.length) { box.hidden = true; return; }
  const first = interrupts[0];
  const several = interrupts.length > 1;  // versions to compare: each labelled with its own
  $("approval-message").textContent = first.message;  // the headlines are in the fields below, to edit in place
  // Every scene so far, each with its label: the whole ad at a glance, not its first picture.
  $("approval-media").replaceChildren(...interrupts.flatMap((i) => (i.media || []).map((item) =>
    ({ ...item, interrupt: i.id, label: several ? `${i.variant_id}: ${item.label}` : item.label }))).map((item) => {
    const element = mediaElement(item);
    if (!element) return null;
    const figure = document.createElement("figure");
    const caption = document.createElement("figcaption");
    caption.textContent = item.label || "";
    figure.append(element, caption);
    if (item.text !== undefined) {  // the words on the picture, to rewrite in place
      const input = document.createElement("input");
      input.className = "scene-text";
      input.value = item.text;
      input.title = "The words on this picture";
      input.setAttribute("form", "approval-headlines");
      Object.assign(input.dataset, { scene: item.scene, interrupt: item.interrupt, original: item.text });
      figure.append(input);
    }
    return figure;
  }).filter(Boolean));
  const script = first.script || [];
  $("approval-script").replaceChildren(...script.map((line) => {
    const li = document.createElement("li");
    li.textContent = line;
    return li;
  }));
  $("approval-script").hidden = !script.length;
  // Each version's headline per platform, editable in place.
  $("headline-fields").replaceChildren(...interrupts.flatMap((i) => Object.entries(i.headlines || {}).map(([p, h]) => {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.value = h;
    input.dataset.platform = p;
    input.dataset.interrupt = i.id;
    input.dataset.original = h;
    label.append(`${several ? `${i.variant_id}, ` : ""}${PLATFORM_NAMES[p] || p} `, input);
    return label;
  })));
  $("approval-headlines").hidden = !$("headline-fields").children.length && !$("approval-media").querySelector("input");
  box.hidden = false;
  box.dataset.gate = first.gate;
}

async function follow(started) {
  state.busy = true;
  $("send").disabled = true;
  $("resume-box").hidden = true;
  for (const element of $("draft-form").elements) element.disabled = true;  // until the turn's end shows the brief
  let finished = false;
  try {
    const response = await fetch(started.events_url, { credentials: "same-origin" });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const lines = block.split("\n");
        const id = lines.find((l) => l.startsWith("id: "));
        if (id) state.lastEvent = Number(id.slice(4));
        const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
        if (!data) continue;
        const event = JSON.parse(data);
        if (event.type === "done") finished = true;
        onEvent(event);
      }
    }
  } catch (error) {
    console.warn(`the event stream broke: ${error.message}`);
  }
  $("progress").hidden = true;
  state.busy = false;
  $("send").disabled = false;
  if (!finished) { await reconnect(); return; }
  render(await api(`/api/threads/${state.threadId}`));
  loadSidebar();
}

// -- a lost connection: wait for the server, show the conversation as it stands, go on following a running turn --

async function reconnect() {
  const banner = $("connection");
  banner.textContent = "Lost the connection to adloom. Reconnecting…";
  banner.hidden = false;
  for (let tries = 1; ; tries++) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 500 * tries)));
    let thread;
    try { thread = await api(`/api/threads/${state.threadId}`); } catch (error) {
      if (error.status === 404) { banner.textContent = "This conversation is gone from the server."; return; }
      continue;  // still down
    }
    banner.hidden = true;
    render(thread);
    loadSidebar();
    if (thread.status === "running") {  // the same server, only the stream broke: read on where it stopped
      await follow({ events_url: `/api/threads/${state.threadId}/events?after=${state.lastEvent || 0}` });
    }
    return;
  }
}

async function resumeThread() {
  $("resume-box").hidden = true;
  for (;;) {
    try {
      await follow(await api(`/api/threads/${state.threadId}/resume`, { method: "POST" }));
      return;
    } catch (error) {
      if (error.status === 409 && error.retryAfter) {  // the stopped server's hold on the run runs out first
        $("connection").textContent = `Waiting ${error.retryAfter} s for the stopped server to let go of the run…`;
        $("connection").hidden = false;
        await new Promise((resolve) => setTimeout(resolve, error.retryAfter * 1000));
        $("connection").hidden = true;
        continue;
      }
      addMessage("error", error.message);
      $("resume-box").hidden = false;
      return;
    }
  }
}

// -- time left: the campaign's stages still to run, each at its typical seconds (as in the terminal) --

function secondsLeft() {
  if (!state.stages || !state.remaining) return null;
  const typical = (node) => (state.stages.stages[node] || { typical_s: 1 }).typical_s;
  const current = state.current ? typical(state.current) * (1 - (state.fraction || 0)) : 0;
  return Math.max(0, current + state.remaining.reduce((sum, node) => sum + typical(node), 0));
}

function timeLeftWords() {
  const left = secondsLeft();
  if (left === null) return "";
  if (left < 60) return ` (about ${Math.max(5, Math.round(left / 5) * 5)} s left)`;
  return ` (about ${Math.round(left / 60)} min left)`;
}

function showStage(label) {
  $("progress").hidden = false;
  $("progress-label").textContent = label + timeLeftWords();
}

function onEvent(event) {
  if (event.type === "node") {
    const marks = { started: "…", finished: "✓", failed: "✗", waiting: "⏸", revising: "↻", rejected: "■" };
    const li = document.createElement("li");
    const why = event.error || event.reason || event.request;
    const words = event.words || event.label || event.node;
    const done = { started: "", finished: "done", failed: "failed", waiting: "waiting for you", revising: "again",
                   approved: "approved", rejected: "stopped" };
    li.textContent = `${marks[event.event] || "·"} ${words} ${done[event.event] ?? event.event}${why ? `: ${why}` : ""}`;
    $("activity").appendChild(li);
    li.scrollIntoView({ block: "nearest" });
    if (event.event === "started") {
      if (state.stages && event.node === "planner") state.remaining = [...state.stages.campaign];  // a new run
      if (state.remaining) {  // a stage run again after a send-back is not in the list: nothing to take off
        const at = state.remaining.indexOf(event.node);
        if (at >= 0) state.remaining.splice(at, 1);
      }
      state.current = event.node;
      state.fraction = 0;
      state.stage = words;
      showStage(words);
      $("progress-bar").removeAttribute("value");  // busy until the stage's tool reports how far it is
    } else if (event.event === "finished" && event.node === state.current) {
      state.current = null;
    }
  } else if (event.type === "progress") {
    state.fraction = event.fraction;
    showStage(state.stage ? `${state.stage}: ${event.label}` : event.label);
    $("progress-bar").value = event.fraction;
  } else if (event.type === "message" && event.message.role === "assistant") {
    addMessage("assistant", event.message.content);
  } else if (event.type === "error") {
    addMessage("error", event.error);
  }
}

async function upload(file) {
  // Raw footage goes up as multipart form data; the server checks its type by content.
  const form = new FormData();
  form.append("file", file);
  const response = await fetch("/api/footage/uploads", { method: "POST", body: form, credentials: "same-origin" });
  if (response.status === 401) { await signIn(); return upload(file); }
  const body = await response.json();
  if (!response.ok) throw new Error(`${file.name}: ${body.detail || response.statusText}`);
  return { path: body.path, name: file.name };
}

function showAttachments() {
  $("attachments").replaceChildren(...state.attachments.map((a) => {
    const chip = document.createElement("span");
    chip.textContent = a.name;
    return chip;
  }));
  $("attachments").hidden = state.attachments.length === 0;
}

async function send(text) {
  $("start").hidden = true;
  const attachments = state.attachments.map((a) => a.path);
  addMessage("user", text + (attachments.length ? `\n[attached: ${state.attachments.map((a) => a.name).join(", ")}]` : ""));
  state.attachments = [];
  showAttachments();
  const body = JSON.stringify({ message: text, attachments });
  const started = state.threadId
    ? await api(`/api/threads/${state.threadId}/messages`, { method: "POST", body })
    : await api("/api/threads", { method: "POST", body });
  state.threadId = started.thread_id;
  await follow(started);
}

async function decide(action, request = "", interruptId = null) {
  $("approval").hidden = true;
  try {
    const started = await api(`/api/threads/${state.threadId}/approval`,
      { method: "POST", body: JSON.stringify({ action, request, interrupt_id: interruptId }) });
    await follow(started);
  } catch (error) { addMessage("error", error.message); }
}

// Statuses in words; the values themselves are the manifest's and the database's.
const STATUS_WORDS = {
  needs_review: "needs review (a check failed)",
  interrupted: "interrupted (resume it)",
  collecting: "asking for details",
  waiting: "waiting for your approval",
};
const statusWords = (status) => STATUS_WORDS[status] || status;

async function loadSidebar() {
  const threads = await api("/api/threads");
  $("threads").replaceChildren(...threads.map((t) => {
    const li = document.createElement("li");
    li.textContent = `${t.title || t.thread_id} (${statusWords(t.status)})`;
    li.onclick = async () => { state.threadId = t.thread_id; render(await api(`/api/threads/${t.thread_id}`)); };
    return li;
  }));
  const runs = await api("/api/runs");
  $("runs").replaceChildren(...runs.map((r) => {
    const li = document.createElement("li");
    li.textContent = `${r.product || r.id.slice(0, 8)}: ${statusWords(r.status)}`;
    li.onclick = () => openRun(r.id).catch((error) => addMessage("error", error.message));
    return li;
  }));
}

$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("message").value.trim();
  if (state.busy) return;
  $("composer-hint").hidden = Boolean(text);
  if (!text) { $("message").focus(); return; }
  $("message").value = "";
  try { await send(text); } catch (error) { addMessage("error", error.message); state.busy = false; $("send").disabled = false; }
});
$("message").addEventListener("keydown", (event) => {  // Enter sends; Shift+Enter starts a new line (a list)
  if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("composer").requestSubmit(); }
});
$("attach").addEventListener("change", async (event) => {
  for (const file of event.target.files) {
    try { state.attachments.push(await upload(file)); } catch (error) { addMessage("error", error.message); }
  }
  event.target.value = "";
  showAttachments();
});
$("resume").onclick = () => resumeThread();
$("approval-headlines").addEventListener("submit", (event) => {
  // One version at a time: the changed headlines of the first version with a change, as "<platform> headline: ..."
  event.preventDefault();
  const changed = [...document.querySelectorAll("#headline-fields input, #approval-media input.scene-text")]
    .filter((input) => input.value.trim() && input.value.trim() !== input.dataset.original);
  if (!changed.length) return;
  const interrupt = changed[0].dataset.interrupt;
  const lines = changed.filter((input) => input.dataset.interrupt === interrupt).map((input) => input.dataset.scene
    ? `image ${input.dataset.scene} text: ${input.value.trim()}`
    : `${PLATFORM_NAMES[input.dataset.platform] || input.dataset.platform} headline: ${input.value.trim()}`);
  decide("edit", lines.join("\n"), interrupt);
});
$("draft-form").addEventListener("submit", (event) => { event.preventDefault(); saveDraft(); });
$("voice-select").onchange = previewChoices;
$("music-select").onchange = previewChoices;
$("music-upload").onclick = addTrack;
$("draft-platforms").append(...Object.entries(PLATFORM_NAMES).map(([value, name]) => {
  const label = document.createElement("label");
  const box = document.createElement("input");
  box.type = "checkbox";
  box.value = value;
  label.append(box, ` ${name}`);
  return label;
}));
$("approve").onclick = () => decide("approve");
$("reject").onclick = () => decide("reject");
$("edit").onclick = () => { const text = $("edit-text").value.trim(); if (text) { $("edit-text").value = ""; decide("edit", text); } };
$("new-thread").onclick = () => {
  state.threadId = null; state.remaining = null; state.current = null;
  history.replaceState(null, "", location.pathname);
  $("log").replaceChildren(); $("activity").replaceChildren(); $("resume-box").hidden = true;
  $("studio").hidden = true; $("start").hidden = false; $("connection").hidden = true;
  $("approval").hidden = true; $("brief-card").hidden = true; $("progress").hidden = true; $("composer-hint").hidden = true;
  $("results").hidden = true; $("player").removeAttribute("src");
};
api("/api/stages").then((stages) => { state.stages = stages; })
  .catch((error) => console.warn(`no time-left estimates: ${error.message}`));
loadSidebar().catch((error) => addMessage("error", error.message));
loadStart().catch((error) => addMessage("error", error.message));
const opened = new URLSearchParams(location.hash.slice(1)).get("thread");
loadPickers().catch((error) => addMessage("error", error.message)).then(() => {
  if (opened) api(`/api/threads/${opened}`).then(render).catch((error) => addMessage("error", error.message));
});
