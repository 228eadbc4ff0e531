// MathJax renders the MathML that LaTeXML wrote, with everything it loads taken from this site
// (mathjax/ beside the pages): no network at reading time.
window.MathJax = {
  loader: {
    paths: { mathjax: "mathjax", fonts: "mathjax/fonts" },
  },
  output: {
    // A display too wide for a phone scrolls within its own line, never the page.
    displayOverflow: "scroll",
  },
  options: {
    menuOptions: {
      settings: {
        // Screen readers get each formula's MathML (hidden beside the rendering). MathJax's own
        // speech (semantic enrichment) is off by default: it made the longest chapter take 8.6 s
        // instead of 1.4 s to typeset in Chromium. A reader can turn it on in MathJax's menu.
        assistiveMml: true,
        enrich: false,
        speech: false,
        braille: false,
      },
    },
  },
};
