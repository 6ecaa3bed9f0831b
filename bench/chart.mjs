/**
 * Draws the run's figures as one SVG of horizontal bar panels, by hand (no
 * dependency): one panel per figure, one bar per system, Brood's in colour,
 * a dashed line where Brood's target lies, and a whisker to the worst value
 * where a figure has one (kill → serve).
 */

const PANEL_WIDTH = 470;
const BAR_HEIGHT = 18;
const BAR_GAP = 8;
const LABEL_WIDTH = 120;
const VALUE_WIDTH = 90;
const TITLE_HEIGHT = 34;
const COLUMNS = 2;

const escapeXml = (text) => String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

const format = (value, digits) =>
  value === null || value === undefined || Number.isNaN(value)
    ? '—'
    : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/**
 * One panel: `{ title, digits, bars: [{ label, value, worst?, highlight? }], target?: { value, label } }`.
 * Returns the SVG fragment and its height, drawn at (x, y).
 */
function panel({ title, digits = 0, bars, target }, x, y) {
  const plotWidth = PANEL_WIDTH - LABEL_WIDTH - VALUE_WIDTH - 20;
  const top = Math.max(...bars.map((b) => Math.max(b.value ?? 0, b.worst ?? 0)), target?.value ?? 0) || 1;
  const scale = plotWidth / top;
  const parts = [`<text x="${x}" y="${y + 16}" class="title">${escapeXml(title)}</text>`];
  const height = TITLE_HEIGHT + bars.length * (BAR_HEIGHT + BAR_GAP) + 22;
  // The target first: bars and figures are drawn over it.
  if (target !== undefined && target.value !== null && Number.isFinite(target.value)) {
    const tx = x + LABEL_WIDTH + target.value * scale;
    parts.push(`<line x1="${tx.toFixed(1)}" y1="${y + TITLE_HEIGHT - 6}" x2="${tx.toFixed(1)}" y2="${y + height - 18}" class="target"/>`);
    parts.push(`<text x="${tx.toFixed(1)}" y="${y + height - 6}" class="note" text-anchor="middle">${escapeXml(target.label)}</text>`);
  }
  bars.forEach((bar, i) => {
    const by = y + TITLE_HEIGHT + i * (BAR_HEIGHT + BAR_GAP);
    const width = Math.max(1, (bar.value ?? 0) * scale);
    const fill = bar.highlight ? '#d9480f' : '#868e96';
    parts.push(`<text x="${x + LABEL_WIDTH - 8}" y="${by + 13}" class="label" text-anchor="end">${escapeXml(bar.label)}</text>`);
    parts.push(`<rect x="${x + LABEL_WIDTH}" y="${by}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${fill}"/>`);
    let valueText = format(bar.value, digits);
    let valueX = x + LABEL_WIDTH + width + 6;
    if (bar.worst !== undefined && bar.worst !== null) {
      const wx = x + LABEL_WIDTH + bar.worst * scale;
      parts.push(
        `<line x1="${x + LABEL_WIDTH + width}" y1="${by + BAR_HEIGHT / 2}" x2="${wx.toFixed(1)}" y2="${by + BAR_HEIGHT / 2}" class="whisker"/>`,
      );
      parts.push(`<line x1="${wx.toFixed(1)}" y1="${by + 3}" x2="${wx.toFixed(1)}" y2="${by + BAR_HEIGHT - 3}" class="whisker"/>`);
      valueText += ` (max ${format(bar.worst, digits)})`;
      valueX = Math.max(valueX, wx + 6);
    }
    parts.push(`<text x="${valueX.toFixed(1)}" y="${by + 13}" class="value">${valueText}</text>`);
  });
  return { svg: parts.join('\n'), height };
}

/** The whole chart: `panels` laid out in two columns, under `heading`; `notes` (lines) fill the last cell. */
export function chart(heading, panels, notes = []) {
  const margin = 16;
  const drawn = [];
  let y = margin + 28;
  for (let i = 0; i < panels.length; i += COLUMNS) {
    const row = panels.slice(i, i + COLUMNS).map((p, j) => panel(p, margin + j * (PANEL_WIDTH + margin), y));
    if (row.length < COLUMNS && notes.length > 0) {
      const nx = margin + row.length * (PANEL_WIDTH + margin);
      const lines = notes.map((line, k) => `<text x="${nx}" y="${y + 40 + k * 18}" class="label">${escapeXml(line)}</text>`);
      row.push({ svg: lines.join('\n'), height: 40 + notes.length * 18 });
    }
    drawn.push(...row);
    y += Math.max(...row.map((r) => r.height)) + margin;
  }
  const width = margin + COLUMNS * (PANEL_WIDTH + margin);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="Helvetica, Arial, sans-serif" role="img">
<title>${escapeXml(heading)}</title>
<style>
.heading { font-size: 15px; font-weight: bold; fill: #212529; }
.title { font-size: 13px; font-weight: bold; fill: #343a40; }
.label { font-size: 12px; fill: #343a40; }
.value { font-size: 11px; fill: #495057; }
.note { font-size: 10px; fill: #1864ab; }
.target { stroke: #1864ab; stroke-width: 1.5; stroke-dasharray: 4 3; }
.whisker { stroke: #495057; stroke-width: 1.2; }
</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="${margin}" y="${margin + 12}" class="heading">${escapeXml(heading)}</text>
${drawn.map((d) => d.svg).join('\n')}
</svg>
`;
}
