// Pan (drag) and zoom (mouse wheel) for the explorer's graph picture; a double click resets it.
// The page works without this file: the picture is plain SVG whose nodes are links.
(function () {
  "use strict";
  const svg = document.querySelector(".graph svg");
  if (!svg || !svg.viewBox || !svg.viewBox.baseVal || !svg.viewBox.baseVal.width) {
    return;
  }
  const box = svg.viewBox.baseVal;
  const home = { x: box.x, y: box.y, width: box.width, height: box.height };
  let drag = null;
  let dragged = false;

  function toPicture(event) {
    const rect = svg.getBoundingClientRect();
    return {
      x: box.x + ((event.clientX - rect.left) / rect.width) * box.width,
      y: box.y + ((event.clientY - rect.top) / rect.height) * box.height,
    };
  }

  svg.addEventListener(
    "wheel",
    function (event) {
      event.preventDefault();
      const scale = event.deltaY > 0 ? 1.2 : 1 / 1.2;
      const at = toPicture(event);
      box.x = at.x - (at.x - box.x) * scale;
      box.y = at.y - (at.y - box.y) * scale;
      box.width *= scale;
      box.height *= scale;
    },
    { passive: false }
  );
  svg.addEventListener("pointerdown", function (event) {
    drag = { x: event.clientX, y: event.clientY, boxX: box.x, boxY: box.y };
    dragged = false;
  });
  window.addEventListener("pointermove", function (event) {
    if (!drag) {
      return;
    }
    const rect = svg.getBoundingClientRect();
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) {
      dragged = true;
      svg.style.cursor = "grabbing";
    }
    box.x = drag.boxX - (dx / rect.width) * box.width;
    box.y = drag.boxY - (dy / rect.height) * box.height;
  });
  window.addEventListener("pointerup", function () {
    drag = null;
    svg.style.cursor = "grab";
  });
  // a drag that ends on a node must not open the node's page
  svg.addEventListener(
    "click",
    function (event) {
      if (dragged) {
        event.preventDefault();
        dragged = false;
      }
    },
    true
  );
  svg.addEventListener("dblclick", function () {
    box.x = home.x;
    box.y = home.y;
    box.width = home.width;
    box.height = home.height;
  });
  svg.style.cursor = "grab";
})();
