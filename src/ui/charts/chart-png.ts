/**
 * A chart as a PNG: its SVG, with a background and a title, drawn onto a canvas at twice the size. Recharts
 * draws plain SVG and the lines carry literal colours (theme-colors.ts), so nothing else is needed.
 */

export class ChartExportError extends Error {
  override name = 'ChartExportError';
}

const SCALE = 2;
const TITLE_HEIGHT = 32;

export async function chartToPng(
  figure: HTMLElement,
  title: string,
  colors: { surface: string; text: string },
) {
  const svg = figure.querySelector('svg.recharts-surface');
  if (!(svg instanceof SVGSVGElement))
    throw new ChartExportError(`The chart "${title}" has nothing drawn yet`);
  const { width, height } = svg.getBoundingClientRect();
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  clone.style.fontFamily = getComputedStyle(figure).fontFamily;
  const text = new XMLSerializer().serializeToString(clone);
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * SCALE);
    canvas.height = Math.round((height + TITLE_HEIGHT) * SCALE);
    const context = canvas.getContext('2d');
    if (!context) throw new ChartExportError('This browser gave no 2D canvas');
    context.scale(SCALE, SCALE);
    context.fillStyle = colors.surface;
    context.fillRect(0, 0, width, height + TITLE_HEIGHT);
    context.fillStyle = colors.text;
    context.font = `600 15px ${getComputedStyle(figure).fontFamily}`;
    context.fillText(title, 12, 21);
    context.drawImage(image, 0, TITLE_HEIGHT, width, height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob(
        (blob) => (blob ? resolve(blob) : reject(new ChartExportError('PNG encoding failed'))),
        'image/png',
      ),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}
