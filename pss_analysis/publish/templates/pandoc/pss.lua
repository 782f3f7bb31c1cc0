-- pss-analysis: the Lua filter pandoc runs when the built-in renderer writes Word and PDF.
--
-- 1. Raw HTML blocks (the report's tables, with a caption and a header row, and its
--    figures, with a caption and alt text) are read into pandoc's own tables and figures,
--    so Word gets real tables with a repeating header row and pictures with alt text.
-- 2. Typst (PDF):
--    - images are written as image(..., alt: "...") so the PDF carries the alt text
--      (pandoc's Typst writer leaves it out);
--    - identifiers, paths and checksums in table cells get break opportunities (after "_"
--      and "/", and every CHUNK characters of a long run), so narrow columns wrap instead of
--      overflowing; a break opportunity is an empty Typst box (BREAK), not a character, so
--      the PDF's text copies and searches as written (no zero-width spaces, no soft hyphens);
--    - a table too wide for a portrait page is set on a landscape page: wide means that
--      its columns' longest texts (each counted up to COLUMN_CAP characters) add up to
--      more than WIDE_TABLE characters (at 7.5 pt, about what fits across A4 portrait);
--      its columns then share the width by those texts (short ones on one line, long ones on two)
--      and its lines are set closer, so a page holds 20 rows or more.
-- 3. Word: a page break before the text (title page, contents, then the report), and each
--    table that the PDF sets on a landscape page (the same rule, WIDE_TABLE) between two
--    marker paragraphs (LANDSCAPE_START, LANDSCAPE_END) that the renderer turns into a
--    landscape section (publish/render/word.py, which also sizes every table's columns).

local WIDE_TABLE = 150  -- characters across
local COLUMN_CAP = 30   -- characters a column counts for at most (longer text wraps)
local LONG_RUN = 20    -- characters without a break opportunity before one is added
local CHUNK = 10
local ONE_LINE = 18     -- a landscape table's column with texts up to this long is set on one line,
                        -- a longer one as wide as half its longest text (two lines)
local PADDING = 2       -- characters of a column's width taken by its cell padding
-- an empty inline box: a place the line may break, with no character in the text
-- (";" ends the Typst expression, so the text after it is read as text)
local BREAK = "#box();"
-- Word: the marker paragraphs' texts (render/word.py LANDSCAPE_START, LANDSCAPE_END)
local LANDSCAPE_START = "PSS-LANDSCAPE-START"
local LANDSCAPE_END = "PSS-LANDSCAPE-END"

local function read_html(el)
  if el.format == "html" then
    return pandoc.read(el.text, "html").blocks
  end
end

local function typst_string(s)
  s = s:gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("%s+", " ")
  return '"' .. s .. '"'
end

local function typst_image(img)
  return pandoc.RawInline("typst", string.format("#image(%s, width: 100%%, alt: %s)",
    typst_string(img.src), typst_string(pandoc.utils.stringify(img.caption))))
end

-- The Str split into pieces with a BREAK between them, or nil when it needs none.
local function breakable(str)
  local pieces, current, run = {}, {}, 0
  local function cut()
    pieces[#pieces + 1] = table.concat(current)
    current = {}
  end
  for _, code in utf8.codes(str.text) do
    local char = utf8.char(code)
    current[#current + 1] = char
    run = run + 1
    if char == "_" or char == "/" then
      cut()
      run = 0
    elseif run >= LONG_RUN and run % CHUNK == 0 then
      cut()
    end
  end
  if #current > 0 then
    cut()
  end
  if #pieces < 2 then
    return nil
  end
  local out = {}
  for i, piece in ipairs(pieces) do
    if i > 1 then
      out[#out + 1] = pandoc.RawInline("typst", BREAK)
    end
    out[#out + 1] = pandoc.Str(piece)
  end
  return out
end

-- Each column's longest text, and the sum of those counted up to COLUMN_CAP characters.
local function widths(tbl)
  local longest = {}
  local function measure(rows)
    for _, row in ipairs(rows) do
      for i, cell in ipairs(row.cells) do
        local n = utf8.len(pandoc.utils.stringify(cell.contents)) or 0
        longest[i] = math.max(longest[i] or 0, n)
      end
    end
  end
  measure(tbl.head.rows)
  for _, body in ipairs(tbl.bodies) do
    measure(body.body)
  end
  local total = 0
  for _, n in pairs(longest) do
    total = total + math.min(n, COLUMN_CAP)
  end
  return longest, total
end

local function typst_table(tbl)
  local longest, total = widths(tbl)
  tbl = tbl:walk({ Str = breakable })
  if total > WIDE_TABLE then
    -- columns as wide as their texts, so rows take fewer lines (a page of 20 rows fits)
    local sum, share = 0, {}
    for i, _ in ipairs(tbl.colspecs) do
      local n = longest[i] or 0
      share[i] = (n <= ONE_LINE and n or math.max(ONE_LINE, math.ceil(n / 2))) + PADDING
      sum = sum + share[i]
    end
    for i, spec in ipairs(tbl.colspecs) do
      tbl.colspecs[i] = { spec[1], share[i] / sum }
    end
    -- lines closer together, so a page holds more rows
    local open = "#page(flipped: true)[#set par(leading: 0.45em)\n#set table(inset: (x: 4pt, y: 2.5pt))\n"
    return { pandoc.RawBlock("typst", open), tbl, pandoc.RawBlock("typst", "]") }
  end
  return tbl
end

local function marker(text)
  return pandoc.RawBlock("openxml", "<w:p><w:r><w:t>" .. text .. "</w:t></w:r></w:p>")
end

local function docx_table(tbl)
  local _, total = widths(tbl)
  if total > WIDE_TABLE then
    return { marker(LANDSCAPE_START), tbl, marker(LANDSCAPE_END) }
  end
  return tbl
end

local function page_break_first(doc)
  doc.blocks:insert(1, pandoc.RawBlock("openxml", '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'))
  return doc
end

local filters = { { RawBlock = read_html } }
if FORMAT == "typst" then
  filters[#filters + 1] = { Image = typst_image, Table = typst_table }
elseif FORMAT == "docx" then
  filters[#filters + 1] = { Table = docx_table, Pandoc = page_break_first }
end
return filters
