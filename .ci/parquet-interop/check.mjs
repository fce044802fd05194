// Reads every table of a committed prepare output with hyparquet (an independent Parquet reader,
// pure JavaScript) and checks row counts against the manifest and the block length against seq_len.
// Usage: node check.mjs <output-root>
import { parquetReadObjects, asyncBufferFromFile } from 'hyparquet'
import { readdirSync, readFileSync } from 'fs'

const root = process.argv[2]
const manifest = JSON.parse(readFileSync(`${root}/_manifest.json`, 'utf8'))
const failed = []
for (const [table, info] of Object.entries(manifest.tables)) {
  const dir = `${root}/${manifest.generation}/${table}`
  let rows = 0
  let badBlocks = 0
  for (const f of readdirSync(dir).filter(f => f.endsWith('.parquet'))) {
    const objects = await parquetReadObjects({ file: await asyncBufferFromFile(`${dir}/${f}`) })
    rows += objects.length
    for (const o of objects) {
      if (table.startsWith('sft_packed/') && (o.input_ids.length !== manifest.seq_len || o.doc_ids.length !== manifest.seq_len)) {
        badBlocks++
      }
    }
  }
  const ok = rows === info.rows && badBlocks === 0
  if (!ok) failed.push(table)
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${table}: ${rows} rows read (manifest: ${info.rows})` +
    (badBlocks ? `, ${badBlocks} blocks not ${manifest.seq_len} tokens long` : ''))
}
console.log(failed.length ? `parquet interop FAILED for ${failed.join(', ')}` : 'parquet interop: every table read back as the manifest says')
process.exit(failed.length ? 1 : 0)
