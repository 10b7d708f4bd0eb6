// The intake page: select a passage of the article's text to quote it in a
// new claim. Each sentence's element carries its offsets into the stored text
// (data-start); the link sends offsets, not the selected text, which the
// browser normalises. The server takes the quote from the offsets and asks the
// editor to confirm it. Without this script, "New claim" links still work.
(function () {
  "use strict";
  var list = document.querySelector(".intake-sentences");
  if (!list) return;
  var link = document.createElement("a");
  link.className = "quote-selection button";
  link.textContent = "Quote the selection in a new claim";
  link.hidden = true;

  // Offsets in the stored text count code points; JavaScript counts UTF-16 units.
  function offset(node, units) {
    var element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    var sentence = element && element.closest(".sentence-text");
    if (!sentence) return null;
    var before = node.nodeType === Node.TEXT_NODE ? node.data.slice(0, units) : "";
    return Number(sentence.dataset.start) + Array.from(before).length;
  }

  function update() {
    var selection = window.getSelection();
    link.hidden = true;
    if (!selection.rangeCount || selection.isCollapsed) return;
    var range = selection.getRangeAt(0);
    var start = offset(range.startContainer, range.startOffset);
    var end = offset(range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) return;
    link.href = list.dataset.claimUrl + "?start=" + start + "&end=" + end;
    // Beside the passage selected, where the editor is looking.
    var node = range.endContainer;
    var element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    element.closest("li").appendChild(link);
    link.hidden = false;
  }

  document.addEventListener("selectionchange", update);
})();
