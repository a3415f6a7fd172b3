// Readers for the files Waymark hands a data team, so that a journey can compare a download
// with the page it came from: CSV (RFC 4180 quoting) and the first sheet of an XLSX workbook
// (a zip of XML parts), with nothing but Node's own zlib.
import { inflateRawSync } from 'node:zlib';

/** CSV text as rows of cells; quoted cells may hold commas, quotes and line breaks. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 1; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; }
    else if (c !== '\r') cell += c;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

/** The named files of a zip archive, from its central directory. */
function unzip(buffer) {
  const eocd = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip archive: no end of central directory');
  const entries = buffer.readUInt16LE(eocd + 10);
  let at = buffer.readUInt32LE(eocd + 16);
  const files = new Map();
  for (let n = 0; n < entries; n += 1) {
    if (buffer.readUInt32LE(at) !== 0x02014b50) throw new Error('bad central directory entry');
    const method = buffer.readUInt16LE(at + 10);
    const size = buffer.readUInt32LE(at + 20);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extraLength = buffer.readUInt16LE(at + 30);
    const commentLength = buffer.readUInt16LE(at + 32);
    const local = buffer.readUInt32LE(at + 42);
    const name = buffer.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const start = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
    const data = buffer.subarray(start, start + size);
    if (method === 0) files.set(name, data);
    else if (method === 8) files.set(name, inflateRawSync(data));
    else throw new Error(`${name}: compression method ${method} is not read here`);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

function unescapeXml(s) {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');
}

/**
 * The first sheet of a workbook as a map of row number (1-based) to cells by column letter,
 * each `{ text, number }`: `number` is set only for a numeric cell.
 */
export function readXlsx(buffer) {
  const files = unzip(Buffer.from(buffer));
  const shared = [];
  const sst = files.get('xl/sharedStrings.xml')?.toString('utf8') ?? '';
  for (const si of sst.matchAll(/<si>([\s\S]*?)<\/si>/g)) {
    shared.push([...si[1].matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((t) => unescapeXml(t[1])).join(''));
  }
  const sheet = files.get('xl/worksheets/sheet1.xml');
  if (!sheet) throw new Error('the workbook has no first sheet');
  const rows = new Map();
  for (const c of sheet.toString('utf8').matchAll(/<c r="([A-Z]+)(\d+)"([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
    const [, col, rowNumber, attrs, inner = ''] = c;
    const type = attrs.match(/\st="([^"]+)"/)?.[1];
    const value = inner.match(/<v>([\s\S]*?)<\/v>/)?.[1];
    let cell;
    if (type === 's') cell = { text: shared[Number(value)] };
    else if (type === 'inlineStr') cell = { text: unescapeXml(inner.match(/<t[^>]*>([\s\S]*?)<\/t>/)?.[1] ?? '') };
    else if (type === 'str') cell = { text: unescapeXml(value ?? '') };
    else if (value !== undefined) cell = { text: value, number: Number(value) };
    else continue;
    const r = Number(rowNumber);
    if (!rows.has(r)) rows.set(r, {});
    rows.get(r)[col] = cell;
  }
  return rows;
}
