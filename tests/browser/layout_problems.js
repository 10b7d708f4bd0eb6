// Run in the page by Site.check: what a reader would find wrong with its layout.
() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) {
    // Name the innermost elements that stick out: the ones to fix.
    const sticksOut = e => e.getBoundingClientRect().right > root.clientWidth + 1;
    const wide = [...document.body.querySelectorAll("*")]
      .filter(e => sticksOut(e) && ![...e.children].some(sticksOut))
      .map(e => `<${e.tagName.toLowerCase()}${e.className ? " class=" + e.className : ""}> "${e.textContent.trim().slice(0, 40)}"`);
    problems.push(`${root.scrollWidth}px wide for ${root.clientWidth}px: ${wide.slice(0, 5).join(", ")}`);
  }
  for (const link of document.querySelectorAll("a")) {
    const walker = document.createTreeWalker(link, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      // A word is what lies between spaces and the marks a line may break after.
      for (const word of text.data.matchAll(/[^\s\-\/?&=.]+/g)) {
        const range = document.createRange();
        range.setStart(text, word.index);
        range.setEnd(text, word.index + word[0].length);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (lines.size > 1) problems.push(`link text breaks inside "${word[0]}": ${link.textContent.trim()}`);
      }
    }
  }
  for (const attribute of ["aria-describedby", "aria-labelledby", "aria-controls"]) {
    for (const element of document.querySelectorAll(`[${attribute}]`)) {
      for (const id of element.getAttribute(attribute).split(/\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) {
          problems.push(`${attribute}="${id}" on <${element.tagName.toLowerCase()} name="${element.name || ""}"> points at nothing`);
        }
      }
    }
  }
  return problems;
}
