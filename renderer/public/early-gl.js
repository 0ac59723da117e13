// Starts the Floor's two WebGL contexts while the app's code downloads and compiles: creating a
// context is slow on software WebGL (the GPU process sets it up in the background) and nothing
// else needs that time. renderer/src/floor/pixi/start-renderer.ts takes them over when their
// attributes are the ones it wants (the same lists as here), and makes its own otherwise.
// A classic script, not a module, so that it runs before the bundle has even arrived.
// Only when the Floor draws with WebGL: the same choice as renderer/src/floor/pixi/floor-renderer.ts
// (the query's `renderer`, else localStorage `takt.floorRenderer`, else the 2D canvas).
(function () {
  var view = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  if (view && view !== 'floor') return;
  var kind = new URLSearchParams(location.search).get('renderer');
  if (kind !== 'webgl' && kind !== 'canvas') {
    try {
      kind = localStorage.getItem('takt.floorRenderer');
    } catch (e) {
      kind = null;
    }
  }
  if (kind !== 'webgl') return;
  function make(attrs) {
    try {
      var canvas = document.createElement('canvas');
      canvas.width = 1;
      canvas.height = 1;
      var context = canvas.getContext('webgl2', attrs);
      return context ? { canvas: canvas, context: context } : null;
    } catch (e) {
      return null;
    }
  }
  window.__taktEarlyGl = {
    app: make({ alpha: true, premultipliedAlpha: true, antialias: false, stencil: true, preserveDrawingBuffer: false, powerPreference: 'default' }),
    board: make({ alpha: false, premultipliedAlpha: true, antialias: false, stencil: true, preserveDrawingBuffer: true, powerPreference: 'default' }),
  };
})();
