// Progressive enhancement for annotating a span of a message's text.
// Without this script the form's "Quote" field still works: the server finds the words.
// With it, selecting words in the text offers an "Annotate" button that fills the quote and its
// offsets (counted in the message's own text, skipping the highlight counts we draw on top).

const CONTEXT = 32;
const textBox = document.querySelector("[data-annotatable]");
const form = document.querySelector("[data-annotation-form]");

function textNodes(root) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) =>
      node.parentElement.closest(".hl-count") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
  });
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  return nodes;
}

function plainText(root) {
  return textNodes(root).map((node) => node.data).join("");
}

function offsetOf(root, container, offset) {
  // Offset of a DOM boundary point within the message text.
  let total = 0;
  for (const node of textNodes(root)) {
    if (node === container) return total + offset;
    if (container.nodeType !== Node.TEXT_NODE && container.contains(node)) {
      const child = container.childNodes[offset];
      if (child && (child === node || child.contains(node))) return total;
    }
    total += node.data.length;
  }
  return total;
}

function currentSelection() {
  const selection = window.getSelection();
  if (!selection || selection.isCollapsed || selection.rangeCount === 0) return null;
  const range = selection.getRangeAt(0);
  if (!textBox.contains(range.startContainer) || !textBox.contains(range.endContainer)) return null;
  const start = offsetOf(textBox, range.startContainer, range.startOffset);
  const end = offsetOf(textBox, range.endContainer, range.endOffset);
  if (end <= start) return null;
  return { start, end, rect: range.getBoundingClientRect() };
}

function fillQuote(span) {
  const text = plainText(textBox);
  const set = (name, value) => {
    const field = form.querySelector(`[name="${name}"]`);
    if (field) field.value = value;
  };
  set("quote_exact", text.slice(span.start, span.end));
  set("quote_start", span.start);
  set("quote_end", span.end);
  set("quote_prefix", text.slice(Math.max(0, span.start - CONTEXT), span.start));
  set("quote_suffix", text.slice(span.end, span.end + CONTEXT));
  const details = form.closest("details");
  if (details) details.open = true;
  form.querySelector('[name="body"]').focus();
}

if (textBox && form) {
  document.documentElement.classList.add("js");
  const floating = document.createElement("button");
  floating.type = "button";
  floating.className = "annotate-selection";
  floating.textContent = "Annotate";
  floating.hidden = true;
  document.body.append(floating);
  let lastSpan = null;

  document.addEventListener("selectionchange", () => {
    const span = currentSelection();
    if (span) lastSpan = span;
    floating.hidden = !span;
    if (span) {
      floating.style.top = `${window.scrollY + span.rect.bottom + 6}px`;
      floating.style.left = `${window.scrollX + span.rect.left}px`;
    }
  });
  // mousedown, not click: keep the selection alive until we have read it.
  floating.addEventListener("mousedown", (event) => event.preventDefault());
  floating.addEventListener("click", () => {
    if (lastSpan) fillQuote(lastSpan);
    floating.hidden = true;
  });
  // The keyboard route: select with Shift+arrows (or any way), then press this button in the form.
  const useSelection = form.querySelector("[data-use-selection]");
  if (useSelection) {
    useSelection.addEventListener("mousedown", (event) => event.preventDefault());
    useSelection.addEventListener("click", () => {
      const span = currentSelection() || lastSpan;
      if (span) fillQuote(span);
    });
  }
  // If the user retypes the quote, the offsets no longer apply: the server will find the words.
  const quoteField = form.querySelector('[name="quote_exact"]');
  if (quoteField) {
    quoteField.addEventListener("input", () => {
      for (const name of ["quote_start", "quote_end"]) {
        form.querySelector(`[name="${name}"]`).value = "";
      }
    });
  }
}
