(function () {
  var box = document.getElementById('only-problems');
  if (box) {
    box.addEventListener('change', function () {
      document.body.classList.toggle('only-problems', box.checked);
    });
  }
  if (location.hash) {
    var target = document.getElementById(location.hash.slice(1));
    if (target && target.tagName === 'DETAILS') { target.open = true; }
  }
  document.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('a[href^="#t"]');
    if (!a) { return; }
    var d = document.getElementById(a.getAttribute('href').slice(1));
    if (d && d.tagName === 'DETAILS') { d.open = true; }
  });
  var grids = document.getElementById('heatmap-grids');
  if (grids) {
    var r = grids.getBoundingClientRect();
    document.body.setAttribute('data-heatmap-rect',
      [r.left, r.top, r.width, r.height].map(Math.round).join(','));
    document.body.setAttribute('data-heatmap-cells', String(grids.querySelectorAll('td:not(.empty)').length));
  }
  document.body.setAttribute('data-ready', '1');
})();
