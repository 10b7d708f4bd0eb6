// The intake page: select a passage of the article's text to quote it in a
// new claim. Each sentence's element carries its offsets into the stored text
// (data-start, data-end); the link sends offsets, not the selected text, which
// the browser normalises. The server takes the quote from the offsets and asks
// the editor to confirm it. Without this script, "New claim" links still work.
(function () {
  "use strict";
  var list = document.querySelector(".intake-sentences");
  if (!list) return;
  var link = document.createElement("a");
  link.className = "quote-selection button";
  link.textContent = "Quote the selection in a new claim";
  link.hidden = true;

  // The offset in the stored text of a boundary point inside a sentence. The
  // stored text counts code points, JavaScript UTF-16 units (an emoji is two).
  function offset(sentence, node, units) {
    var before = document.createRange();
    before.setStart(sentence, 0);
    before.setEnd(node, units);
    return Number(sentence.dataset.start) + Array.from(before.toString()).length;
  }

  // The part of a sentence the selection covers, as offsets, or null. A triple
  // click, or a drag past the end of a line, puts a boundary outside the
  // text: the passage then runs to the sentence's edge.
  function covered(sentence, range) {
    if (!range.intersectsNode(sentence)) return null;
    var start = sentence.contains(range.startContainer)
      ? offset(sentence, range.startContainer, range.startOffset)
      : Number(sentence.dataset.start);
    var end = sentence.contains(range.endContainer)
      ? offset(sentence, range.endContainer, range.endOffset)
      : Number(sentence.dataset.end);
    return end > start ? { start: start, end: end, sentence: sentence } : null;
  }

  function update() {
    var selection = window.getSelection();
    link.hidden = true;
    if (!selection.rangeCount || selection.isCollapsed) return;
    var range = selection.getRangeAt(0);
    var parts = Array.prototype.map
      .call(list.querySelectorAll(".sentence-text"), function (sentence) {
        return covered(sentence, range);
      })
      .filter(Boolean);
    if (!parts.length) return;
    var last = parts[parts.length - 1];
    link.href = list.dataset.claimUrl + "?start=" + parts[0].start + "&end=" + last.end;
    // Beside the passage selected, where the editor is looking.
    last.sentence.closest("li").appendChild(link);
    link.hidden = false;
  }

  document.addEventListener("selectionchange", update);
})();
