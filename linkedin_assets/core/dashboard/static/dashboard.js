/* LinkedIn Statistics dashboard: vanilla JS, no network, charts drawn as SVG.
 * Data comes from <script type="application/json" id="data"> (built by render.py).
 * User data is only ever put in the page with textContent / setAttribute, never as HTML.
 */
(function () {
  "use strict";

  var SVGNS = "http://www.w3.org/2000/svg";
  var COLORS = {
    impressions: "#0a66c2",
    engagements: "#e8710a",
    followers: "#1e8e3e",
    newFollowers: "#7b4fc9",
    grid: "#e6e9ee",
    axis: "#5f6b7a",
  };
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  var DASH = "\u2014";

  // ------------------------------------------------------------------ errors

  function showError(message) {
    var box = document.getElementById("error");
    if (!box) {
      box = document.createElement("div");
      box.id = "error";
      document.body.insertBefore(box, document.body.firstChild);
    }
    box.className = "error visible";
    box.textContent = (box.textContent ? box.textContent + "\n" : "") + "Dashboard error: " + message;
  }
  window.addEventListener("error", function (e) {
    showError(e.message || String(e.error || e));
  });

  // -------------------------------------------------------------- formatting

  function isNum(v) {
    return typeof v === "number" && isFinite(v);
  }
  function fmtInt(v) {
    if (!isNum(v)) return DASH;
    var n = Math.round(v);
    var s = String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (n < 0 ? "\u2212" : "") + s;
  }
  function fmtSigned(v) {
    if (!isNum(v)) return DASH;
    return (v > 0 ? "+" : "") + fmtInt(v);
  }
  function fmtDec(v, digits) {
    if (!isNum(v)) return DASH;
    var p = Math.pow(10, digits);
    var r = Math.round(v * p) / p;
    var whole = Math.trunc(r);
    var frac = Math.abs(r - whole).toFixed(digits).slice(1);
    return fmtInt(whole) + (digits ? frac : "");
  }
  function fmtPct(v) {
    return isNum(v) ? (v * 100).toFixed(2) + "%" : DASH;
  }
  function fmtCompact(v) {
    if (!isNum(v)) return DASH;
    var a = Math.abs(v);
    if (a >= 1e6) return trimZero((v / 1e6).toFixed(a >= 1e7 ? 0 : 1)) + "M";
    if (a >= 1e4) return trimZero((v / 1e3).toFixed(a >= 1e5 ? 0 : 1)) + "k";
    if (Math.round(v) === v) return fmtInt(v);
    return fmtDec(v, 1);
  }
  function trimZero(s) {
    return s.replace(/\.0$/, "");
  }
  function parseDate(iso) {
    var p = String(iso).slice(0, 10).split("-");
    return Date.UTC(+p[0], +p[1] - 1, +p[2]);
  }
  function dateParts(iso) {
    var d = new Date(parseDate(iso));
    return { y: d.getUTCFullYear(), m: d.getUTCMonth(), d: d.getUTCDate(), w: d.getUTCDay() };
  }
  function fmtDate(iso) {
    if (!iso) return DASH;
    var p = dateParts(iso);
    return p.d + " " + MONTHS[p.m] + " " + p.y;
  }
  function fmtDateLong(iso) {
    if (!iso) return DASH;
    return WEEKDAYS[dateParts(iso).w] + " " + fmtDate(iso);
  }
  function fmtRange(a, b) {
    if (a === b) return fmtDate(a);
    var pa = dateParts(a), pb = dateParts(b);
    return (pa.y === pb.y ? fmtDateShort(a) : fmtDate(a)) + " \u2013 " + fmtDate(b);
  }
  function fmtDateShort(iso) {
    var p = dateParts(iso);
    return p.d + " " + MONTHS[p.m];
  }
  function fmtMonth(period) {
    var p = String(period).split("-");
    return MONTHS[+p[1] - 1] + " " + p[0];
  }
  function fmtWeek(period) {
    return "Week of " + fmtDate(period);
  }

  // --------------------------------------------------------------------- DOM

  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "text") node.textContent = String(v);
        else if (k === "class") node.className = v;
        else if (k === "on") Object.keys(v).forEach(function (ev) { node.addEventListener(ev, v[ev]); });
        else node.setAttribute(k, v === true ? "" : String(v));
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  function s(tag, attrs, parent) {
    var node = document.createElementNS(SVGNS, tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (attrs[k] === null || attrs[k] === undefined) return;
        if (k === "text") node.textContent = String(attrs[k]);
        else node.setAttribute(k, String(attrs[k]));
      });
    }
    if (parent) parent.appendChild(node);
    return node;
  }
  function tip(node, text) {
    s("title", { text: text }, node);
    return node;
  }
  function safeHref(url) {
    return typeof url === "string" && /^https:\/\//i.test(url) ? url : null;
  }
  function postLink(title, url) {
    var href = safeHref(url);
    if (!href) return h("span", { text: title });
    return h("a", { href: href, target: "_blank", rel: "noopener noreferrer", text: title, title: title });
  }
  function card(title, subtitle, body, extraClass) {
    return h("div", { class: "card" + (extraClass ? " " + extraClass : "") }, [
      h("div", { class: "card-head" }, [
        h("h2", { text: title }),
        subtitle ? h("p", { class: "sub", text: subtitle }) : null,
      ]),
      body,
    ]);
  }
  function chartBox(name) {
    return h("div", { class: "chart", "data-chart-box": name });
  }

  // ----------------------------------------------------------------- tables

  /* columns: [{label, value(row)->string|Node, num:bool}] */
  function table(columns, rows, opts) {
    opts = opts || {};
    if (!rows.length) return h("p", { class: "empty", text: opts.empty || "No rows." });
    var thead = h("thead", null, [
      h("tr", null, columns.map(function (c) {
        return h("th", { class: c.num ? "num" : null, text: c.label });
      })),
    ]);
    var tbody = h("tbody", null, rows.map(function (r) {
      return h("tr", { class: opts.rowClass ? opts.rowClass(r) : null, "data-row": opts.rowAttr ? opts.rowAttr(r) : null }, columns.map(function (c) {
        var v = c.value(r);
        var cell = h("td", { class: (c.num ? "num" : "") + (c.cls ? " " + c.cls : "") || null, "data-key": c.key || null });
        if (v instanceof Node) cell.appendChild(v);
        else cell.textContent = v === null || v === undefined ? DASH : String(v);
        return cell;
      }));
    }));
    var wrap = h("div", { class: "table-wrap" + (opts.scroll ? " scroll" : "") }, [
      h("table", { class: "data" + (opts.compact ? " compact" : ""), id: opts.id || null }, [thead, tbody]),
    ]);
    return wrap;
  }

  // ------------------------------------------------------------------ charts

  function niceStep(range, count) {
    var raw = range / Math.max(1, count);
    var mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var norm = raw / mag;
    var step = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10;
    return step * mag;
  }
  /* ticks from 0 (or min when negative) to a nice max covering max */
  function niceScale(min, max, count, integer) {
    if (!isNum(min)) min = 0;
    if (!isNum(max)) max = 0;
    min = Math.min(0, min);
    max = Math.max(0, max);
    if (max === min) max = min + (integer ? 4 : 1);
    var step = niceStep(max - min, count || 5);
    if (integer) step = Math.max(1, Math.round(step));
    var lo = Math.floor(min / step) * step;
    var hi = Math.ceil(max / step) * step;
    var ticks = [];
    for (var v = lo; v <= hi + step / 2; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
    return { min: lo, max: hi, ticks: ticks };
  }
  function linear(d0, d1, r0, r1) {
    var span = d1 - d0 || 1;
    return function (v) { return r0 + ((v - d0) / span) * (r1 - r0); };
  }
  function newSvg(box, name, w, hgt, label) {
    box.textContent = "";
    var svg = s("svg", {
      viewBox: "0 0 " + w + " " + hgt,
      width: w,
      height: hgt,
      class: "chart-svg",
      role: "img",
      "aria-label": label || name,
      "data-chart": name,
      preserveAspectRatio: "xMidYMid meet",
    });
    box.appendChild(svg);
    return svg;
  }
  function emptyChart(box, name, message, w, hgt) {
    w = w || 1180;
    hgt = hgt || 160;
    var svg = newSvg(box, name, w, hgt, message);
    svg.setAttribute("data-empty", "1");
    s("rect", { x: 1, y: 1, width: w - 2, height: hgt - 2, rx: 8, class: "empty-frame" }, svg);
    s("text", { x: w / 2, y: hgt / 2, "text-anchor": "middle", "dominant-baseline": "middle", class: "empty-text", text: message }, svg);
    return svg;
  }
  function legend(svg, series, x, y) {
    var g = s("g", { class: "legend", transform: "translate(" + x + "," + y + ")" }, svg);
    var off = 0;
    series.forEach(function (se) {
      var item = s("g", { transform: "translate(" + off + ",0)" }, g);
      if (se.kind === "line") s("line", { x1: 0, x2: 18, y1: 0, y2: 0, stroke: se.color, "stroke-width": 3, "stroke-linecap": "round" }, item);
      else s("rect", { x: 2, y: -6, width: 12, height: 12, rx: 2, fill: se.color }, item);
      var label = se.name + (se.axisNote ? " (" + se.axisNote + ")" : "");
      s("text", { x: 24, y: 0, "dominant-baseline": "middle", class: "legend-text", text: label }, item);
      off += 24 + label.length * 7 + 22;
    });
    return g;
  }
  function yAxis(svg, scale, y, x, side, color, fmt) {
    var g = s("g", { class: "axis y-axis" }, svg);
    scale.ticks.forEach(function (t) {
      var ty = y(t);
      s("text", {
        x: side === "left" ? x - 8 : x + 8,
        y: ty,
        "text-anchor": side === "left" ? "end" : "start",
        "dominant-baseline": "middle",
        class: "tick",
        fill: color || null,
        text: (fmt || axisFmt(scale))(t),
      }, g);
    });
    return g;
  }
  function axisFmt(scale) {
    var big = Math.max(Math.abs(scale.min), Math.abs(scale.max)) >= 1e6;
    var frac = scale.ticks.some(function (t) { return Math.round(t) !== t; });
    return function (v) { return big ? fmtCompact(v) : frac ? fmtDec(v, 1) : fmtInt(v); };
  }
  function gridLines(svg, scale, y, x0, x1) {
    var g = s("g", { class: "grid" }, svg);
    scale.ticks.forEach(function (t) {
      s("line", { x1: x0, x2: x1, y1: y(t), y2: y(t), class: t === 0 ? "zero" : null }, g);
    });
  }
  function pickIndexes(n, maxLabels) {
    if (n <= maxLabels) return Array.from({ length: n }, function (_, i) { return i; });
    var step = Math.ceil(n / maxLabels);
    var out = [];
    for (var i = 0; i < n; i += step) out.push(i);
    return out;
  }

  /* opts: {xs: [number], xLabels: [string] (tooltip), xType: 'date'|'number', xTitle,
   *        series: [{name, color, values, axis: 'left'|'right'}], width, height, dots} */
  function lineChart(box, name, opts) {
    var W = opts.width || 1180, H = opts.height || 320;
    var n = opts.xs.length;
    var hasData = opts.series.some(function (se) { return se.values.some(isNum); });
    if (!n || !hasData) return emptyChart(box, name, opts.emptyMessage || "No data to chart.", W, 160);
    var dual = opts.series.some(function (se) { return se.axis === "right"; });
    var M = { top: opts.series.length > 1 ? 40 : 20, right: dual ? 64 : 24, bottom: opts.xTitle ? 52 : 36, left: 64 };
    var svg = newSvg(box, name, W, H, opts.label);
    var xmin = Math.min.apply(null, opts.xs), xmax = Math.max.apply(null, opts.xs);
    var pad = xmin === xmax ? (opts.xType === "date" ? 86400000 : 1) : 0;
    var x = linear(xmin - pad, xmax + pad, M.left + 8, W - M.right - 8);
    function valuesOf(axis) {
      var out = [];
      opts.series.forEach(function (se) {
        if ((se.axis || "left") === axis) se.values.forEach(function (v) { if (isNum(v)) out.push(v); });
      });
      return out;
    }
    var scales = {};
    ["left", "right"].forEach(function (axis) {
      var vals = valuesOf(axis);
      if (!vals.length) return;
      var lo = Math.min.apply(null, vals), hi = Math.max.apply(null, vals);
      var sc = opts.zeroBased === false ? niceRange(lo, hi, 5) : niceScale(lo, hi, 5, true);
      scales[axis] = { scale: sc, y: linear(sc.min, sc.max, H - M.bottom, M.top) };
    });
    var leftAxis = scales.left || scales.right;
    gridLines(svg, leftAxis.scale, leftAxis.y, M.left, W - M.right);
    opts.series.forEach(function (se) {
      var ax = scales[se.axis || "left"];
      if (ax && !ax.drawn) {
        ax.drawn = true;
        var side = (se.axis || "left") === "right" ? "right" : "left";
        yAxis(svg, ax.scale, ax.y, side === "left" ? M.left : W - M.right, side, dual ? se.color : null, opts.yFmt);
      }
    });
    // x axis
    var gx = s("g", { class: "axis x-axis" }, svg);
    s("line", { x1: M.left, x2: W - M.right, y1: H - M.bottom, y2: H - M.bottom, class: "baseline" }, gx);
    var ticks;
    if (opts.xType === "date") {
      var spanDays = (xmax - xmin) / 86400000;
      var maxLabels = Math.max(2, Math.floor((W - M.left - M.right) / 90));
      if (spanDays > 120) {
        // month starts, every k-th month
        var d0 = new Date(xmin), months = [];
        var k = Math.max(1, Math.ceil(spanDays / 30.4 / maxLabels));
        k = [1, 2, 3, 4, 6, 12].filter(function (c) { return c >= k; })[0] || 12;
        var cur = Date.UTC(d0.getUTCFullYear(), d0.getUTCMonth() + 1, 1);
        while (cur <= xmax) {
          var dd = new Date(cur);
          if (dd.getUTCMonth() % k === 0) months.push(cur);
          cur = Date.UTC(dd.getUTCFullYear(), dd.getUTCMonth() + 1, 1);
        }
        ticks = months.map(function (v) {
          var dd = new Date(v);
          var m = dd.getUTCMonth();
          return { v: v, label: m === 0 || k === 12 || spanDays > 400 ? MONTHS[m] + " " + dd.getUTCFullYear() : MONTHS[m] };
        });
      } else {
        ticks = pickIndexes(n, maxLabels).map(function (i) {
          var iso = new Date(opts.xs[i]).toISOString().slice(0, 10);
          return { v: opts.xs[i], label: fmtDateShort(iso) };
        });
      }
    } else {
      var sc = niceScale(xmin, xmax, Math.min(10, Math.max(1, xmax - xmin)), true);
      ticks = sc.ticks.filter(function (t) { return t >= xmin - pad && t <= xmax + pad; }).map(function (t) { return { v: t, label: fmtInt(t) }; });
    }
    ticks.forEach(function (t) {
      s("line", { x1: x(t.v), x2: x(t.v), y1: H - M.bottom, y2: H - M.bottom + 5, class: "tickmark" }, gx);
      s("text", { x: x(t.v), y: H - M.bottom + 18, "text-anchor": "middle", class: "tick", text: t.label }, gx);
    });
    if (opts.xTitle) s("text", { x: (M.left + W - M.right) / 2, y: H - 8, "text-anchor": "middle", class: "axis-title", text: opts.xTitle }, gx);
    // hover columns with a tooltip of every series at that x
    var hover = s("g", { class: "hover" }, svg);
    var colW = Math.max(2, (W - M.left - M.right) / Math.max(1, n));
    opts.xs.forEach(function (xv, i) {
      var lines = [opts.xLabels[i]];
      opts.series.forEach(function (se) { lines.push(se.name + ": " + fmtInt(se.values[i])); });
      tip(s("rect", { x: x(xv) - colW / 2, y: M.top, width: colW, height: H - M.top - M.bottom, class: "hover-col" }, hover), lines.join("\n"));
    });
    // lines (broken at nulls) and dots
    opts.series.forEach(function (se) {
      var ax = scales[se.axis || "left"];
      var d = "", pen = false;
      se.values.forEach(function (v, i) {
        if (!isNum(v)) { pen = false; return; }
        d += (pen ? "L" : "M") + x(opts.xs[i]).toFixed(1) + "," + ax.y(v).toFixed(1);
        pen = true;
      });
      if (!se.dotsOnly) {
        var path = s("path", { d: d, fill: "none", stroke: se.color, "stroke-width": 2.25, "stroke-linejoin": "round", "stroke-linecap": "round", class: "series-line" }, svg);
        tip(path, se.name);
      }
      var dots = se.dotsOnly || (opts.dots !== false && n <= 400);
      var g = s("g", { class: "dots", fill: se.color }, svg);
      se.values.forEach(function (v, i) {
        if (!isNum(v)) return;
        var isolated = !isNum(se.values[i - 1]) && !isNum(se.values[i + 1]);
        if (!dots && !isolated) return;
        tip(s("circle", { cx: x(opts.xs[i]).toFixed(1), cy: ax.y(v).toFixed(1), r: isolated ? 3.5 : n > 90 ? 2 : 3 }, g),
          opts.xLabels[i] + "\n" + se.name + ": " + fmtInt(v));
      });
    });
    if (opts.series.length > 1) {
      legend(svg, opts.series.map(function (se) {
        return { name: se.name, color: se.color, kind: se.dotsOnly ? "bar" : "line", axisNote: dual ? (se.axis === "right" ? "right axis" : "left axis") : null };
      }), M.left, 16);
    }
    return svg;
  }
  function niceRange(lo, hi, count) {
    if (lo === hi) { lo -= 1; hi += 1; }
    var step = niceStep(hi - lo, count);
    step = Math.max(1, Math.round(step));
    var a = Math.floor(lo / step) * step, b = Math.ceil(hi / step) * step;
    var ticks = [];
    for (var v = a; v <= b + step / 2; v += step) ticks.push(v);
    return { min: a, max: b, ticks: ticks };
  }

  /* grouped vertical bars. opts: {categories, tips, series: [{name,color,values,axis}], width, height} */
  function barChart(box, name, opts) {
    var W = opts.width || 1180, H = opts.height || 300;
    var n = opts.categories.length;
    var hasData = opts.series.some(function (se) { return se.values.some(isNum); });
    if (!n || !hasData) return emptyChart(box, name, opts.emptyMessage || "No data to chart.", W, 160);
    var dual = opts.series.some(function (se) { return se.axis === "right"; });
    var M = { top: opts.series.length > 1 ? 40 : 20, right: dual ? 64 : 24, bottom: 40, left: 64 };
    var svg = newSvg(box, name, W, H, opts.label);
    var scales = {};
    opts.series.forEach(function (se) {
      var axis = se.axis || "left";
      var vals = se.values.filter(isNum);
      var prev = scales[axis] ? scales[axis].vals : [];
      scales[axis] = { vals: prev.concat(vals) };
    });
    Object.keys(scales).forEach(function (axis) {
      var vals = scales[axis].vals;
      var sc = niceScale(Math.min.apply(null, vals.concat([0])), Math.max.apply(null, vals.concat([0])), 5, !opts.decimals);
      scales[axis].scale = sc;
      scales[axis].y = linear(sc.min, sc.max, H - M.bottom, M.top);
    });
    var main = scales.left || scales.right;
    gridLines(svg, main.scale, main.y, M.left, W - M.right);
    var drawnAxes = {};
    opts.series.forEach(function (se) {
      var axis = se.axis || "left";
      if (drawnAxes[axis]) return;
      drawnAxes[axis] = true;
      yAxis(svg, scales[axis].scale, scales[axis].y, axis === "left" ? M.left : W - M.right, axis, dual ? se.color : null, opts.fmt);
    });
    var band = (W - M.left - M.right) / n;
    var inner = Math.min(band * (n > 30 ? 0.86 : 0.72), opts.series.length * 56);
    var bw = inner / opts.series.length;
    var gx = s("g", { class: "axis x-axis" }, svg);
    var labelIdx = pickIndexes(n, Math.max(2, Math.floor((W - M.left - M.right) / (opts.labelWidth || 70))));
    labelIdx.forEach(function (i) {
      s("text", { x: M.left + band * (i + 0.5), y: H - M.bottom + 18, "text-anchor": "middle", class: "tick", text: opts.categories[i] }, gx);
    });
    opts.series.forEach(function (se, si) {
      var ax = scales[se.axis || "left"];
      var g = s("g", { class: "bars", fill: se.color }, svg);
      se.values.forEach(function (v, i) {
        if (!isNum(v)) return;
        var x0 = M.left + band * i + (band - inner) / 2 + bw * si;
        var y0 = ax.y(Math.max(0, v)), y1 = ax.y(Math.min(0, v));
        var partial = opts.partial && opts.partial[i];
        var rect = s("rect", { x: x0.toFixed(1), y: y0.toFixed(1), width: Math.max(1, bw - (opts.series.length > 1 ? 1 : 0)).toFixed(1), height: Math.max(v === 0 ? 0 : 1, y1 - y0).toFixed(1), rx: Math.min(3, bw / 4).toFixed(1), class: partial ? "bar partial" : "bar", stroke: partial ? se.color : null }, g);
        tip(rect, (opts.tips ? opts.tips[i] : opts.categories[i]) + "\n" + se.name + ": " + (opts.fmt ? opts.fmt(v) : opts.decimals ? fmtDec(v, opts.decimals) : fmtInt(v)));
      });
    });
    s("line", { x1: M.left, x2: W - M.right, y1: main.y(0), y2: main.y(0), class: "baseline" }, svg);
    if (opts.series.length > 1) {
      legend(svg, opts.series.map(function (se) {
        return { name: se.name, color: se.color, kind: "bar", axisNote: dual ? (se.axis === "right" ? "right axis" : "left axis") : null };
      }), M.left, 16);
    }
    return svg;
  }

  /* horizontal bars, one panel per series sharing the row labels.
   * opts: {rows: [{label, cls}], series: [{name,color,values}], width} */
  function hbarPanels(box, name, opts) {
    var W = opts.width || 1180;
    var n = opts.rows.length;
    var hasData = opts.series.some(function (se) { return se.values.some(isNum); });
    if (!n || !hasData) return emptyChart(box, name, opts.emptyMessage || "No data to chart.", W, 160);
    var rowH = 26, labelW = opts.labelWidth || 330, gap = 48;
    var M = { top: 34, bottom: 30, right: 70 };
    var H = M.top + n * rowH + M.bottom;
    var svg = newSvg(box, name, W, H, opts.label);
    var panelW = (W - labelW - M.right - gap * (opts.series.length - 1) - 70 * (opts.series.length - 1)) / opts.series.length;
    // row labels
    var gl = s("g", { class: "row-labels" }, svg);
    opts.rows.forEach(function (r, i) {
      var yy = M.top + i * rowH + rowH / 2;
      if (i % 2 === 0) s("rect", { x: 0, y: M.top + i * rowH, width: W, height: rowH, class: "row-band" }, gl);
      var label = r.label.length > 46 ? r.label.slice(0, 45) + "\u2026" : r.label;
      tip(s("text", { x: labelW - 12, y: yy, "text-anchor": "end", "dominant-baseline": "middle", class: "row-label " + (r.cls || ""), text: label }, gl), r.label);
    });
    opts.series.forEach(function (se, si) {
      var x0 = labelW + si * (panelW + gap + 70);
      var vals = se.values.filter(isNum);
      var sc = niceScale(0, Math.max.apply(null, vals.concat([0])), 4, !opts.fmt);
      var x = linear(0, sc.max, x0, x0 + panelW);
      var g = s("g", { class: "panel" }, svg);
      s("text", { x: x0, y: 16, class: "panel-title", fill: se.color, text: se.name }, g);
      sc.ticks.forEach(function (t) {
        s("line", { x1: x(t), x2: x(t), y1: M.top, y2: H - M.bottom, class: "grid-v" }, g);
        s("text", { x: x(t), y: H - M.bottom + 16, "text-anchor": "middle", class: "tick", text: (opts.fmt || fmtCompact)(t) }, g);
      });
      var bars = s("g", { class: "bars", fill: se.color }, g);
      opts.rows.forEach(function (r, i) {
        var v = se.values[i];
        var yy = M.top + i * rowH;
        var fmt = opts.fmt || fmtInt;
        if (!isNum(v)) {
          s("text", { x: x0 + 4, y: yy + rowH / 2, "dominant-baseline": "middle", class: "value-label muted", text: r.missing || "no data" }, bars);
          return;
        }
        var w = Math.max(v > 0 ? 1.5 : 0, x(v) - x0);
        tip(s("rect", { x: x0, y: yy + 5, width: w.toFixed(1), height: rowH - 10, rx: 3, class: "bar " + (r.cls || "") }, bars), r.label + "\n" + se.name + ": " + fmt(v));
        s("text", { x: x0 + w + 6, y: yy + rowH / 2, "dominant-baseline": "middle", class: "value-label", text: fmt(v) }, bars);
      });
    });
    return svg;
  }

  // ------------------------------------------------------------------- pages

  var DATA = JSON.parse(document.getElementById("data").textContent || "{}");

  function kpi(label, value, note, color, metric) {
    return h("div", { class: "kpi", "data-metric": metric || null }, [
      h("div", { class: "kpi-label", text: label }),
      h("div", { class: "kpi-value", style: color ? "color:" + color : null, text: value }),
      note ? h("div", { class: "kpi-note", text: note }) : null,
    ]);
  }

  function dayColumns() {
    return [
      { label: "Date", cls: "nowrap", value: function (r) { return fmtDateLong(r.date); } },
      { label: "Impressions", num: true, value: function (r) { return fmtInt(r.impressions); } },
      { label: "Engagements", num: true, value: function (r) { return fmtInt(r.engagements); } },
      { label: "Eng. rate", num: true, value: function (r) { return isNum(r.impressions) && r.impressions > 0 && isNum(r.engagements) ? fmtPct(r.engagements / r.impressions) : DASH; } },
    ];
  }

  function renderSummary(page) {
    var hd = DATA.headline || {};
    var daily = DATA.daily || [];
    page.textContent = "";
    if (!hd.days) {
      page.appendChild(h("p", { class: "empty big", text: "No profile statistics yet. Run the pipeline to load LinkedIn exports." }));
    }
    page.appendChild(h("div", { class: "kpis", id: "headline" }, [
      kpi("Total impressions", fmtInt(hd.total_impressions), null, COLORS.impressions),
      kpi("Total engagements", fmtInt(hd.total_engagements), null, COLORS.engagements),
      kpi("New followers", fmtInt(hd.total_new_followers), null, COLORS.newFollowers),
      kpi("Total followers", fmtInt(hd.latest_total_followers), hd.latest_total_followers_date ? "as of " + fmtDate(hd.latest_total_followers_date) : "not known", COLORS.followers),
      kpi("Engagement rate", fmtPct(hd.engagement_rate), "engagements / impressions"),
      kpi("Days covered", fmtInt(hd.days), hd.first_date ? fmtRange(hd.first_date, hd.last_date) : null),
    ]));

    var dailyBox = chartBox("daily");
    page.appendChild(card("Daily impressions and engagements", "Hover the chart for a day's numbers.", dailyBox, "wide"));
    lineChart(dailyBox, "daily", {
      xs: daily.map(function (d) { return parseDate(d.date); }),
      xLabels: daily.map(function (d) { return fmtDateLong(d.date); }),
      xType: "date",
      series: [
        { name: "Impressions", color: COLORS.impressions, values: daily.map(function (d) { return d.impressions; }), axis: "left" },
        { name: "Engagements", color: COLORS.engagements, values: daily.map(function (d) { return d.engagements; }), axis: "right" },
      ],
      height: 340,
      emptyMessage: "No daily statistics yet.",
    });

    var weekdayBox = chartBox("weekday");
    var wd = DATA.weekdays || [];
    var grid = h("div", { class: "grid2 even" }, [
      card("Average impressions by weekday", "Mean over the days covered", weekdayBox),
      card("Best and worst days", "By impressions", h("div", { class: "stack" }, [
        h("h3", { text: "Best 5 days" }),
        table(dayColumns(), DATA.best_days || [], { empty: "No days yet.", compact: true }),
        h("h3", { text: "Worst 5 days" }),
        table(dayColumns(), DATA.worst_days || [], { empty: "No days yet.", compact: true }),
      ])),
    ]);
    page.appendChild(grid);
    barChart(weekdayBox, "weekday", {
      categories: wd.map(function (w) { return w.weekday; }),
      tips: wd.map(function (w) { return w.weekday + " (" + w.days + " days)"; }),
      series: [{ name: "Average impressions", color: COLORS.impressions, values: wd.map(function (w) { return w.avg_impressions; }) }],
      width: 580, height: 330, decimals: 0,
      emptyMessage: "No days yet.",
    });

    var posts = DATA.posts || [];
    page.appendChild(card("Posts ranked by impressions", posts.length ? posts.length + " posts, summed over the days each was listed" : null, table([
      { label: "#", num: true, value: function (p) { return String(posts.indexOf(p) + 1); } },
      { label: "Post", cls: "title-cell", value: function (p) {
        return h("div", { class: "post-cell" }, [
          postLink(p.title, p.url),
          h("button", { type: "button", class: "linkish", text: "details \u203a", title: "Show this post's daily history", on: { click: function () { selectPost(p.post_id); } } }),
        ]);
      } },
      { label: "Published", value: function (p) { return fmtDate(p.publish_date); } },
      { label: "Impressions", num: true, value: function (p) { return fmtInt(p.impressions); } },
      { label: "Engagements", num: true, value: function (p) { return p.has_engagements ? fmtInt(p.engagements) : DASH; } },
      { label: "Eng. rate", num: true, value: function (p) { return p.has_engagements && p.impressions > 0 ? fmtPct(p.engagements / p.impressions) : DASH; } },
      { label: "Days listed", num: true, value: function (p) { return fmtInt(p.days); } },
    ], posts, { empty: "No posts yet." }), "wide"));
  }

  var postState = { select: null, body: null };

  /* A single-post export's figures, [label, key, format]; a figure the export's
   * generation does not state is left out, never shown as 0. */
  var LIFETIME = [
    ["Impressions", "impressions", fmtInt],
    ["Members reached", "members_reached", fmtInt],
    ["Reactions", "reactions", fmtInt],
    ["Comments", "comments", fmtInt],
    ["Reposts", "reposts", fmtInt],
    ["Saves", "saves", fmtInt],
    ["Sends", "sends_on_linkedin", fmtInt],
    ["Profile viewers", "profile_viewers", fmtInt],
    ["Followers gained", "followers_gained", fmtInt],
    ["Engagements", "engagements", fmtInt],
    ["Engagement rate", "engagement_rate", fmtPct],
  ];

  function lifetimeCard(post) {
    var life = post.lifetime;
    if (!life) {
      return card("Lifetime figures", null, h("p", { class: "empty", id: "post-lifetime", text: "No single-post export for this post yet: download its analytics from LinkedIn into the posts folder to see reactions, comments, reach and more." }), "wide");
    }
    var kpis = LIFETIME.filter(function (m) { return isNum(life[m[1]]); }).map(function (m) {
      return kpi(m[0], m[2](life[m[1]]), null, null, m[1]);
    });
    return card("Lifetime figures as of " + fmtDate(life.as_of), "From the post's single-post export: everything since publishing, up to that day. Engagements = reactions + comments + reposts + saves + sends.",
      h("div", { class: "kpis", id: "post-lifetime", "data-as-of": life.as_of }, kpis), "wide");
  }

  function lifetimeTable(posts) {
    var exported = posts.filter(function (p) { return p.lifetime; });
    var cols = [
      { label: "Post", cls: "title-cell", value: function (p) { return postLink(p.title, p.url); } },
      { label: "As of", cls: "nowrap", value: function (p) { return fmtDate(p.lifetime.as_of); } },
    ];
    LIFETIME.forEach(function (m) {
      if (m[1] === "profile_viewers" || m[1] === "followers_gained") return;
      cols.push({ label: m[0], num: true, key: m[1], value: function (p) { return m[2](p.lifetime[m[1]]); } });
    });
    return card("Every exported post's lifetime figures", exported.length + " of " + posts.length + " posts have a single-post export",
      table(cols, exported, { empty: "No single-post exports yet.", id: "lifetime-table", scroll: true, rowAttr: function (p) { return p.post_id; } }), "wide");
  }

  function selectPost(postId) {
    if (postState.select) {
      postState.select.value = postId;
      drawPost(postId);
    }
    showTab("post");
  }

  function renderPostPage(page) {
    page.textContent = "";
    var posts = DATA.posts || [];
    var select = h("select", { id: "post-select", class: "picker", "aria-label": "Post" });
    posts.forEach(function (p, i) {
      var label = (i + 1) + ". " + (p.title.length > 90 ? p.title.slice(0, 89) + "\u2026" : p.title) + (p.publish_date ? " (" + fmtDate(p.publish_date) + ")" : "");
      select.appendChild(h("option", { value: p.post_id, text: label }));
    });
    select.addEventListener("change", function () { drawPost(select.value); });
    var body = h("div", { class: "post-body" });
    page.appendChild(h("div", { class: "toolbar" }, [h("label", { for: "post-select", text: "Post" }), select]));
    page.appendChild(body);
    page.appendChild(lifetimeTable(posts));
    postState.select = select;
    postState.body = body;
    drawPost(posts.length ? posts[0].post_id : null);
  }

  function drawPost(postId) {
    var body = postState.body;
    body.textContent = "";
    var post = (DATA.posts || []).filter(function (p) { return p.post_id === postId; })[0];
    var box = chartBox("post-daily");
    if (!post) {
      body.appendChild(card("Post history", null, box, "wide"));
      emptyChart(box, "post-daily", "No posts yet.");
      return;
    }
    var hist = post.history || [];
    var useDays = hist.length && hist.every(function (r) { return isNum(r.days_since_post); });
    body.appendChild(h("div", { class: "kpis" }, [
      kpi("Impressions", fmtInt(post.impressions), "over " + fmtInt(post.days) + " listed days", COLORS.impressions),
      kpi("Engagements", post.has_engagements ? fmtInt(post.engagements) : DASH, post.has_engagements ? null : "not listed", COLORS.engagements),
      kpi("Engagement rate", post.has_engagements && post.impressions > 0 ? fmtPct(post.engagements / post.impressions) : DASH),
      kpi("Published", fmtDate(post.publish_date), post.publish_time ? post.publish_time.weekday + ", " + String(post.publish_time.hour).padStart(2, "0") + " h (" + post.publish_time.time_zone + ")" : post.publish_timestamp ? String(post.publish_timestamp).slice(11, 16) + " UTC" : null),
    ]));
    body.appendChild(lifetimeCard(post));
    var head = h("div", { class: "post-title" }, [h("h2", null, [postLink(post.title, post.url)])]);
    if (safeHref(post.url)) head.appendChild(h("p", { class: "sub" }, [h("a", { href: safeHref(post.url), target: "_blank", rel: "noopener noreferrer", text: "Open on LinkedIn \u2197" })]));
    body.insertBefore(head, body.firstChild);
    body.appendChild(card("Daily impressions and engagements", useDays ? "By days since publishing" : "By date", box, "wide"));
    lineChart(box, "post-daily", {
      xs: hist.map(function (r) { return useDays ? r.days_since_post : parseDate(r.date); }),
      xLabels: hist.map(function (r) { return fmtDateLong(r.date) + (isNum(r.days_since_post) ? " (day " + r.days_since_post + ")" : ""); }),
      xType: useDays ? "number" : "date",
      xTitle: useDays ? "Days since publishing" : null,
      series: [
        { name: "Impressions", color: COLORS.impressions, values: hist.map(function (r) { return r.impressions; }), axis: "left" },
        { name: "Engagements", color: COLORS.engagements, values: hist.map(function (r) { return r.engagements; }), axis: "right" },
      ],
      height: 320,
      emptyMessage: "No daily numbers for this post.",
    });
    body.appendChild(card("History", null, table([
      { label: "Date", value: function (r) { return fmtDateLong(r.date); } },
      { label: "Day", num: true, value: function (r) { return fmtInt(r.days_since_post); } },
      { label: "Impressions", num: true, value: function (r) { return fmtInt(r.impressions); } },
      { label: "\u0394 impressions", num: true, value: function (r) { return fmtSigned(r.change_in_impressions); } },
      { label: "Engagements", num: true, value: function (r) { return fmtInt(r.engagements); } },
      { label: "\u0394 engagements", num: true, value: function (r) { return fmtSigned(r.change_in_engagements); } },
      { label: "Eng. rate", num: true, value: function (r) { return fmtPct(r.engagement_rate); } },
    ], hist, { empty: "No history.", scroll: true, id: "post-history" }), "wide"));
  }

  var dayState = { select: null, body: null };

  function renderDayPage(page) {
    page.textContent = "";
    var dates = (DATA.dates || []).slice().reverse();
    var select = h("select", { id: "day-select", class: "picker", "aria-label": "Day" });
    dates.forEach(function (d) { select.appendChild(h("option", { value: d, text: fmtDateLong(d) })); });
    var prev = h("button", { type: "button", class: "btn", title: "Previous day", text: "\u2039 Prev" });
    var next = h("button", { type: "button", class: "btn", title: "Next day", text: "Next \u203a" });
    prev.addEventListener("click", function () { if (select.selectedIndex < select.options.length - 1) { select.selectedIndex += 1; drawDay(select.value); } });
    next.addEventListener("click", function () { if (select.selectedIndex > 0) { select.selectedIndex -= 1; drawDay(select.value); } });
    select.addEventListener("change", function () { drawDay(select.value); });
    var body = h("div", { class: "day-body" });
    page.appendChild(h("div", { class: "toolbar" }, [h("label", { for: "day-select", text: "Day" }), prev, select, next]));
    page.appendChild(body);
    dayState.select = select;
    dayState.body = body;
    drawDay(dates.length ? dates[0] : null);
  }

  function drawDay(date) {
    var body = dayState.body;
    body.textContent = "";
    var box = chartBox("day-posts");
    if (!date) {
      body.appendChild(card("Posts on the day", null, box, "wide"));
      emptyChart(box, "day-posts", "No days yet.");
      return;
    }
    var p = (DATA.profile_by_date || {})[date] || {};
    body.appendChild(h("div", { class: "kpis" }, [
      kpi("Impressions", fmtInt(p.impressions), isNum(p.change_in_impressions) ? fmtSigned(p.change_in_impressions) + " vs previous day" : null, COLORS.impressions),
      kpi("Engagements", fmtInt(p.engagements), isNum(p.change_in_engagements) ? fmtSigned(p.change_in_engagements) + " vs previous day" : null, COLORS.engagements),
      kpi("Engagement rate", isNum(p.impressions) && p.impressions > 0 && isNum(p.engagements) ? fmtPct(p.engagements / p.impressions) : DASH),
      kpi("Members reached", fmtInt(p.members_reached)),
      kpi("New followers", fmtInt(p.new_followers), null, COLORS.newFollowers),
      kpi("Total followers", fmtInt(p.total_followers), null, COLORS.followers),
    ]));
    var rows = (DATA.post_days || {})[date] || [];
    body.appendChild(card("Posts on " + fmtDateLong(date), "Listed posts, then what they don't account for (Others) and the profile total", box, "wide"));
    hbarPanels(box, "day-posts", {
      rows: rows.map(function (r) { return { label: r.title || r.post_id, cls: r.row_type === "post" ? "" : "special " + r.row_type }; }),
      series: [
        { name: "Impressions", color: COLORS.impressions, values: rows.map(function (r) { return r.impressions; }) },
        { name: "Engagements", color: COLORS.engagements, values: rows.map(function (r) { return r.engagements; }) },
      ],
      emptyMessage: "No post statistics for this day.",
    });
    body.appendChild(card("Rows", null, table([
      { label: "Post", cls: "title-cell", value: function (r) { return r.row_type === "post" ? postLink(r.title || r.post_id, r.url) : h("strong", { text: r.title || r.row_type }); } },
      { label: "Days since post", num: true, value: function (r) { return fmtInt(r.days_since_post); } },
      { label: "Impressions", num: true, value: function (r) { return fmtInt(r.impressions); } },
      { label: "Engagements", num: true, value: function (r) { return fmtInt(r.engagements); } },
      { label: "Eng. rate", num: true, value: function (r) { return isNum(r.impressions) && r.impressions > 0 && isNum(r.engagements) ? fmtPct(r.engagements / r.impressions) : DASH; } },
    ], rows, { empty: "No post rows for this day.", rowClass: function (r) { return r.row_type === "post" ? null : "special-row"; } }), "wide"));
  }

  function renderHistory(page) {
    page.textContent = "";
    var weekly = DATA.weekly || [], monthly = DATA.monthly || [], followers = DATA.followers || [];
    [["weekly", "Weekly", weekly, function (p) { return fmtDateShort(p); }, fmtWeek],
     ["monthly", "Monthly", monthly, function (p) { return fmtMonth(p).replace(/ (\d{2})(\d{2})$/, " \u2019$2"); }, fmtMonth]].forEach(function (spec) {
      var name = spec[0], label = spec[1], rows = spec[2], short = spec[3], long = spec[4];
      var box = chartBox(name), fbox = chartBox(name + "-followers");
      var partial = rows.filter(function (r) { return r.partial; }).length;
      var note = partial ? "; faded, outlined bars are partial (fewer days than a full " + (name === "weekly" ? "week" : "month") + ")" : "";
      page.appendChild(h("div", { class: "grid2" }, [
        card(label + " impressions and engagements", (name === "weekly" ? "Weeks start on Monday" : "Calendar months") + note, box),
        card(label + " new followers", partial ? "Faded bars: partial" : null, fbox),
      ]));
      var cats = rows.map(function (r) { return short(r.period); });
      var tips = rows.map(function (r) {
        return long(r.period) + (r.partial ? " (partial: " + r.days + " of " + r.full_days + " days)" : " (" + r.days + " day" + (r.days === 1 ? "" : "s") + ")");
      });
      var flags = rows.map(function (r) { return !!r.partial; });
      barChart(box, name, {
        categories: cats, tips: tips,
        series: [
          { name: "Impressions", color: COLORS.impressions, values: rows.map(function (r) { return r.impressions; }), axis: "left" },
          { name: "Engagements", color: COLORS.engagements, values: rows.map(function (r) { return r.engagements; }), axis: "right" },
        ],
        width: 680, height: 320, labelWidth: 64, partial: flags,
        emptyMessage: "No data yet.",
      });
      barChart(fbox, name + "-followers", {
        categories: cats, tips: tips,
        series: [{ name: "New followers", color: COLORS.newFollowers, values: rows.map(function (r) { return r.new_followers; }) }],
        width: 440, height: 320, labelWidth: 64, partial: flags,
        emptyMessage: "No data yet.",
      });
    });
    var tbox = chartBox("total-followers");
    var stated = followers.filter(function (f) { return !f.derived; }).length;
    page.appendChild(card("Total followers", followers.length ? stated + " days stated by LinkedIn (dots); the line between them is derived: the previous day's total plus that day's new followers" : null, tbox, "wide"));
    lineChart(tbox, "total-followers", {
      xs: followers.map(function (f) { return parseDate(f.date); }),
      xLabels: followers.map(function (f) { return fmtDateLong(f.date) + (f.derived ? " (derived)" : " (stated)"); }),
      xType: "date",
      zeroBased: false,
      dots: false,
      series: [
        { name: "Total followers (derived between stated days)", color: COLORS.followers, values: followers.map(function (f) { return f.total_followers; }) },
        { name: "Stated by LinkedIn", color: COLORS.axis, dotsOnly: true, values: followers.map(function (f) { return f.derived ? null : f.total_followers; }) },
      ],
      height: 300,
      emptyMessage: "No follower counts known yet.",
    });
  }

  function fmtShare(v) {
    if (!isNum(v)) return DASH;
    // one decimal at most, none when whole: 0.07 * 100 is 7.000000000000001
    return trimZero((v * 100).toFixed(1)) + "%";
  }

  function renderAudience(page) {
    page.textContent = "";
    var kinds = DATA.demographics || [];
    if (!kinds.length) {
      page.appendChild(h("p", { class: "empty big", id: "audience-empty", text: "No demographics yet: they come with the Content exports (DEMOGRAPHICS sheets)." }));
      var box = chartBox("demographics");
      page.appendChild(box);
      emptyChart(box, "demographics", "No demographics yet.");
      return;
    }
    kinds.forEach(function (kind) {
      var section = h("section", { class: "demographic-type", "data-type": kind.type });
      section.appendChild(h("div", { class: "post-title" }, [
        h("h2", { text: kind.label }),
        h("p", { class: "sub", text: "Latest export: " + fmtRange(kind.period_start, kind.period_end) + (kind.source_file ? " (" + kind.source_file + ")" : "") + ". LinkedIn lists the top values of each category; shares below 1% are not stated." }),
      ]));
      var grid = h("div", { class: "grid2 even" });
      kind.categories.forEach(function (cat) {
        var name = "demographics-" + kind.type + "-" + cat.category.toLowerCase().replace(/[^a-z0-9]+/g, "-");
        var box = chartBox(name);
        var rows = cat.values;
        grid.appendChild(card(cat.category, null, h("div", { class: "stack" }, [
          box,
          table([
            { label: "Value", value: function (r) { return r.value; } },
            { label: "Share", num: true, key: "share", value: function (r) { return r.below_one_percent ? "< 1%" : fmtShare(r.percentage); } },
          ], rows, { compact: true, id: "table-" + name }),
        ])));
        hbarPanels(box, name, {
          rows: rows.map(function (r) { return { label: r.value, missing: r.below_one_percent ? "< 1%" : null }; }),
          series: [{ name: "Share", color: COLORS.impressions, values: rows.map(function (r) { return r.percentage; }) }],
          width: 580, labelWidth: 250, fmt: fmtShare,
          emptyMessage: "No values.",
        });
      });
      section.appendChild(grid);
      page.appendChild(section);
    });
  }

  function renderTiming(page) {
    page.textContent = "";
    var t = DATA.posting_time || { weekdays: [], hours: [], posts_counted: 0, posts_total: 0 };
    var zone = t.time_zone || "UTC";
    page.appendChild(h("p", { class: "sub", id: "timing-coverage", text: t.posts_counted + " of " + t.posts_total + " posts counted: those with a single-post export, which states both the publish time and the lifetime figures (as of each post's export). Times in " + zone + "." }));
    [["timing-weekday", "By publish weekday", t.weekdays, function (b) { return b.label.slice(0, 3); }],
     ["timing-hour", "By publish hour (" + zone + ")", t.hours, function (b) { return b.label.slice(0, 2); }]].forEach(function (spec) {
      var name = spec[0], buckets = spec[2], short = spec[3];
      var box = chartBox(name), rbox = chartBox(name + "-rate");
      page.appendChild(h("div", { class: "grid2" }, [
        card(spec[1] + ": average lifetime impressions and engagements per post", null, box),
        card(spec[1] + ": engagement rate", "Engagements / impressions of the posts in each bucket", rbox),
      ]));
      var tips = buckets.map(function (b) { return b.label + " (" + b.posts + " post" + (b.posts === 1 ? "" : "s") + ")"; });
      barChart(box, name, {
        categories: buckets.map(short), tips: tips,
        series: [
          { name: "Avg impressions", color: COLORS.impressions, values: buckets.map(function (b) { return b.avg_impressions; }), axis: "left" },
          { name: "Avg engagements", color: COLORS.engagements, values: buckets.map(function (b) { return b.avg_engagements; }), axis: "right" },
        ],
        width: 680, height: 300, labelWidth: 30,
        emptyMessage: "No post with a known publish time yet.",
      });
      barChart(rbox, name + "-rate", {
        categories: buckets.map(short), tips: tips,
        series: [{ name: "Engagement rate", color: COLORS.followers, values: buckets.map(function (b) { return b.engagement_rate; }) }],
        width: 440, height: 300, labelWidth: 30, decimals: 3, fmt: fmtPct,
        emptyMessage: "No post with a known publish time yet.",
      });
      page.appendChild(card(spec[1], null, table([
        { label: spec[1].indexOf("hour") >= 0 ? "Hour" : "Weekday", value: function (b) { return b.label; } },
        { label: "Posts", num: true, key: "posts", value: function (b) { return fmtInt(b.posts); } },
        { label: "Avg impressions", num: true, key: "avg_impressions", value: function (b) { return fmtDec(b.avg_impressions, 1); } },
        { label: "Avg engagements", num: true, key: "avg_engagements", value: function (b) { return fmtDec(b.avg_engagements, 1); } },
        { label: "Eng. rate", num: true, key: "engagement_rate", value: function (b) { return fmtPct(b.engagement_rate); } },
      ], buckets.filter(function (b) { return b.posts; }), { compact: true, id: "table-" + name, empty: "No post with a known publish time yet.", rowAttr: function (b) { return b.label; } }), "wide"));
    });
  }

  // -------------------------------------------------------------------- tabs

  var TABS = ["summary", "post", "day", "history", "audience", "timing"];

  function showTab(name) {
    if (TABS.indexOf(name) < 0) name = "summary";
    document.querySelectorAll(".page").forEach(function (p) {
      p.hidden = p.getAttribute("data-page") !== name;
    });
    document.querySelectorAll(".tab").forEach(function (b) {
      var on = b.getAttribute("data-tab") === name;
      b.classList.toggle("active", on);
      b.setAttribute("aria-selected", on ? "true" : "false");
    });
    if (location.hash !== "#" + name) {
      try { history.replaceState(null, "", "#" + name); } catch (e) { /* file:// in some browsers */ }
    }
    window.scrollTo(0, 0);
  }

  function main() {
    var pages = {
      summary: renderSummary,
      post: renderPostPage,
      day: renderDayPage,
      history: renderHistory,
      audience: renderAudience,
      timing: renderTiming,
    };
    // render every page at load (inactive ones are only hidden)
    Object.keys(pages).forEach(function (name) {
      var page = document.getElementById("page-" + name);
      try {
        pages[name](page);
      } catch (e) {
        showError(name + " page: " + (e && e.message ? e.message : String(e)));
        if (window.console) console.error(e);
      }
    });
    document.querySelectorAll(".tab").forEach(function (b) {
      b.addEventListener("click", function () { showTab(b.getAttribute("data-tab")); });
    });
    window.addEventListener("hashchange", function () { showTab(location.hash.slice(1)); });
    showTab(location.hash.slice(1) || "summary");
    document.body.dataset.ready = "1";
  }

  try {
    main();
  } catch (e) {
    showError(e && e.message ? e.message : String(e));
  }
})();
