/* Texts that Bootstrap components write in English with no property to change them, read
   aloud by screen readers and part of the page's text:
   - the pager (dbc.Pagination, drawn by react-bootstrap): hidden labels "First", "Previous",
     "Next", "Last", "More" and "(current)";
   - the close button of a dismissable notice (dbc.Alert): aria-label "Close alert"/"Close".
   They are replaced by Chinese wherever they appear (tests/test_ui_language.py checks). */
(function () {
  "use strict";
  var PAGER = {
    "First": "首页", "Previous": "上一页", "Next": "下一页", "Last": "末页",
    "More": "更多页", "(current)": "（当前页）"
  };
  var CLOSE = {"Close alert": "关闭提示", "Close": "关闭"};
  function has(map, key) {
    return Object.prototype.hasOwnProperty.call(map, key);
  }
  function translate() {
    var spans = document.querySelectorAll(".pagination .visually-hidden");
    for (var i = 0; i < spans.length; i++) {
      if (has(PAGER, spans[i].textContent)) {
        spans[i].textContent = PAGER[spans[i].textContent];
      }
    }
    var buttons = document.querySelectorAll(".btn-close[aria-label]");
    for (var j = 0; j < buttons.length; j++) {
      var label = buttons[j].getAttribute("aria-label");
      if (has(CLOSE, label)) {
        buttons[j].setAttribute("aria-label", CLOSE[label]);
      }
    }
  }
  new MutationObserver(translate).observe(document.documentElement, {childList: true, subtree: true});
  translate();
})();
